// API keys and request protection: key format and hashing, authentication of requests (bad,
// revoked and expired keys are refused with 401, never served as anonymous), lastUsedAt, and the
// token-bucket rate limit in process and shared through Redis (REDIS_URL).
import { describe, it, beforeAll, afterAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createAuthenticator } from '../src/api/auth.ts';
import { generateApiKey, parseApiKey, hashSecret, verifySecret } from '../src/catalogue/accounts.ts';
import { memoryRateLimiter, redisRateLimiter } from '../src/api/plugins/rate-limit.ts';
import { createApiKey, revokeApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { testTargets } from './helpers/db.ts';
import { vendorApp, gqlOn, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { at } from '../src/util/must.ts';

const REDIS_URL = process.env.REDIS_URL;

describe('API key format and hashing', () => {
  it('generates vc_<16 hex>_<43+ base64url> keys that parse back', () => {
    const k = generateApiKey();
    assert.match(k.key, /^vc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(parseApiKey(k.key), { keyId: k.keyId, secret: k.secret });
    assert.notEqual(generateApiKey().key, k.key);
  });

  it('rejects malformed keys', () => {
    for (const bad of [
      '',
      'vc_',
      'vc_123_abc',
      `vc_${'g'.repeat(16)}_${'a'.repeat(43)}`,
      `xx_${'a'.repeat(16)}_${'a'.repeat(43)}`,
      `vc_${'a'.repeat(16)}_short`,
      `vc_${'a'.repeat(16)}_${'a'.repeat(42)}!`,
    ]) {
      assert.equal(parseApiKey(bad), null, bad);
    }
  });

  it('stores a salted keyed hash (sha256$) and verifies in constant time', async () => {
    const { secret } = generateApiKey();
    const a = await hashSecret(secret);
    const b = await hashSecret(secret);
    assert.notEqual(a.salt, b.salt);
    assert.notEqual(a.hash, b.hash, 'salted: same secret, different hashes');
    assert.match(a.hash, /^sha256\$[0-9a-f]{64}$/);
    assert.ok(!a.hash.includes(secret));
    assert.equal(await verifySecret(secret, a.salt, a.hash), true);
    assert.equal(await verifySecret(secret + 'x', a.salt, a.hash), false);
  });
});

for (const kind of testTargets()) {
  describe(`authentication on requests (${kind})`, () => {
    let t: VendorTestApp;
    beforeAll(async () => {
      t = await vendorApp(kind);
    });
    afterAll(async () => {
      await t?.close();
    });

    const whoami = `{ viewer { role keyId vendor { id } } }`;

    it('serves callers without a key as anonymous', async () => {
      const r = await t.gql(whoami);
      assert.equal(r.status, 200);
      assert.deepEqual(r.data.viewer, { role: 'ANONYMOUS', keyId: null, vendor: null });
    });

    it('knows a valid key: role, key id, vendor', async () => {
      const r = await t.gql(whoami, {}, t.keys.acme);
      assert.equal(r.data.viewer.role, 'SUBMITTER');
      assert.equal(r.data.viewer.vendor.id, 'acme');
      assert.equal(r.data.viewer.keyId, parseApiKey(t.keys.acme)!.keyId);
    });

    const refused = async (headers: Record<string, string>, pattern: RegExp) => {
      const r = await gqlOn(t.app, whoami, {}, null, headers);
      assert.equal(r.status, 401, JSON.stringify(r));
      assert.equal(r.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.match(at(r.errors ?? [], 0, 'an error').message, pattern);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
      assert.equal(r.data, undefined, 'nothing is served to a refused caller');
    };

    it('refuses malformed, unknown and wrong-secret keys with 401', async () => {
      const id = parseApiKey(t.keys.acme)!.keyId;
      await refused({ authorization: 'Basic dXNlcjpwYXNz' }, /Bearer/);
      await refused({ authorization: 'Bearer not-a-key' }, /malformed/);
      await refused(
        { authorization: `Bearer vc_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}` },
        /invalid API key/,
      );
      await refused({ authorization: `Bearer vc_${id}_${randomBytes(32).toString('base64url')}` }, /invalid API key/);
    });

    it('refuses a revoked key at once, and an expired one', async () => {
      const { key, apiKey } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'acme' });
      assert.equal((await t.gql(whoami, {}, key)).status, 200);
      await revokeApiKey({ db: t.db, actor: SYSTEM }, apiKey.id);
      await refused({ authorization: `Bearer ${key}` }, /revoked/);

      const soon = await createApiKey(
        { db: t.db, actor: SYSTEM },
        { role: 'SUBMITTER', vendorId: 'acme', expiresAt: new Date(Date.now() + 60_000).toISOString() },
      );
      assert.equal((await t.gql(whoami, {}, soon.key)).status, 200);
      await t.db.sql.query(`UPDATE "ApiKey" SET "expiresAt" = CURRENT_TIMESTAMP - interval '1 second' WHERE id = $1`, [soon.apiKey.id]);
      await refused({ authorization: `Bearer ${soon.key}` }, /expired/);
    });

    it('records lastUsedAt, at most once a minute', async () => {
      const { key, apiKey } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'MAINTAINER', vendorId: null });
      const read = async () =>
        at(await t.db.sql.query<{ t: string | null }>(`SELECT "lastUsedAt"::text AS t FROM "ApiKey" WHERE id = $1`, [apiKey.id]), 0).t;
      assert.equal(await read(), null);
      await t.gql(whoami, {}, key);
      let first: string | null = null;
      for (let i = 0; i < 50 && !first; i++) {
        first = await read();
        if (!first) await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(first, 'lastUsedAt is set after a request');
      await t.gql(whoami, {}, key);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await read(), first, 'a second request within the minute does not write again');
    });

    it('reads revocation on every request', async () => {
      const auth = createAuthenticator(t.db);
      const { key, apiKey } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'ADMIN', vendorId: null });
      await auth.verifyKey(key);
      await auth.verifyKey(key);
      await revokeApiKey({ db: t.db, actor: SYSTEM }, apiKey.id);
      await assert.rejects(
        auth.verifyKey(key),
        (e: Error & { extensions?: { code?: string } }) => e.extensions?.code === 'UNAUTHENTICATED',
      );
    });
  });
}

