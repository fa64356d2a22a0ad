// GET /snapshot (src/api/snapshot.ts) and the runtime's copy of it (src/hypervisor-runtime/catalogue.ts),
// on a listening service, on each database: one build per version however many ask, 304 for the version
// held, br/gzip, a delta after a write that names what changed and nothing else, and plans made offline
// from the fetched snapshot alone, with the same facts the planning operation gives online.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { App } from '../src/api/app.ts';
import { main } from '../src/cli/main.ts';
import { planningDataFromCatalogue, readCatalogueIndex, syncCatalogue } from '../src/hypervisor-runtime/catalogue.ts';
import { fetchFacts } from '../src/hypervisor-runtime/client.ts';
import { PLANNING_QUERY, guestVariables } from '../src/hypervisor-runtime/query.ts';
import { seededApp, type TestApp } from './helpers/app.ts';
import { testTargets } from './helpers/db.ts';
import { sink } from './helpers/sink.ts';
import { IDS, REVIEW, SUBMIT, goodRecord, gqlOn, vendorApp, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { tempDir } from './fixtures/runtime/load.ts';

const KVM_HOST = join(import.meta.dirname, '..', 'examples', 'hosts', 'kvm-x86_64.json');

async function listen(app: App): Promise<{ server: Server; base: string }> {
  const server = app.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function close(server: Server | undefined) {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(null)));
}

/** The planning operation's `data`, asked online. */
async function online(gql: (q: string, v: Record<string, unknown>) => Promise<{ data?: unknown }>, guest: string, hypervisor: string) {
  const r = await gql(PLANNING_QUERY, { ...guestVariables(guest), hypervisor });
  return JSON.parse(JSON.stringify(r.data)) as Record<string, unknown>;
}

