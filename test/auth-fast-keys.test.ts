// Key verification is a keyed fast hash (src/api/auth.ts): legacy scrypt hashes keep working and are
// rewritten on their first successful use; and the rate limit is charged before a key is verified,
// wrong secrets to the sender's address, never to the key's own bucket (src/api/plugins/rate-limit.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { hashSecret, verifySecret, parseApiKey, isLegacyHash } from '../src/catalogue/accounts.ts';
import { buildApp, type App } from '../src/api/app.ts';
import { createAuthenticator } from '../src/api/auth.ts';
import { loadConfig } from '../src/config/index.ts';
import type { Database } from '../src/db/index.ts';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { testTargets } from './helpers/db.ts';
import { vendorApp, quiet, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { must } from '../src/util/must.ts';

const WHOAMI = `{ viewer { role keyId vendor { id } } }`;

/** The hash the service stored before the fast scheme: bare hex scrypt(secret, salt), N=2^15, r=8. */
function legacyHash(secret: string, salt: string): string {
  return scryptSync(secret, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('hex');
}

async function ask(app: App, key: string | null, ip = '198.51.100.7') {
  const res = await app.yoga.fetch(
    'http://test/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ query: WHOAMI }),
    },
    { req: { ip } } as unknown as Record<string, unknown>,
  );
  return {
    status: res.status,
    body: (await res.json()) as { data?: { viewer: { keyId: string | null } }; errors?: Array<{ extensions?: { code?: string } }> },
  };
}

describe('the fast key hash', () => {
  it('verifies a valid key in microseconds, and refuses a wrong one', async () => {
    const secret = randomBytes(32).toString('base64url');
    const { hash, salt } = await hashSecret(secret);
    const n = 2000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) assert.equal(await verifySecret(secret, salt, hash), true);
    const perCallUs = ((performance.now() - t0) * 1000) / n;
    // A generous bound (scrypt took tens of milliseconds): well under a millisecond even on a loaded machine.
    expect(perCallUs).toBeLessThan(500);
    const wrong = (secret.startsWith('A') ? 'B' : 'A') + secret.slice(1);
    assert.equal(await verifySecret(wrong, salt, hash), false);
    assert.equal(await verifySecret(secret, `${salt}0`, hash), false, 'the salt keys the hash');
  });

  it('still verifies a legacy scrypt hash', async () => {
    const secret = randomBytes(32).toString('base64url');
    const salt = randomBytes(16).toString('hex');
    const old = legacyHash(secret, salt);
    assert.equal(isLegacyHash(old), true);
    assert.equal(await verifySecret(secret, salt, old), true);
    assert.equal(await verifySecret(`${secret}x`, salt, old), false);
  });
});