describe('token-bucket rate limit (in process)', () => {
  it('allows the burst, then refuses with a retry-after, then refills', async () => {
    let now = 1_000_000;
    const rl = memoryRateLimiter({ perMinute: 60, burst: 3 }, () => now);
    for (let i = 0; i < 3; i++) assert.equal((await rl.take('k')).allowed, true);
    const refused = await rl.take('k');
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfter, 1, 'one token per second at 60/min');
    assert.equal((await rl.take('other')).allowed, true, 'buckets are per caller');
    now += 1000;
    assert.equal((await rl.take('k')).allowed, true);
    assert.equal((await rl.take('k')).allowed, false);
    now += 10 * 60_000;
    for (let i = 0; i < 3; i++) assert.equal((await rl.take('k')).allowed, true, 'refills up to the burst, not beyond');
    assert.equal((await rl.take('k')).allowed, false);
  });

  it('answers 429 with Retry-After and RATE_LIMITED, per key and per anonymous IP', async () => {
    const t = await vendorApp('pglite', { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_BURST: '2' });
    try {
      const q = `{ viewer { role } }`;
      assert.equal((await t.gql(q, {}, t.keys.acme)).status, 200);
      assert.equal((await t.gql(q, {}, t.keys.acme)).status, 200);
      const limited = await t.gql(q, {}, t.keys.acme);
      assert.equal(limited.status, 429);
      assert.equal(limited.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.equal(limited.errors?.[0]?.extensions?.retryAfter, 10);
      assert.equal(limited.headers.get('retry-after'), '10');
      assert.equal((await t.gql(q, {}, t.keys.other)).status, 200, 'another key has its own bucket');
      assert.equal((await t.gql(q)).status, 200, 'anonymous callers have their IP bucket');
      assert.equal((await t.gql(q)).status, 200);
      assert.equal((await t.gql(q)).status, 429);
    } finally {
      await t.close();
    }
  });

  it('throttles key guessing through the caller IP bucket', async () => {
    const t = await vendorApp('pglite', { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_BURST: '2' });
    try {
      const bad = () =>
        gqlOn(t.app, `{ viewer { role } }`, {}, `vc_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`);
      assert.equal((await bad()).status, 401);
      assert.equal((await bad()).status, 401);
      const r = await bad();
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
    } finally {
      await t.close();
    }
  });
});

describe('token-bucket rate limit shared through Redis', { skip: skipWith(REDIS_URL ? false : 'REDIS_URL is not set') }, () => {
  it('two service instances draw from one bucket (atomic Lua update)', async () => {
    const prefix = `virtcompat:test:${randomBytes(4).toString('hex')}:`;
    const a = redisRateLimiter({ perMinute: 60, burst: 5 }, REDIS_URL!, undefined, prefix);
    const b = redisRateLimiter({ perMinute: 60, burst: 5 }, REDIS_URL!, undefined, prefix);
    try {
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).take('key:shared')));
      const allowed = results.filter((r) => r.allowed).length;
      assert.ok(allowed >= 5 && allowed <= 6, `burst 5 shared by both instances (plus at most one refilled), got ${allowed}`);
      const refused = results.find((r) => !r.allowed)!;
      assert.ok(refused.retryAfter >= 1 && refused.retryAfter <= 2);
      assert.equal((await a.take('key:another')).allowed, true);
      const redis = new Redis(REDIS_URL!);
      const ttl = await redis.pttl(`${prefix}key:shared`);
      await redis.quit();
      assert.ok(ttl > 0 && ttl <= 6000 + 1000, `bucket keys expire once full again (pttl ${ttl})`);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers 429 on one instance after the other used the key\u2019s budget', async () => {
    const t = await vendorApp('pglite', {
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '6',
      RATE_LIMIT_BURST: '2',
      REDIS_URL: REDIS_URL!,
    });
    try {
      const { key } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'acme' });
      const other = t.sibling();
      const q = `{ viewer { role } }`;
      assert.equal((await gqlOn(t.app, q, {}, key)).status, 200);
      assert.equal((await gqlOn(other, q, {}, key)).status, 200);
      const r = await gqlOn(t.app, q, {}, key);
      assert.equal(r.status, 429);
      assert.equal(r.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    } finally {
      await t.close();
    }
  });
});
