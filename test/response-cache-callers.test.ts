// The response cache never serves one caller's answer to another (src/api/plugins/response-cache.ts).
// For every query whose answer depends on who asks, the cache is primed as each kind of caller
// (anonymous included) and then every other kind of caller asks: each must get exactly the answer it
// gets with the cache off. A schema check keeps the list complete: a new Query field must be put in
// one of the two lists below.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { buildSchema } from '../src/schema/index.ts';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import type { App } from '../src/api/app.ts';
import { testTargets } from './helpers/db.ts';
import { vendorApp, gqlOn, goodRecord, IDS, SUBMIT, REVIEW, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { must } from '../src/util/must.ts';

type Caller = 'anonymous' | 'admin' | 'maintainer' | 'acmeMaintainer' | 'acme' | 'acme2' | 'other';
const CALLERS: Caller[] = ['anonymous', 'admin', 'maintainer', 'acmeMaintainer', 'acme', 'acme2', 'other'];

interface Probe {
  name: string;
  /** Query fields this probe exercises. */
  fields: string[];
  query: string;
  variables?: (ids: Ids) => Record<string, unknown>;
  /**
   * False for probes whose resolvers consult the caller (canSee on linked records) but whose
   * answers agree for every caller, because an accepted record only ever links to accepted ones;
   * they are still primed and asked across callers.
   */
  differs?: false;
}
interface Ids {
  a1: string;
  a2: string;
  a3: string;
  b1: string;
  b2: string;
}

const RECORD = `id reviewState status submitter { id } supersedes { id } supersededBy { id } proposedSupersedes { id reviewState }`;

/** Queries and fields whose answer depends on the caller (role, vendor or key). */
const CALLER_DEPENDENT: Probe[] = [
  { name: 'viewer', fields: ['viewer'], query: `{ viewer { role keyId vendor { id } } }` },
  { name: 'apiKeys', fields: ['apiKeys'], query: `{ apiKeys(includeRevoked: true) { id role vendor { id } active } }` },
  { name: 'Vendor.apiKeys', fields: ['vendors'], query: `{ vendors { id apiKeys { id role } } }` },
  {
    name: 'auditLog',
    fields: ['auditLog'],
    query: `{ auditLog(first: 100) { nodes { id action actorVendor actorKeyId entityId outcome } pageInfo { hasNextPage } } }`,
  },
  {
    name: 'auditLog filtered by vendor',
    fields: ['auditLog'],
    query: `{ auditLog(first: 100, filter: { actorVendor: "acme" }) { nodes { id action outcome } } }`,
  },
  {
    name: 'pending records',
    fields: ['compatibilityRecords'],
    query: `{ compatibilityRecords(first: 50, filter: { reviewState: PENDING }) { nodes { ${RECORD} } } }`,
  },
  {
    name: 'rejected records',
    fields: ['compatibilityRecords'],
    query: `{ compatibilityRecords(first: 50, filter: { reviewState: REJECTED }) { nodes { ${RECORD} } } }`,
  },
  {
    differs: false,
    name: 'accepted records with their links',
    fields: ['compatibilityRecords'],
    query: `{ compatibilityRecords(first: 50, filter: { includeSuperseded: true }) { nodes { ${RECORD} } } }`,
  },
  {
    name: 'one pending record of vendor A (proposing to supersede)',
    fields: ['compatibilityRecord'],
    query: `query($id: ID!) { compatibilityRecord(id: $id) { ${RECORD} } }`,
    variables: (ids) => ({ id: ids.a2 }),
  },
  {
    name: 'one rejected record of vendor A',
    fields: ['compatibilityRecord'],
    query: `query($id: ID!) { compatibilityRecord(id: $id) { ${RECORD} } }`,
    variables: (ids) => ({ id: ids.a3 }),
  },
  {
    name: 'one pending record of vendor B',
    fields: ['compatibilityRecord'],
    query: `query($id: ID!) { compatibilityRecord(id: $id) { ${RECORD} } }`,
    variables: (ids) => ({ id: ids.b1 }),
  },
  {
    name: 'node(id) of a pending record',
    fields: ['node'],
    query: `query($id: ID!) { node(id: $id) { id ... on CompatibilityRecord { reviewState submitter { id } } } }`,
    variables: (ids) => ({ id: ids.b1 }),
  },
  {
    differs: false,
    name: 'node(id) of an accepted record',
    fields: ['node'],
    query: `query($id: ID!) { node(id: $id) { id ... on CompatibilityRecord { ${RECORD} } } }`,
    variables: (ids) => ({ id: ids.a1 }),
  },
  {
    differs: false,
    name: 'the change feed with its records',
    fields: ['changes'],
    query: `{ changes(first: 100) { nodes { seq entityType entityId op record { ${RECORD} } } } }`,
  },
  {
    differs: false,
    name: 'a guest with its records',
    fields: ['guestOS'],
    query: `{ guestOS(shortId: "acmeos1") { id compatibilityRecords { ${RECORD} } } }`,
  },
  {
    differs: false,
    name: 'the compatibility verdict with its records',
    fields: ['compatibility'],
    query: `{ compatibility(guest: "acmeos1", hypervisorRelease: "kvmt:1.0") { verdict records { ${RECORD} } } }`,
  },
  {
    differs: false,
    name: 'the matrix, a guest row and a release column with their records',
    fields: ['matrix', 'guestSupport', 'releaseGuests'],
    query: `{ matrix(guests: ["acmeos1"], hypervisorReleases: ["kvmt:1.0"]) { cells { level backends { records { ${RECORD} } } } }
      guestSupport(guest: "acmeos1") { level backends { records { ${RECORD} } } }
      releaseGuests(hypervisorRelease: "kvmt:1.0") { nodes { level backends { records { ${RECORD} } } } } }`,
  },
];

/** Query fields whose answers are the same for every caller (catalogue data, limits, versions). */
const CALLER_INDEPENDENT = [
  'catalogueVersion',
  // Corrections are written by the seed and imports only (no vendor, no pending state).
  'corrections',
  'deviceEquivalenceGroups',
  'imports',
  'device',
  'devicesByBusId',
  'devices',
  // Driver builds and known issues are published catalogue data (no pending state); movePlan asks
  // the catalogue as any anonymous runtime does.
  'driverPackages',
  'drivers',
  'knownIssues',
  'movePlan',
  'guestOSes',
  'hardwareFeature',
  'hardwareFeatures',
  'hypervisor',
  'hypervisors',
  'hypervisorRelease',
  'paravirtFeature',
  'paravirtFeatures',
  'submissionLimits',
];

/** What a caller is told, in a form two answers can be compared by. */
function answer(r: {
  status: number;
  data?: unknown;
  errors?: Array<{ message: string; path?: unknown; extensions?: Record<string, unknown> }>;
}) {
  return {
    status: r.status,
    data: r.data ?? null,
    errors: (r.errors ?? []).map((e) => ({ message: e.message, path: e.path ?? null, code: e.extensions?.code ?? null })),
  };
}

describe('the response cache covers every query field', () => {
  it('lists each Query field as caller-dependent (probed below) or caller-independent', () => {
    const fields = Object.keys(buildSchema().getQueryType()?.getFields() ?? {}).sort();
    const covered = new Set([...CALLER_DEPENDENT.flatMap((p) => p.fields), ...CALLER_INDEPENDENT]);
    expect(fields.filter((f) => !covered.has(f))).toEqual([]);
  });
});

for (const kind of testTargets()) {
  describe(`the response cache keeps callers apart (${kind})`, () => {
    let t: VendorTestApp;
    let cached: App;
    let ids: Ids;
    let keys: Record<Caller, string | null>;
    /** expected[probe][caller]: the answer with the cache off. */
    const expected = new Map<string, Map<Caller, ReturnType<typeof answer>>>();

    beforeAll(async () => {
      t = await vendorApp(kind);
      const acme2 = (await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'acme', label: 'second acme key' }))
        .key;
      keys = {
        anonymous: null,
        admin: t.keys.admin,
        maintainer: t.keys.maintainer,
        acmeMaintainer: t.keys.acmeMaintainer,
        acme: t.keys.acme,
        acme2,
        other: t.keys.other,
      };
      const submit = async (rec: Record<string, unknown>, idem: string, key: string) => {
        const r = await t.gql(SUBMIT, { records: [rec], key: idem }, key);
        assert.equal(r.data?.submitCompatibilityRecords?.ok, true, JSON.stringify(r));
        return r.data.submitCompatibilityRecords.records[0].record.id as string;
      };
      const review = async (id: string, decision: 'ACCEPTED' | 'REJECTED') => {
        const r = await t.gql(REVIEW, { id, decision, reason: `test ${decision}` }, t.keys.maintainer);
        assert.equal(r.errors, undefined, JSON.stringify(r));
      };
      const otherRec = (over: Record<string, unknown>) =>
        goodRecord({ guest: 'otheros5', testedDevices: [IDS.e1000], backend: null, ...over });
      const a1 = await submit(goodRecord({ evidence: { notes: 'a1', date: '2024-01-01' } }), 'a1', t.keys.acme);
      await review(a1, 'ACCEPTED');
      const a2 = await submit(
        goodRecord({ status: 'PARTIAL', supersedes: a1, evidence: { notes: 'a2', date: '2024-02-01' } }),
        'a2',
        t.keys.acme,
      );
      const a3 = await submit(goodRecord({ status: 'BROKEN', evidence: { notes: 'a3', date: '2024-03-01' } }), 'a3', acme2);
      await review(a3, 'REJECTED');
      const b1 = await submit(otherRec({ evidence: { notes: 'b1', date: '2024-01-01' } }), 'b1', t.keys.other);
      const b2 = await submit(otherRec({ status: 'BROKEN', evidence: { notes: 'b2', date: '2024-02-01' } }), 'b2', t.keys.other);
      await review(b2, 'REJECTED');
      // A refused read leaves a FORBIDDEN entry in the audit log of some callers' views.
      await t.gql(REVIEW, { id: b1, decision: 'ACCEPTED', reason: 'not mine to review' }, t.keys.other);
      ids = { a1, a2, a3, b1, b2 };

      // The answers every caller must get, from the instance without a cache. lastUsedAt is not
      // asked for (it changes on use), so answers are stable across the whole test.
      for (const p of CALLER_DEPENDENT) {
        const per = new Map<Caller, ReturnType<typeof answer>>();
        for (const c of CALLERS) per.set(c, answer(await t.gql(p.query, p.variables?.(ids), keys[c])));
        expected.set(p.name, per);
      }
      cached = t.sibling({ RESPONSE_CACHE: 'true', RESPONSE_CACHE_TTL_MS: '600000' });
    }, 120_000);

    afterAll(async () => {
      await t?.close();
    });

    it('every probed query really answers differently depending on who asks', () => {
      const same = CALLER_DEPENDENT.filter(
        (p) => new Set([...(expected.get(p.name)?.values() ?? [])].map((a) => JSON.stringify(a))).size < 2,
      );
      assert.deepEqual(
        same.map((p) => p.name),
        CALLER_DEPENDENT.filter((p) => p.differs === false).map((p) => p.name),
        'every probe not marked `differs: false` gives different callers different answers',
      );
      // The fixtures are what the probes rely on: vendor A sees its pending record, B and anonymous do not.
      const pending = expected.get('one pending record of vendor A (proposing to supersede)');
      assert.equal(
        (must(pending?.get('acme'), 'acme answer').data as { compatibilityRecord: { id: string } | null }).compatibilityRecord?.id,
        ids.a2,
      );
      assert.equal(
        (must(pending?.get('acme2'), 'acme2 answer').data as { compatibilityRecord: unknown }).compatibilityRecord !== null,
        true,
      );
      assert.equal((must(pending?.get('other'), 'other answer').data as { compatibilityRecord: unknown }).compatibilityRecord, null);
      assert.equal(
        (must(pending?.get('anonymous'), 'anonymous answer').data as { compatibilityRecord: unknown }).compatibilityRecord,
        null,
      );
      const viewer = expected.get('viewer');
      assert.notDeepEqual(viewer?.get('acme'), viewer?.get('acme2'), 'two keys of one vendor are told apart by viewer');
    });

    for (const primer of CALLERS) {
      it(`after ${primer} primes the cache, every other caller gets its own answer`, async () => {
        let hitsPossible = 0;
        for (const p of CALLER_DEPENDENT) {
          const want = expected.get(p.name);
          assert.ok(want);
          cached.cache.clear();
          const vars = p.variables?.(ids);
          const first = answer(await gqlOn(cached, p.query, vars, keys[primer]));
          assert.deepEqual(first, want.get(primer), `${p.name}: ${primer} priming`);
          if (cached.cache.size > 0) hitsPossible++;
          // Ask again as the primer (served from the cache where cached) and as everyone else.
          for (const c of [primer, ...CALLERS.filter((x) => x !== primer)]) {
            const got = answer(await gqlOn(cached, p.query, vars, keys[c]));
            assert.deepEqual(got, want.get(c), `${p.name}: primed by ${primer}, asked by ${c}`);
          }
        }
        // The cache was really in play: most probes' answers were stored under the primer.
        assert.ok(hitsPossible >= 5, `only ${hitsPossible} probes were cached for ${primer}`);
      }, 120_000);
    }

    it('serves a keyed caller from its own cache entry (one entry per key, not per query)', async () => {
      cached.cache.clear();
      const q = CALLER_DEPENDENT.find((p) => p.name === 'pending records');
      assert.ok(q);
      for (const c of CALLERS) await gqlOn(cached, q.query, undefined, keys[c]);
      // Anonymous callers are refused (FORBIDDEN: not cached); each of the six keys has its own entry.
      expect(cached.cache.size).toBe(CALLERS.length - 1);
    });
  });
}
