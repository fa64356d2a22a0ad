// Authorization matrix: every mutation tried as every role and as the wrong vendor. Anonymous
// callers get UNAUTHENTICATED (401); keys with the wrong role or vendor get FORBIDDEN (403), leave
// an audit entry with outcome FORBIDDEN, and change nothing.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { testTargets } from './helpers/db.ts';
import { vendorApp, IDS, SUBMIT, REVIEW, goodRecord, type KeyName, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { at } from '../src/util/must.ts';

type Actor = 'anonymous' | KeyName;
type Expect = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN';

interface Case {
  mutation: string;
  /** Builds the operation; `n` makes ids unique per attempt. */
  op(t: VendorTestApp, n: number): Promise<{ query: string; variables: Record<string, unknown> }>;
  expect: Partial<Record<Actor, Expect>>;
  /** Every actor not listed: anonymous is UNAUTHENTICATED, the rest FORBIDDEN. */
}

const ACTORS: Actor[] = ['anonymous', 'acme', 'other', 'hvco', 'chipco', 'maintainer', 'acmeMaintainer', 'admin'];

let pendingCounter = 0;
/** A fresh pending record of `vendor` (submitted directly), for review cases. */
async function pendingRecord(t: VendorTestApp, key: string): Promise<string> {
  const r = await t.gql(
    SUBMIT,
    { records: [goodRecord({ evidence: { notes: `pending ${++pendingCounter}`, date: '2024-01-01' } })], key: `pending-${pendingCounter}` },
    key,
  );
  return r.data.submitCompatibilityRecords.records[0].record.id;
}

const PUBLISH_GUEST = `mutation($input: GuestOSInput!) { publishGuestOS(input: $input) { changed inputErrors { code } guestOS { id name } } }`;
const PUBLISH_DEVICE = `mutation($input: DeviceInput!) { publishDevice(input: $input) { changed inputErrors { code } device { id name } } }`;
const PUBLISH_HV = `mutation($input: HypervisorInput!) { publishHypervisor(input: $input) { changed inputErrors { code } hypervisor { id name } } }`;
const PUBLISH_RELEASE = `mutation($input: HypervisorReleaseInput!) { publishHypervisorRelease(input: $input) { changed inputErrors { code } hypervisorRelease { id } } }`;
const PUBLISH_HW = `mutation($input: HardwareFeatureInput!) { publishHardwareFeature(input: $input) { changed inputErrors { code } hardwareFeature { id } } }`;

const CASES: Case[] = [
  {
    mutation: 'submitCompatibilityRecords',
    op: async (_t, n) => ({
      query: SUBMIT,
      variables: { records: [goodRecord({ evidence: { notes: `claim ${n}`, date: '2024-02-02' } })], key: `authz-${n}` },
    }),
    expect: { acme: 'OK', other: 'OK', hvco: 'OK', chipco: 'OK' },
  },
  {
    mutation: 'submitCompatibilityRecords (supersede another vendor\u2019s record)',
    op: async (t, n) => {
      const theirs = await pendingRecord(t, t.keys.acme);
      return {
        query: SUBMIT,
        variables: { records: [goodRecord({ supersedes: theirs, evidence: { notes: `x ${n}`, date: '2024-02-02' } })], key: `steal-${n}` },
      };
    },
    expect: { acme: 'OK' },
  },
  {
    mutation: 'reviewRecord',
    op: async (t) => ({ query: REVIEW, variables: { id: await pendingRecord(t, t.keys.acme), decision: 'ACCEPTED', reason: 'checked' } }),
    // acmeMaintainer is a maintainer of the submitting vendor: no self-review.
    expect: { maintainer: 'OK', admin: 'OK', acmeMaintainer: 'FORBIDDEN' },
  },
  {
    mutation: 'publishGuestOS (update an owned release)',
    op: async (_t, n) => ({ query: PUBLISH_GUEST, variables: { input: { id: IDS.acme1, name: `Acme OS 1 (rev ${n})` } } }),
    expect: { acme: 'OK' },
  },
  {
    mutation: 'publishGuestOS (new release)',
    op: async (_t, n) => ({ query: PUBLISH_GUEST, variables: { input: { id: `http://acme.example/acmeos/new-${n}`, name: `New ${n}` } } }),
    // other is an OS vendor too: a new release is its own. hvco and chipco make no OS.
    expect: { acme: 'OK', other: 'OK' },
  },
  {
    mutation: 'publishDevice (update an owned device)',
    op: async (_t, n) => ({
      query: PUBLISH_DEVICE,
      variables: {
        input: {
          id: IDS.e1000,
          name: `e1000 rev ${n}`,
          bus: 'pci',
          vendorId: '8086',
          productId: '100e',
          class: 'NETWORK',
          kind: 'EMULATED',
        },
      },
    }),
    expect: { chipco: 'OK' },
  },
  {
    mutation: 'publishDevice (a curated device)',
    op: async () => ({
      query: PUBLISH_DEVICE,
      variables: {
        input: {
          id: IDS.virtioNet,
          name: 'virtio-net (mine)',
          bus: 'pci',
          vendorId: '1af4',
          productId: '1041',
          class: 'NETWORK',
          kind: 'PARAVIRTUAL',
        },
      },
    }),
    expect: {},
  },
  {
    mutation: 'publishHypervisor',
    op: async (_t, n) => ({ query: PUBLISH_HV, variables: { input: { key: 'kvmt', name: `KVM test ${n}`, family: 'KVM' } } }),
    expect: { hvco: 'OK' },
  },
  {
    mutation: 'publishHypervisorRelease',
    op: async (_t, n) => ({
      query: PUBLISH_RELEASE,
      variables: {
        input: {
          hypervisor: 'kvmt',
          version: `2.${n}`,
          name: `KVM test 2.${n}`,
          devices: [{ device: IDS.virtioNet, model: 'virtio-net-pci' }],
        },
      },
    }),
    expect: { hvco: 'OK' },
  },
  {
    mutation: 'publishHypervisorRelease (curated hypervisor)',
    op: async (_t, n) => ({
      query: PUBLISH_RELEASE,
      variables: { input: { hypervisor: 'curated', version: `9.${n}`, name: 'Curated 9' } },
    }),
    expect: {},
  },
  {
    mutation: 'publishHardwareFeature',
    op: async (_t, n) => ({
      query: PUBLISH_HW,
      variables: {
        input: { key: 'chipx', name: `Chip X rev ${n}`, category: 'OTHER', detectionMethod: 'CPUINFO_FLAG', detectionValue: 'chipx' },
      },
    }),
    expect: { chipco: 'OK' },
  },
  {
    mutation: 'createVendor',
    op: async (_t, n) => ({
      query: `mutation($i: VendorInput!) { createVendor(input: $i) { id } }`,
      variables: { i: { id: `newco-${n}`, name: 'New Co', kinds: ['OS'] } },
    }),
    expect: { admin: 'OK' },
  },
  {
    mutation: 'updateVendor',
    op: async (_t, n) => ({
      query: `mutation($i: VendorInput!) { updateVendor(input: $i) { id } }`,
      variables: { i: { id: 'other', name: `Other OS ${n}`, kinds: ['OS'] } },
    }),
    expect: { admin: 'OK' },
  },
  {
    mutation: 'createApiKey',
    op: async () => ({
      query: `mutation { createApiKey(vendor: "acme", role: SUBMITTER, label: "x") { key apiKey { id } } }`,
      variables: {},
    }),
    expect: { admin: 'OK' },
  },
  {
    mutation: 'revokeApiKey',
    op: async (t) => {
      const { createApiKey } = await import('../src/catalogue/accounts.ts');
      const { SYSTEM } = await import('../src/catalogue/actor.ts');
      const { apiKey } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'acme' });
      return { query: `mutation($id: ID!) { revokeApiKey(id: $id) { id active } }`, variables: { id: apiKey.id } };
    },
    expect: { admin: 'OK' },
  },
  {
    mutation: 'assignOwner',
    op: async () => ({
      query: `mutation { assignOwner(entityType: DEVICE, id: "${IDS.vmxnet3}", vendor: "hvco") { id vendor { id } } }`,
      variables: {},
    }),
    expect: { admin: 'OK' },
  },
];

