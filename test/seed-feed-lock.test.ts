// The change feed has one writer: the curated seed appends its Change rows through appendChanges,
// under the feed's advisory lock, so sequence numbers follow commit order. Here a submission-like
// writer holds the feed lock with its Change row written but not committed; the seed must wait for
// it (not commit rows numbered after an uncommitted one), and its rows come after the writer's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { appendChanges } from '../src/catalogue/changes.ts';
import { applyCuratedSeed } from '../seed/load.ts';
import { freshDatabase, type TestDatabase } from './helpers/db.ts';
import { privatePostgresUnavailable, startPrivatePostgres, type PrivatePostgres } from './helpers/private-services.ts';

// Needs a real PostgreSQL (PGlite has one connection, so nothing runs concurrently there): the
// server of DATABASE_URL, or a private cluster.
const skipReason = process.env.DATABASE_URL ? undefined : privatePostgresUnavailable();
if (skipReason) console.warn(`seed-feed-lock.test.ts skipped: no PostgreSQL (DATABASE_URL unset and ${skipReason})`);

describe.skipIf(!!skipReason)('seed writes the change feed under its lock', () => {
  let shared: TestDatabase | undefined;
  let cluster: PrivatePostgres | undefined;
  let db: Database;

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      shared = await freshDatabase('postgres');
      db = await shared.open();
    } else {
      cluster = await startPrivatePostgres();
      db = await openDatabase({ kind: 'postgres', url: cluster.url(), poolSize: 5 });
    }
    await migrate(db);
  });

  afterAll(async () => {
    await db?.close();
    await shared?.drop();
    await cluster?.destroy();
  });

  it('a seed running beside an uncommitted feed writer waits for it, and its seq come after', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let writerSeq = '';
    let locked!: () => void;
    const holding = new Promise<void>((r) => (locked = r));
    const writer = db.sql.transaction(async (tx) => {
      const [e] = await appendChanges(tx, [{ entityType: 'Vendor', entityId: 'writer', op: 'UPSERT', data: {} }]);
      writerSeq = e?.seq ?? '';
      locked();
      await gate;
    });
    await holding;

    try {
      let seedDone = false;
      const seed = applyCuratedSeed(db).then((s) => {
        seedDone = true;
        return s;
      });
      // Either the seed's backend queues on the advisory lock (right), or the seed commits while the
      // writer still holds it (wrong: its rows would be numbered after an uncommitted row).
      const until = Date.now() + 600_000;
      let waiting = false;
      while (!seedDone && Date.now() < until) {
        const [r] = await db.sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = 1986225254::bigint::oid`,
        );
        if ((r?.n ?? 0) > 0) {
          waiting = true;
          break;
        }
        await new Promise((res) => setTimeout(res, 20));
      }
      expect(seedDone, 'the seed committed change rows while another writer held the feed lock').toBe(false);
      expect(waiting).toBe(true);
      release();
      await writer;
      const summary = await seed;
      expect(summary.changed).toBe(true);
      const rows = await db.sql.query<{ seq: string; data: { source?: string } }>(
        `SELECT seq::text AS seq, data FROM "Change" ORDER BY seq`,
      );
      const seedRows = rows.filter((r) => r.data?.source === 'seed');
      expect(seedRows.length).toBeGreaterThan(0);
      for (const r of seedRows) expect(BigInt(r.seq) > BigInt(writerSeq)).toBe(true);
    } finally {
      // On failure too: the writer's connection must go back before the pool can close.
      release();
      await writer.catch(() => {});
    }
  });
});
