// Several instances, one truth: a private primary with a streaming replica (pg_basebackup -R), a
// private Redis, and two service instances on them. Proves that queries read the replica, that a
// submitter reads its own write on the other instance while the replica lags (replay paused), that
// a write from outside the API (as an import or the CLI makes) clears every instance's response
// cache through the change feed's notifications, and that losing the replica turns its reads to the
// primary without one error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';
import { openDatabase, type Database } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { buildApp, type App } from '../src/api/app.ts';
import { appendChanges } from '../src/catalogue/changes.ts';
import { skipWith } from './helpers/skip.ts';
import {
  privatePostgresUnavailable,
  redisUnavailable,
  startPrivatePostgres,
  startPrivateRedis,
  waitFor,
  type PrivatePostgres,
  type PrivateRedis,
} from './helpers/private-services.ts';
import { gqlOn, goodRecord, loadFixtures, makeKeys, quiet, SUBMIT, type KeyName } from './helpers/vendor-fixtures.ts';

const unavailable = privatePostgresUnavailable() ?? redisUnavailable();

describe('a primary, a streaming replica and two instances', { skip: skipWith(unavailable ?? false), timeout: 600_000 }, () => {
  let primary: PrivatePostgres;
  let replica: PrivatePostgres;
  let redis: PrivateRedis;
  let db: Database;
  let keys: Record<KeyName, string>;
  let A: App;
  let B: App;
  const dbs: Database[] = [];

  beforeAll(async () => {
    primary = await startPrivatePostgres();
    db = await openDatabase({ kind: 'postgres', url: primary.url(), poolSize: 4 });
    await migrate(db);
    await loadFixtures(db);
    keys = await makeKeys(db);
    replica = await startPrivatePostgres({ replicaOf: primary });
    redis = await startPrivateRedis();
    const env = {
      DATABASE_URL: primary.url(),
      DATABASE_REPLICA_URLS: replica.url(),
      REPLICA_POLL_MS: '50',
      REDIS_URL: redis.url,
      RESPONSE_CACHE: 'true',
      // An hour: anything that refreshes a cached answer within this test was invalidated, not expired.
      RESPONSE_CACHE_TTL_MS: '3600000',
      RATE_LIMIT_ENABLED: 'false',
      LOG_LEVEL: 'silent',
    };
    const open = async () => {
      const d = await openDatabase({ kind: 'postgres', url: primary.url(), poolSize: 4 });
      dbs.push(d);
      return buildApp(loadConfig(env), d, quiet());
    };
    A = await open();
    B = await open();
    await Promise.all([A.ready, B.ready]);
    await waitFor('both instances to see the replica up', async () =>
      [A, B].every((x) => x.router?.status().every((r) => r.up)) ? true : undefined,
    );
  }, 600_000);

  afterAll(async () => {
    await Promise.allSettled([A?.close(), B?.close()]);
    await Promise.allSettled([...dbs, db].map((d) => d?.close()));
    await Promise.allSettled([replica?.destroy(), primary?.destroy(), redis?.destroy()]);
  });

  const GUEST = `{ guestOS(shortId: "acmeos1") { id name } }`;
  /** A read the response cache has never seen (a new document each time), so it is executed and routed. */
  const uncached = (i: number) => `{ g${i}: guestOS(shortId: "acmeos2") { id } hardwareFeatures(first: 5) { nodes { key } } }`;

  it('serves queries from the replica and says so', async () => {
    const before = A.router?.served()['replica-1'] ?? 0;
    const res = await gqlOn(A, GUEST);
    expect((await gqlOn(A, GUEST)).headers.get('x-catalogue-read'), 'the second answer comes from the response cache').toBeNull();
    expect(res.errors).toBeUndefined();
    expect(res.data.guestOS.name).toBe('Acme OS 1');
    expect(res.headers.get('x-catalogue-read')).toBe('replica-1');
    expect(A.router?.served()['replica-1'] ?? 0).toBeGreaterThan(before);
    // The replica really is a standby: a write sent there is refused.
    await expect(replica.query(`INSERT INTO "Vendor" (id, name, kinds, "updatedAt") VALUES ('x', 'x', '{OS}', now())`)).rejects.toThrow(
      /read-only/,
    );
  });

  it('a submitter reads its own write on the other instance while the replica lags; others read the replica', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      const s = await gqlOn(
        A,
        SUBMIT,
        { records: [goodRecord({ evidence: { notes: 'ryw', date: '2024-05-01' } })], key: 'ryw-1' },
        keys.acme,
      );
      const id = s.data?.submitCompatibilityRecords?.records?.[0]?.record?.id as string;
      expect(id, JSON.stringify(s)).toBeTruthy();
      const position = s.headers.get('x-catalogue-position');
      expect(position).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      const q = `query($id: ID!) { compatibilityRecord(id: $id) { id reviewState } }`;
      // Instance B never saw the write; the submitter's position travels through Redis.
      const own = await gqlOn(B, q, { id }, keys.acme);
      expect(own.errors).toBeUndefined();
      expect(own.data.compatibilityRecord).toEqual({ id, reviewState: 'PENDING' });
      expect(own.headers.get('x-catalogue-read')).toBe('primary');
      // Another caller is not held to the submitter's position: it reads the (paused) replica.
      const other = await gqlOn(B, uncached(900_001), {}, keys.other);
      expect(other.headers.get('x-catalogue-read')).toBe('replica-1');
      // A client that says what it has seen is routed by it too.
      const told = await gqlOn(B, uncached(900_002), {}, null, { 'x-catalogue-min-position': position ?? '' });
      expect(told.headers.get('x-catalogue-read')).toBe('primary');
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    // Once the replica has replayed the write, the submitter's reads go back to it.
    let n = 0;
    await waitFor('the replica to catch up', async () =>
      (await gqlOn(B, uncached(n++), {}, keys.acme)).headers.get('x-catalogue-read') === 'replica-1' ? true : undefined,
    );
  });

  it('a write from outside the API (an import, the CLI) clears both instances’ caches through the change feed', async () => {
    const q = `{ guestOS(shortId: "otheros5") { name } }`;
    for (const x of [A, B]) {
      expect((await gqlOn(x, q)).data.guestOS.name).toBe('Other OS 5');
      expect(x.cache.size).toBeGreaterThan(0);
    }
    // What an importer does: change the data and append to the feed in one transaction. No Redis
    // message, no API call.
    const started = Date.now();
    await db.sql.transaction(async (tx) => {
      await tx.query(`UPDATE "GuestOS" SET name = 'Other OS 5 (renamed)' WHERE "shortIds" @> '{otheros5}'`);
      await appendChanges(tx, [{ entityType: 'GuestOS', entityId: 'http://other.example/otheros/5', op: 'UPSERT', data: {} }]);
    });
    const latencies = await Promise.all(
      [A, B].map(async (x) => {
        await waitFor(
          'the cached answer to be dropped and read again',
          async () => ((await gqlOn(x, q)).data.guestOS.name === 'Other OS 5 (renamed)' ? true : undefined),
          60_000,
          5,
        );
        return Date.now() - started;
      }),
    );
    console.log(`scale-replicas: a write outside the API reached both instances' caches in ${latencies.join(' ms, ')} ms`);
  });

  it('losing the replica turns its reads to the primary without one error, and they return once it is back', async () => {
    const answers: Array<{ status: number; read: string | null; errors?: unknown }> = [];
    let stop = false;
    const load = (async () => {
      for (let i = 1000; !stop; i++) {
        try {
          const r = await gqlOn(A, uncached(i));
          answers.push({ status: r.status, read: r.headers.get('x-catalogue-read'), errors: r.errors });
        } catch (err) {
          answers.push({ status: 0, read: null, errors: String(err) });
        }
      }
    })();
    try {
      await waitFor('reads on the replica', async () => (answers.some((a) => a.read === 'replica-1') ? true : undefined));
      await replica.stop('immediate');
      const n = answers.length;
      await waitFor(
        'reads on the primary',
        async () => (answers.slice(n).filter((a) => a.read === 'primary').length >= 20 ? true : undefined),
        180_000,
      ).catch((err) => {
        throw new Error(
          `${(err as Error).message}; last answers: ${JSON.stringify(answers.slice(-3))}; ${answers.length - n} since the stop`,
        );
      });
      expect(A.router?.status()[0]?.up).toBe(false);
      await replica.start();
      const m = answers.length;
      await waitFor('reads back on the replica', async () => (answers.slice(m).some((a) => a.read === 'replica-1') ? true : undefined));
    } finally {
      stop = true;
      await load;
    }
    const bad = answers.filter((a) => a.status !== 200 || a.errors);
    expect(bad).toEqual([]);
    console.log(
      `scale-replicas: ${answers.length} reads across the replica's loss: ${answers.filter((a) => a.read === 'primary').length} on the primary, ${answers.filter((a) => a.read === 'replica-1').length} on the replica, 0 errors`,
    );
  });
});