for (const kind of testTargets()) {
  describe(`legacy keys are upgraded on use (${kind})`, () => {
    let t: VendorTestApp;
    beforeAll(async () => {
      t = await vendorApp(kind);
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    const row = async (id: string) =>
      (await t.db.sql.query<{ hash: string; salt: string }>(`SELECT hash, salt FROM "ApiKey" WHERE id = $1`, [id]))[0];

    it('a key stored with the old scrypt hash works, is rewritten to sha256$ on first use, and keeps working', async () => {
      const { key, apiKey } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'acme', label: 'legacy' });
      const parsed = parseApiKey(key);
      assert.ok(parsed);
      const salt = randomBytes(16).toString('hex');
      await t.db.sql.query(`UPDATE "ApiKey" SET hash = $2, salt = $3 WHERE id = $1`, [apiKey.id, legacyHash(parsed.secret, salt), salt]);
      assert.equal(isLegacyHash((await row(apiKey.id))?.hash ?? ''), true);

      // A wrong secret does not upgrade anything.
      const wrong = `vc_${apiKey.id}_${randomBytes(32).toString('base64url')}`;
      assert.equal((await t.gql(WHOAMI, {}, wrong)).status, 401);
      assert.equal(isLegacyHash((await row(apiKey.id))?.hash ?? ''), true);

      // Several first uses at once: all served, one upgrade wins.
      const first = await Promise.all([1, 2, 3, 4].map(() => t.gql(WHOAMI, {}, key)));
      for (const r of first) assert.equal(r.data?.viewer.keyId, apiKey.id, JSON.stringify(r));
      const upgraded = await row(apiKey.id);
      assert.match(upgraded?.hash ?? '', /^sha256\$[0-9a-f]{64}$/);
      assert.notEqual(upgraded?.salt, salt, 'a fresh salt');
      assert.equal(await verifySecret(parsed.secret, upgraded?.salt ?? '', upgraded?.hash ?? ''), true);

      // Still works, on this instance and on a fresh one that never saw the legacy hash.
      assert.equal((await t.gql(WHOAMI, {}, key)).data?.viewer.keyId, apiKey.id);
      const fresh = t.sibling();
      assert.equal((await ask(fresh, key)).body.data?.viewer.keyId, apiKey.id);
      assert.equal((await t.gql(WHOAMI, {}, wrong)).status, 401);
    });

    it('requests arriving together share key reads, and each gets its own identity; a revoked key among them is refused', async () => {
      const made = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: i % 2 ? 'acme' : 'other' }),
        ),
      );
      const revoked = made[3];
      assert.ok(revoked);
      await t.db.sql.query(`UPDATE "ApiKey" SET "revokedAt" = CURRENT_TIMESTAMP WHERE id = $1`, [revoked.apiKey.id]);
      const wrong = `vc_${made[5]?.apiKey.id}_${randomBytes(32).toString('base64url')}`;
      const asked = [...made.map((m) => m.key), ...made.map((m) => m.key), wrong, null];
      const answers = await Promise.all(asked.map((k) => t.gql(WHOAMI, {}, k)));
      for (const [i, r] of answers.entries()) {
        const k = asked[i];
        if (k === null) assert.equal(r.data?.viewer.keyId, null);
        else if (k === wrong || k === revoked.key) assert.equal(r.status, 401, `request ${i}`);
        else
          assert.equal(r.data?.viewer.keyId, parseApiKey(must(k, `asked key ${i}`))?.keyId, `request ${i} got another caller's identity`);
      }
    });

    it('key rows for lookups made together are read in one statement', async () => {
      const made = await Promise.all(
        Array.from({ length: 8 }, () => createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'acme' })),
      );
      let reads = 0;
      const auth = createAuthenticator({
        sql: {
          query(text, params) {
            if (/FROM "ApiKey" WHERE id = ANY/.test(text)) reads++;
            return t.db.sql.query(text, params);
          },
          transaction: (fn) => t.db.sql.transaction(fn),
        },
      });
      const actors = await Promise.all([...made, ...made].map((m) => auth.verifyKey(m.key)));
      expect(actors.map((a) => a.keyId)).toEqual([...made, ...made].map((m) => m.apiKey.id));
      expect(reads).toBe(1);
    });

    it('new keys are created with the fast scheme', async () => {
      const { apiKey } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'MAINTAINER', vendorId: null });
      assert.match((await row(apiKey.id))?.hash ?? '', /^sha256\$[0-9a-f]{64}$/);
    });
  });
}

describe('the rate limit is charged before a key is verified', () => {
  let t: VendorTestApp;
  let app: App;
  const stats = { apiKeyReads: 0 };
  beforeAll(async () => {
    t = await vendorApp('pglite');
    // The same database, counting the statements that read an ApiKey row (what verification costs).
    const db: Database = {
      ...t.db,
      sql: {
        query(text, params) {
          if (/FROM "ApiKey" WHERE id = ANY/.test(text)) stats.apiKeyReads++;
          return t.db.sql.query(text, params);
        },
        transaction: (fn) => t.db.sql.transaction(fn),
      },
    };
    app = buildApp(
      loadConfig({
        RESPONSE_CACHE: 'false',
        LOG_LEVEL: 'silent',
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_PER_MINUTE: '1',
        RATE_LIMIT_BURST: '3',
      }),
      db,
      quiet(),
    );
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('wrong secrets for a real key id drain the sender’s address, not the key’s bucket, and are refused before any lookup', async () => {
    const id = parseApiKey(t.keys.acme)?.keyId;
    assert.ok(id);
    const owner = '203.0.113.10';
    const attacker = '192.0.2.66';
    // The owner uses its key: first use here costs one unverified-key token of its address, then the key's.
    assert.equal((await ask(app, t.keys.acme, owner)).status, 200);

    const guess = () => ask(app, `vc_${id}_${randomBytes(32).toString('base64url')}`, attacker);
    const before = stats.apiKeyReads;
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) answers.push((await guess()).status);
    // Burst 3: three guesses are checked (and refused), the rest are turned away unread.
    expect(answers).toEqual([401, 401, 401, 429, 429, 429, 429, 429, 429, 429]);
    expect(stats.apiKeyReads - before).toBe(3);

    // The key's own bucket is untouched by the guesses: its two remaining tokens serve the owner.
    assert.equal((await ask(app, t.keys.acme, owner)).status, 200);
    assert.equal((await ask(app, t.keys.acme, owner)).status, 200);
    const limited = await ask(app, t.keys.acme, owner);
    assert.equal(limited.status, 429, 'the key has its own budget, spent by its own use');
    assert.equal(limited.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');

    // Anonymous readers at the attacker's address still have their own budget.
    assert.equal((await ask(app, null, attacker)).status, 200);
  });

  it('a malformed or unknown key is charged to the address too', async () => {
    const ip = '192.0.2.99';
    const statuses: number[] = [];
    for (const k of ['not-a-key', `vc_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`, 'x', 'y']) {
      statuses.push((await ask(app, k, ip)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