for (const kind of testTargets()) {
  describe(`GET /snapshot and the runtime's catalogue (${kind})`, () => {
    let t: TestApp;
    let server: Server;
    let base: string;
    beforeAll(async () => {
      t = await seededApp(kind, { RATE_LIMIT_ENABLED: 'false' });
      ({ server, base } = await listen(t.app));
    });
    afterAll(async () => {
      await close(server);
      await t?.close();
    });

    it('one build for many requests; strong ETag; 304 for the version held; br, gzip or none as asked', async () => {
      const before = t.app.snapshot.builds;
      const all = await Promise.all(Array.from({ length: 8 }, () => fetch(`${base}/snapshot`, { headers: { 'accept-encoding': 'br' } })));
      assert.equal(t.app.snapshot.builds, before + 1, 'built once for eight concurrent requests');
      const first = all[0] as Response;
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('content-encoding'), 'br');
      assert.equal(first.headers.get('vary'), 'Accept-Encoding');
      const body = (await first.json()) as { kind: string; version: string; guests: { id: string }[]; hypervisors: { key: string }[] };
      for (const r of all.slice(1)) await r.arrayBuffer();
      assert.equal(body.kind, 'full');
      assert.match(body.version, /^\d+\.\d+$/);
      assert.equal(first.headers.get('etag'), `"${body.version};br"`);
      assert.ok(body.guests.some((g) => g.id === 'http://debian.org/debian/12'));
      assert.ok(body.hypervisors.some((h) => h.key === 'kvm'));

      const gz = await fetch(`${base}/snapshot`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gz.headers.get('content-encoding'), 'gzip');
      const plain = await fetch(`${base}/snapshot`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(plain.headers.get('content-encoding'), null);
      assert.equal(plain.headers.get('etag'), `"${body.version}"`);
      const plainBytes = Number(plain.headers.get('content-length'));
      assert.ok(Number(first.headers.get('content-length')) < plainBytes / 4, 'br is at least four times smaller');
      assert.deepEqual(await gz.json(), await plain.json());

      for (const headers of [{ 'if-none-match': `"${body.version}"` }, { 'if-none-match': `W/"${body.version};gzip"` }]) {
        const r = await fetch(`${base}/snapshot`, { headers });
        assert.equal(r.status, 304);
        assert.equal((await r.arrayBuffer()).byteLength, 0);
      }
      const same = await fetch(`${base}/snapshot?since=${body.version}`);
      assert.equal(same.status, 304);
      // a version this instance never built: the whole snapshot
      const old = await fetch(`${base}/snapshot?since=0.0`);
      assert.equal(old.headers.get('x-snapshot-kind'), 'full');
      assert.equal(((await old.json()) as { kind: string }).kind, 'full');
      const bad = await fetch(`${base}/snapshot?since=yesterday`);
      assert.equal(bad.status, 400);
      assert.match(
        ((await bad.json()) as { errors: { message: string }[] }).errors[0]?.message ?? '',
        /since: expected a catalogue version/,
      );
      assert.equal(t.app.snapshot.builds, before + 1, 'all from the one build');
    });

    it('the runtime fetches it, plans offline from it alone with the facts the service gives online, and then hears 304', async () => {
      const snap = tempDir('vc-cat-');
      const service = `${base}/graphql`;
      const first = await syncCatalogue({ service, snapshotDir: snap });
      assert.equal(first.outcome, 'full');
      assert.ok(first.bytes > 0);
      for (const [g, hv] of [
        ['debian12', 'kvm'],
        ['http://microsoft.com/win/11', 'kvm'],
        ['win11', 'hyperv'],
        ['rhel9.2', 'vmware'],
      ] as const) {
        const held = planningDataFromCatalogue(snap, g, hv);
        assert.ok(held, `${g} on ${hv} is in the catalogue`);
        assert.deepEqual(held.data, await online((q, v) => t.gql(q, v), g, hv), `${g} on ${hv}`);
      }
      // a plan with no per-answer snapshot entry at all: from the catalogue
      const out = sink();
      const err = sink();
      const code = await main(
        [
          'plan',
          '--guest',
          'debian12',
          '--hypervisor',
          'kvm',
          '--host',
          KVM_HOST,
          '--offline',
          '--snapshot-dir',
          snap,
          '--format',
          'libvirt',
        ],
        { stdout: out.stream, stderr: err.stream, env: { HOME: snap }, cwd: snap },
      );
      assert.equal(code, 0, err.text);
      assert.match(out.text, /<domain type="kvm">/);
      assert.match(
        err.text,
        new RegExp(`facts from the local catalogue snapshot \\(--offline\\), catalogue ${first.version.replace('.', '\\.')}`),
      );
      const again = await syncCatalogue({ service, snapshotDir: snap });
      assert.deepEqual(again, { outcome: 'current', version: first.version, bytes: 0 });
    });
  });

  describe(`GET /snapshot?since: a delta after a write (${kind})`, () => {
    let t: VendorTestApp;
    let server: Server;
    let base: string;
    beforeAll(async () => {
      t = await vendorApp(kind);
      // the fixtures' releases leave out two lists the schema gives as non-null (the planning operation asks for them)
      await t.db.sql.query(`UPDATE "HypervisorRelease" SET "machineTypes" = '{}', firmware = '{}'`);
      ({ server, base } = await listen(t.app));
    });
    afterAll(async () => {
      await close(server);
      await t?.close();
    });

    it('names the guest whose answer changed and not the others, and the runtime applies it', async () => {
      const snap = tempDir('vc-cat-');
      const service = `${base}/graphql`;
      const full = await syncCatalogue({ service, snapshotDir: snap });
      assert.equal(full.outcome, 'full');
      const builds = t.app.snapshot.builds;

      const s = await gqlOn(t.app, SUBMIT, { records: [goodRecord()], key: 'snap-1' }, t.keys.acme);
      const id = s.data.submitCompatibilityRecords.records[0].record.id as string;
      // a pending submission announces a change but moves no answer (nor the version): the build stays,
      // and a fleet's polls are answered 304 without waiting for a rebuild
      const pending = await fetch(`${base}/snapshot`, { headers: { 'if-none-match': `"${full.version}"` } });
      assert.equal(pending.status, 304);
      assert.equal(t.app.snapshot.builds, builds, 'a write that leaves the version as it was builds nothing');
      const r = await gqlOn(t.app, REVIEW, { id, decision: 'ACCEPTED', reason: 'ok' }, t.keys.maintainer);
      assert.equal(r.data.reviewRecord.reviewState, 'ACCEPTED');

      const res = await fetch(`${base}/snapshot?since=${full.version}`, { headers: { 'if-none-match': `"${full.version}"` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-snapshot-kind'), 'delta');
      const delta = (await res.json()) as {
        kind: string;
        since: string;
        version: string;
        guests: { id: string; compatibilityRecords: { id: string }[] }[];
        hypervisors: unknown[];
        changes: { entityId: string }[];
        removed: { guests: string[]; hypervisors: string[] };
      };
      assert.equal(t.app.snapshot.builds, builds + 1, 'the write dropped the old build');
      assert.equal(delta.kind, 'delta');
      assert.equal(delta.since, full.version);
      assert.notEqual(delta.version, full.version);
      assert.ok(
        delta.changes.some((c) => c.entityId === id),
        'the change-feed row of the write',
      );
      const ids = delta.guests.map((g) => g.id);
      assert.ok(ids.includes(IDS.acme1), 'the guest written');
      assert.ok(!ids.includes(IDS.other), 'not a guest the write does not touch');
      assert.deepEqual(delta.hypervisors, []);
      assert.deepEqual(delta.removed, { guests: [], hypervisors: [] });
      const acme1 = delta.guests.find((g) => g.id === IDS.acme1);
      assert.ok(acme1?.compatibilityRecords.some((x) => x.id === id));

      const synced = await syncCatalogue({ service, snapshotDir: snap });
      assert.equal(synced.outcome, 'delta');
      assert.equal(synced.version, delta.version);
      assert.equal(readCatalogueIndex(snap)?.version, delta.version);
      for (const g of ['acmeos1', 'acmeos2', 'otheros5'])
        assert.deepEqual(planningDataFromCatalogue(snap, g, 'kvmt')?.data, await online((q, v) => t.gql(q, v), g, 'kvmt'), g);
      const facts = await fetchFacts({ service, guest: 'acmeos1', hypervisor: 'kvmt', snapshotDir: snap, offline: true });
      assert.equal(facts.provenance.catalogueVersion, delta.version);
      assert.ok(
        facts.facts.compatibility.some((x) => x.id === id),
        'the new record is planned with offline',
      );
      assert.equal((await syncCatalogue({ service, snapshotDir: snap })).outcome, 'current');
    });
  });
}