for (const kind of testTargets()) {
  describe(`authorization matrix (${kind})`, () => {
    let t: VendorTestApp;
    let n = 0;
    beforeAll(async () => {
      t = await vendorApp(kind);
    });
    afterAll(async () => {
      await t?.close();
    });

    for (const c of CASES) {
      it(`${c.mutation}: ${ACTORS.map((a) => `${a} ${c.expect[a] ?? (a === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN')}`).join(', ')}`, async () => {
        for (const actor of ACTORS) {
          const want: Expect = c.expect[actor] ?? (actor === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
          const { query, variables } = await c.op(t, ++n);
          const key = actor === 'anonymous' ? null : t.keys[actor];
          const { n: auditBefore } = at(
            await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AuditEntry" WHERE outcome = 'FORBIDDEN'`),
            0,
          );
          const { n: changesBefore } = at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Change"`), 0);
          const r = await t.gql(query, variables, key);
          const label = `${c.mutation} as ${actor}: ${JSON.stringify(r.errors ?? r.data).slice(0, 300)}`;
          if (want === 'OK') {
            assert.equal(r.errors, undefined, label);
            assert.equal(r.status, 200, label);
            const result = Object.values(r.data)[0] as { inputErrors?: unknown[]; ok?: boolean };
            if (result && 'inputErrors' in result) assert.deepEqual(result.inputErrors, [], label);
            continue;
          }
          assert.equal(r.errors?.[0]?.extensions?.code, want, label);
          assert.equal(r.status, want === 'UNAUTHENTICATED' ? 401 : 403, label);
          assert.deepEqual(
            Object.values(r.data ?? {}).filter((v) => v !== null),
            [],
            label,
          );
          const { n: changesAfter } = at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Change"`), 0);
          assert.equal(changesAfter, changesBefore, `a refused write changes nothing (${label})`);
          if (want === 'FORBIDDEN') {
            const entries = await t.db.sql.query<{ actorKeyId: string; actorRole: string; detail: string }>(
              `SELECT "actorKeyId", "actorRole", detail FROM "AuditEntry" WHERE outcome = 'FORBIDDEN' ORDER BY id DESC LIMIT 1`,
            );
            const { n: auditAfter } = at(
              await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "AuditEntry" WHERE outcome = 'FORBIDDEN'`),
              0,
            );
            assert.equal(auditAfter, auditBefore + 1, `one FORBIDDEN audit entry (${label})`);
            const entry = at(entries, 0, 'the FORBIDDEN audit entry');
            assert.equal(entry.actorKeyId, key!.slice(3, 19), label);
            assert.ok(entry.detail.length > 10, 'the entry says why');
          }
        }
      });
    }

    it('left the owned entities as their owners published them', async () => {
      const g = at(
        await t.db.sql.query<{ name: string; source: string }>(`SELECT name, source FROM "GuestOS" WHERE id = $1`, [IDS.acme1]),
        0,
        'g',
      );
      assert.match(g.name, /^Acme OS 1 \(rev \d+\)$/);
      assert.equal(g.source, 'vendor:acme');
      const d = at(await t.db.sql.query<{ name: string }>(`SELECT name FROM "Device" WHERE id = $1`, [IDS.virtioNet]), 0, 'd');
      assert.equal(d.name, 'virtio-net', 'nobody could take over the curated device');
      const { n } = at(
        await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "HypervisorRelease" WHERE "hypervisorId" = $1`, [
          IDS.curatedHv,
        ]),
        0,
      );
      assert.equal(n, 1, 'no release was added to the curated hypervisor');
    });

    it('reads: the audit log is for keys; submitters see their own vendor\u2019s entries; apiKeys for admins', async () => {
      const q = `{ auditLog(first: 100) { nodes { actorVendor outcome action } } }`;
      const anon = await t.gql(q);
      assert.equal(anon.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      const mine = await t.gql(q, {}, t.keys.other);
      assert.ok(mine.data.auditLog.nodes.length > 0);
      assert.ok(mine.data.auditLog.nodes.every((e: { actorVendor: string }) => e.actorVendor === 'other'));
      const all = await t.gql(q, {}, t.keys.maintainer);
      assert.ok(new Set(all.data.auditLog.nodes.map((e: { actorVendor: string | null }) => e.actorVendor)).size > 2);
      const keys = `{ apiKeys { id role vendor { id } active } }`;
      assert.equal((await t.gql(keys, {}, t.keys.maintainer)).errors?.[0]?.extensions?.code, 'FORBIDDEN');
      const listed = await t.gql(keys, {}, t.keys.admin);
      assert.ok(listed.data.apiKeys.length >= 7);
      assert.ok(!JSON.stringify(listed.data).includes('hash'));
    });
  });
}
