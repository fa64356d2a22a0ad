// Transactions on the pg pool: statements sent in parallel on one transaction client run one after
// another (pg warns, and pg 9 refuses, a query sent while another runs), nothing reaches the client
// after its transaction ended, and a transaction whose backend is terminated mid-way runs again
// on a fresh connection (retry before COMMIT is safe) without the process dying.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/index.ts';
import { runTransaction } from '../src/db/retry.ts';
import type { Sql } from '../src/db/sql.ts';
import { freshDatabase, testTargets, type TestDatabase } from './helpers/db.ts';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from './helpers/private-services.ts';

const pgSkip = process.env.DATABASE_URL ? undefined : privatePostgresUnavailable();
if (pgSkip) console.warn(`db-transaction.test.ts: PostgreSQL cases skipped (DATABASE_URL unset and ${pgSkip})`);

for (const kind of testTargets()) {
  describe(`transactions (${kind})`, () => {
    let t: TestDatabase;
    let db: Database;
    beforeAll(async () => {
      t = await freshDatabase(kind);
      db = await t.open();
    });
    afterAll(async () => {
      await db?.close();
      await t?.drop();
    });
    it('statements sent in parallel on one transaction all answer, in order', async () => {
      const out = await db.sql.transaction((tx) =>
        Promise.all(Array.from({ length: 20 }, (_, i) => tx.query<{ n: number }>('SELECT $1::int AS n', [i]))),
      );
      expect(out.map((r) => r[0]?.n)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });
  });
}

describe.skipIf(!!pgSkip)('transactions on PostgreSQL', () => {
  let shared: TestDatabase | undefined;
  let cluster: PrivatePostgres | undefined;
  let db: Database;
  let admin: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      shared = await freshDatabase('postgres');
      db = await shared.open();
      admin = (sql, params) => db.sql.query(sql, params);
    } else {
      cluster = await startPrivatePostgres();
      db = await openDatabase({ kind: 'postgres', url: cluster.url(), poolSize: 5 });
      const c = cluster;
      admin = (sql, params) => c.query(sql, params);
    }
    await db.sql.query('CREATE TABLE tx_probe (id int PRIMARY KEY, attempt int)');
  });
  afterAll(async () => {
    await db?.close();
    await shared?.drop();
    await cluster?.destroy();
  });

  it('parallel statements on a transaction client draw no pg warning; none runs after the transaction', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    let leaked: Sql | undefined;
    try {
      await db.sql.transaction(async (tx) => {
        leaked = tx;
        await Promise.all(Array.from({ length: 10 }, (_, i) => tx.query('SELECT pg_sleep(0.001), $1::int', [i])));
      });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /already executing a query/.test(w))).toEqual([]);
    await expect(leaked?.query('SELECT 1')).rejects.toThrow(/after its transaction ended/);
  });

  it('a backend terminated mid-transaction: the transaction runs again on a fresh connection and commits once', async () => {
    let attempts = 0;
    await runTransaction(db.sql, async (tx) => {
      attempts++;
      const [me] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await tx.query('INSERT INTO tx_probe (id, attempt) VALUES (1, $1)', [attempts]);
      if (attempts === 1) {
        await admin('SELECT pg_terminate_backend($1)', [me?.pid]);
        await tx.query('SELECT 1'); // fails: the connection is gone
      }
    });
    expect(attempts).toBe(2);
    expect(await db.sql.query('SELECT id, attempt FROM tx_probe')).toEqual([{ id: 1, attempt: 2 }]);
    // The pool still serves.
    expect(await db.sql.query<{ ok: number }>('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });
});
