// A minimal SQL interface over both drivers, for hot read paths and bulk loads where hand-written,
// measured SQL beats the ORM. Parameters are always bound ($1, $2 ...), never interpolated.
import type pg from 'pg';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { classifyDbError, DatabaseUnavailableError } from './classify.ts';

export type Row = Record<string, unknown>;

export interface Sql {
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

/**
 * Statements run as named prepared statements on PostgreSQL: each connection parses and plans
 * one the first time it runs it, and afterwards only binds and executes it. For the service's
 * hot reads the planning is a large part of the database's work (measured in docs/scaling.md:
 * the page of 50 guests' statement costs about half as much prepared). Only fixed texts are
 * registered (`prepared` below), and at most MAX_PREPARED of them, because every connection keeps
 * the statements it prepared for its whole life. PGlite runs every statement as before.
 */
const PREPARED = new Map<string, string>();
export const MAX_PREPARED = 256;

/**
 * Marks a statement text as prepared on PostgreSQL and returns it unchanged. For texts built from
 * code alone (never from a value: values are parameters); a text registered past MAX_PREPARED
 * runs unprepared. A statement's result columns must not change while the service runs (a
 * migration that changes a column's type fails a prepared statement reading it: "cached plan must
 * not change result type"); the service migrates before it serves.
 */
export function prepared(text: string): string {
  if (PREPARED.size < MAX_PREPARED && !PREPARED.has(text)) PREPARED.set(text, `vc_${PREPARED.size + 1}`);
  return text;
}

/** The prepared statement name of a text, if it is registered. */
export function preparedName(text: string): string | undefined {
  return PREPARED.get(text);
}

function pgQuery(text: string, params: readonly unknown[] | undefined): pg.QueryConfig {
  return { text, values: params as unknown[] | undefined, name: PREPARED.get(text) };
}

export function pgSql(pool: pg.Pool): Sql {
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      const res = await pool.query(pgQuery(text, params));
      return res.rows as T[];
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>) {
      const client = await pool.connect();
      // pg-pool listens for 'error' only on idle clients: a checked-out client whose backend dies
      // (server restart, pg_terminate_backend, idle-in-transaction timeout) would otherwise emit
      // an unhandled 'error' and end the process. The failing query rejects on its own; this
      // listener only records that the connection is gone, so it is discarded, not reused.
      let lost: Error | undefined;
      const onError = (err: Error) => {
        lost ??= err;
      };
      client.on('error', onError);
      let discard: Error | undefined;
      // One connection runs one statement at a time; pg warns (and pg 9 will refuse) when a second
      // query is sent while one is running, as Promise.all over tx.query does. Queue them; once the
      // transaction is over (fn settled) no queued statement may reach the connection, which by
      // then may be back in the pool serving someone else.
      let tail: Promise<unknown> = Promise.resolve();
      let over = false;
      const settle = async () => {
        over = true;
        await tail;
      };
      try {
        await client.query('BEGIN');
        const tx: Sql = {
          query<R>(text: string, params?: readonly unknown[]) {
            const run = tail.then(() => {
              if (over) throw new Error('query sent after its transaction ended');
              return client.query(pgQuery(text, params));
            });
            tail = run.catch(() => {});
            return run.then((res) => res.rows as R[]);
          },
          transaction: (inner) => inner(tx),
        };
        const out = await fn(tx);
        await settle();
        try {
          await client.query('COMMIT');
        } catch (err) {
          // The server may or may not have committed before the connection went: say so, so only
          // an idempotent write is retried.
          if (classifyDbError(err)?.kind === 'UNAVAILABLE') {
            discard = err as Error;
            throw new DatabaseUnavailableError('the connection was lost while committing; the outcome is unknown', true, { cause: err });
          }
          throw err;
        }
        return out;
      } catch (err) {
        await settle();
        if (!discard && !lost) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackErr) {
            discard = rollbackErr as Error;
          }
        }
        throw err;
      } finally {
        client.removeListener('error', onError);
        // release(err) makes the pool destroy the client instead of handing a dead one out again.
        client.release(lost ?? discard);
      }
    },
  };
}

export function pgliteSql(db: PGlite): Sql {
  const wrapTx = (tx: Transaction): Sql => {
    const sql: Sql = {
      async query<R>(text: string, params?: readonly unknown[]) {
        const res = await tx.query<R>(text, params as unknown[] | undefined);
        return res.rows;
      },
      transaction: (inner) => inner(sql),
    };
    return sql;
  };
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      const res = await db.query<T>(text, params as unknown[] | undefined);
      return res.rows;
    },
    transaction<T>(fn: (tx: Sql) => Promise<T>) {
      return db.transaction((tx) => fn(wrapTx(tx)));
    },
  };
}
