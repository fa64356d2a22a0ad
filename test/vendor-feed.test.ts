// The compatibilityChanged subscription over Server-Sent Events on a real listening port: delivery
// of committed changes with filters, and, with REDIS_URL, delivery across two service instances
// (a write on one reaches subscribers of the other and clears its response cache).
import { describe, it, beforeAll, afterAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from '../src/api/app.ts';
import { subscribeSse } from './helpers/sse.ts';
import { vendorApp, IDS, SUBMIT, REVIEW, goodRecord, gqlOn, type VendorTestApp } from './helpers/vendor-fixtures.ts';

const REDIS_URL = process.env.REDIS_URL;

async function listen(app: App): Promise<{ server: Server; url: string }> {
  const server = createServer(app.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

/** An SSE subscription read event by event, once the subscribe resolver has registered. */
async function subscribe(url: string, query: string, variables: Record<string, unknown> = {}, key?: string) {
  const sub = await subscribeSse(url, query, variables, key);
  // The stream opens before the subscribe resolver has registered with the event bus.
  await new Promise((r) => setTimeout(r, 300));
  return sub;
}

const SUB = `subscription($g: String, $r: String) {
  compatibilityChanged(guest: $g, hypervisorRelease: $r) { seq cursor op entityType entityId guestIds hypervisorReleaseIds data record { id status reviewState } }
}`;

async function acceptOn(app: App, t: VendorTestApp, record: Record<string, unknown>, key: string, as = t.keys.acme): Promise<string> {
  const s = await gqlOn(app, SUBMIT, { records: [record], key }, as);
  const id = s.data.submitCompatibilityRecords.records[0].record.id;
  const r = await gqlOn(app, REVIEW, { id, decision: 'ACCEPTED', reason: 'ok' }, t.keys.maintainer);
  assert.equal(r.data.reviewRecord.reviewState, 'ACCEPTED', JSON.stringify(r));
  return id;
}

describe('compatibilityChanged over Server-Sent Events (one instance)', () => {
  let t: VendorTestApp;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    t = await vendorApp('pglite');
    ({ server, url } = await listen(t.app));
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await t?.close();
  });

  it('delivers accepted records for the guest asked about, and nothing else', async () => {
    const sub = await subscribe(url, SUB, { g: 'acmeos1' });
    const anyChange = await subscribe(url, SUB);
    try {
      const otherId = await acceptOn(
        t.app,
        t,
        goodRecord({ guest: 'otheros5', testedDevices: [IDS.e1000], backend: null, evidence: { notes: 'o', date: '2024-01-01' } }),
        'sse-1',
        t.keys.other,
      );
      const mineId = await acceptOn(t.app, t, goodRecord({ status: 'SUPPORTED', evidence: { notes: 'm', date: '2024-01-01' } }), 'sse-2');
      const e = (await sub.next()).data.compatibilityChanged;
      assert.equal(e.entityType, 'CompatibilityRecord');
      assert.equal(e.op, 'UPSERT');
      assert.equal(e.entityId, mineId, 'the other guest\u2019s change was filtered out');
      assert.deepEqual(e.guestIds, [IDS.acme1]);
      assert.deepEqual(e.hypervisorReleaseIds, [IDS.kvmt1]);
      assert.equal(e.record.status, 'SUPPORTED');
      assert.equal(e.data.id, mineId);
      assert.equal(e.cursor, e.seq);
      const feed = await t.gql(`{ changes(first: 10) { nodes { seq entityId } } }`);
      assert.ok(
        feed.data.changes.nodes.some((n: { seq: string; entityId: string }) => n.seq === e.seq && n.entityId === mineId),
        'the event is a change-feed entry',
      );
      const first = (await anyChange.next()).data.compatibilityChanged;
      const second = (await anyChange.next()).data.compatibilityChanged;
      assert.deepEqual([first.entityId, second.entityId], [otherId, mineId], 'unfiltered: every change, in commit order');
      assert.ok(BigInt(second.seq) > BigInt(first.seq));
    } finally {
      sub.close();
      anyChange.close();
    }
  });

  it('delivers catalogue publications for a hypervisor release', async () => {
    const sub = await subscribe(url, SUB, { r: 'kvmt:1.0' });
    try {
      const r = await t.gql(
        `mutation($i: HypervisorReleaseInput!) { publishHypervisorRelease(input: $i) { changed } }`,
        { i: { hypervisor: 'kvmt', version: '1.0', name: 'KVM test 1.0 (renamed)' } },
        t.keys.hvco,
      );
      assert.equal(r.data.publishHypervisorRelease.changed, true);
      const e = (await sub.next()).data.compatibilityChanged;
      assert.equal(e.entityType, 'HypervisorRelease');
      assert.equal(e.entityId, IDS.kvmt1);
      assert.equal(e.data.name, 'KVM test 1.0 (renamed)');
      assert.equal(e.record, null);
    } finally {
      sub.close();
    }
  });
});

describe('compatibilityChanged across service instances through Redis', {
  skip: skipWith(REDIS_URL ? false : 'REDIS_URL is not set'),
}, () => {
  let t: VendorTestApp;
  let a: { server: Server; url: string };
  let b: { server: Server; url: string };
  let appB: App;
  beforeAll(async () => {
    t = await vendorApp('pglite', { REDIS_URL: REDIS_URL!, RESPONSE_CACHE: 'true' });
    appB = t.sibling();
    await Promise.all([t.app.services.events.ready, appB.services.events.ready]);
    a = await listen(t.app);
    b = await listen(appB);
  });
  afterAll(async () => {
    for (const s of [a, b]) {
      s?.server.closeAllConnections();
      await new Promise((r) => s?.server.close(r));
    }
    await t?.close();
  });

  it('a write on instance A reaches a subscriber on instance B', async () => {
    assert.equal(t.app.services.events.kind, 'redis');
    const sub = await subscribe(b.url, SUB, { g: 'acmeos2' });
    try {
      const id = await acceptOn(
        t.app,
        t,
        goodRecord({
          guest: 'acmeos2',
          backend: null,
          testedDevices: [IDS.virtioNet],
          evidence: { notes: 'x-instance', date: '2024-01-01' },
        }),
        'redis-1',
      );
      const e = (await sub.next()).data.compatibilityChanged;
      assert.equal(e.entityId, id);
      assert.equal(e.record.id, id, 'instance B resolves the record from the shared database');
    } finally {
      sub.close();
    }
  });

  it('a write on instance A clears the response cache of instance B', async () => {
    const q = `{ compatibility(guest: "otheros5", hypervisorRelease: "kvmt:1.0") { basis records { id } } }`;
    const before = await gqlOn(appB, q);
    assert.notEqual(before.data.compatibility.basis, 'RECORDS');
    assert.deepEqual((await gqlOn(appB, q)).data, before.data);
    const sub = await subscribe(b.url, SUB, { g: 'otheros5' });
    try {
      const id = await acceptOn(
        t.app,
        t,
        goodRecord({ guest: 'otheros5', backend: null, testedDevices: [IDS.e1000], evidence: { notes: 'cache', date: '2024-01-01' } }),
        'redis-2',
        t.keys.other,
      );
      await sub.next();
      const after = await gqlOn(appB, q);
      assert.equal(after.data.compatibility.basis, 'RECORDS');
      assert.deepEqual(after.data.compatibility.records, [{ id }]);
    } finally {
      sub.close();
    }
  });

  it('the CLI (vendor create on the server machine) reaches running instances too', async () => {
    const { announce } = await import('../src/cli/commands/key.ts');
    const sub = await subscribe(b.url, SUB);
    try {
      const event = {
        seq: '999999',
        at: new Date().toISOString(),
        entityType: 'Vendor',
        entityId: 'cli-made',
        op: 'UPSERT',
        guestIds: [],
        hypervisorReleaseIds: [],
      };
      await announce({ stdout: process.stdout, stderr: process.stderr, env: { REDIS_URL: REDIS_URL! }, cwd: process.cwd() }, [event]);
      const e = (await sub.next()).data.compatibilityChanged;
      assert.deepEqual([e.seq, e.entityType, e.entityId], ['999999', 'Vendor', 'cli-made']);
    } finally {
      sub.close();
    }
  });
});
