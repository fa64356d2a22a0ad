// A slow database: a statement held up (here by a lock another session keeps) is cancelled by the
// server after DB_STATEMENT_TIMEOUT_MS and answered 503 DATABASE_UNAVAILABLE with Retry-After,
// instead of holding the request and its connection without end; the pool does not grow past its
// size, and the service answers normally once the database does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase, type Database } from '../src/db/index.ts';
import { prepareDatabase } from '../src/api/startup.ts';
import { buildApp, type App } from '../src/api/app.ts';
import { freshDatabase, type TestDatabase } from './helpers/db.ts';
import { skipWith } from './helpers/skip.ts';
import { gqlOn, quiet } from './helpers/vendor-fixtures.ts';

describe('a statement the database cannot finish in time', {
  skip: skipWith(process.env.DATABASE_URL ? false : 'DATABASE_URL is not set'),
}, () => {
  let t: TestDatabase;
  let db: Database;
  let app: App;
  beforeAll(async () => {
    t = await freshDatabase('postgres');
    if (t.target.kind !== 'postgres') throw new Error('expected PostgreSQL');
    db = await openDatabase({ ...t.target, poolSize: 3, statementTimeoutMs: 300 });
    await prepareDatabase(db, { seed: true });
    app = buildApp(loadConfig({ RESPONSE_CACHE: 'false', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false' }), db, quiet());
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await db?.close();
    await t?.drop();
  });

  it('is cancelled and answered 503 with Retry-After; the next one is answered once the lock is gone', async () => {
    const q = `{ guestOS(shortId: "debian12") { id name } }`;
    expect((await gqlOn(app, q)).data.guestOS.name).toMatch(/Debian/);
    const holder = new pg.Client({ connectionString: t.target.kind === 'postgres' ? t.target.url : '' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE "GuestOS" IN ACCESS EXCLUSIVE MODE`);
      const answers = await Promise.all(Array.from({ length: 6 }, () => gqlOn(app, q)));
      for (const a of answers) {
        expect(a.status).toBe(503);
        expect(a.errors?.[0]?.extensions?.code).toBe('DATABASE_UNAVAILABLE');
        expect(Number(a.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // No pile-up: six requests waited on three pooled connections, never more.
      const [row] = await holder
        .query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        )
        .then((r) => r.rows);
      expect(row?.n ?? 0).toBeLessThanOrEqual(3);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
    const after = await gqlOn(app, q);
    expect(after.status).toBe(200);
    expect(after.data.guestOS.name).toMatch(/Debian/);
  });
});
