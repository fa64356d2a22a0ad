// A minimal SQL interface over both drivers, for hot read paths and bulk loads where hand-written,
// measured SQL beats the ORM. Parameters are always bound ($1, $2 ...), never interpolated.
import type pg from 'pg';
import type { PGlite, Transaction } from '@electric-sql/pglite';

export type Row = Record<string, unknown>;

export interface Sql {
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

export function pgSql(pool: pg.Pool): Sql {
  return {
    async query<T>(text: string, params?: readonly unknown[]) {
      const res = await pool.query(text, params as unknown[] | undefined);
      return res.rows as T[];
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const tx: Sql = {
          async query<R>(text: string, params?: readonly unknown[]) {
            const res = await client.query(text, params as unknown[] | undefined);
            return res.rows as R[];
          },
          transaction: (inner) => inner(tx),
        };
        const out = await fn(tx);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        client.release(broken);
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
