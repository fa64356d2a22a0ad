// The runtime as a client of the real service: seeded catalogue (embedded database), GraphQL over HTTP,
// persisted query, snapshot refresh by catalogue version, fallback to the snapshot when the service is
// down or slow, and the `plan` command end to end.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { seededApp, type TestApp } from './helpers/app.ts';
import { fetchFacts, FactsError } from '../src/hypervisor-runtime/client.ts';
import { main } from '../src/cli/main.ts';
import { tempDir } from './fixtures/runtime/load.ts';
import { at, must } from '../src/util/must.ts';

const KVM_HOST = join(import.meta.dirname, '..', 'examples', 'hosts', 'kvm-x86_64.json');

function capture() {
  let out = '';
  let err = '';
  const mk = (f: (s: string) => void) =>
    new Writable({
      write: (c, _e, cb) => {
        f(String(c));
        cb();
      },
    });
  return {
    io: { stdout: mk((s) => (out += s)), stderr: mk((s) => (err += s)), env: { HOME: tmpdir() } as NodeJS.ProcessEnv, cwd: process.cwd() },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

describe('runtime ↔ service', () => {
  let app: TestApp;
  let server: HttpServer;
  let url: string;
  const snap = tempDir('vc-snap-');

  beforeAll(async () => {
    // rate limiting off for this app: the sweep below sends a few hundred queries (the limit is tested on its own app)
    app = await seededApp('pglite', { RATE_LIMIT_ENABLED: 'false' });
    server = app.app.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  });
  afterAll(async () => {
    server?.close();
    await app?.close();
  });

  it('fetches the facts in one persisted operation and writes the snapshot', async () => {
    const r = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    assert.deepEqual(r.requests, [{ operation: 'VirtcompatPlanningFacts', persistedHit: false }]);
    assert.equal(r.facts.guest.id, 'http://debian.org/debian/12');
    assert.ok(r.facts.guest.devices.some((d) => d.device.id === 'http://pcisig.com/pci/1af4/1041'));
    assert.ok(r.facts.hypervisor.releases.some((x) => x.version === '7.2'));
    assert.equal(r.provenance.source, 'service');
    assert.match(r.provenance.catalogueVersion, /^\d+\.\d+$/);
    assert.equal(readdirSync(join(snap, 'facts')).length, 1);
    // another guest, same operation: now the hash alone is enough
    const w = await fetchFacts({ service: url, guest: 'http://microsoft.com/win/11', hypervisor: 'kvm', snapshotDir: snap });
    assert.deepEqual(w.requests, [{ operation: 'VirtcompatPlanningFacts', persistedHit: true }]);
    assert.equal(w.facts.guest.tpmRequired, true);
  });

  it('an unchanged catalogue is confirmed with one small query; the change feed says whether a change matters', async () => {
    const a = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    assert.deepEqual(
      a.requests.map((x) => x.operation),
      ['VirtcompatCatalogueVersion'],
    );
    assert.equal(a.provenance.source, 'service');
    // a change to something this answer does not rest on: the change feed says so, no refetch
    await app.db.sql.query(
      `INSERT INTO "Change" ("entityType", "entityId", op) VALUES ('GuestOS', 'http://microsoft.com/win/2k19', 'UPSERT')`,
    );
    const u = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    assert.deepEqual(
      u.requests.map((x) => x.operation),
      ['VirtcompatCatalogueVersion', 'VirtcompatChanges'],
    );
    assert.notEqual(u.provenance.catalogueVersion, a.provenance.catalogueVersion);
    // a change to the guest itself: fetched again
    await app.db.sql.query(
      `INSERT INTO "Change" ("entityType", "entityId", op) VALUES ('GuestOS', 'http://debian.org/debian/12', 'UPSERT')`,
    );
    const b = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    assert.deepEqual(
      b.requests.map((x) => x.operation),
      ['VirtcompatCatalogueVersion', 'VirtcompatChanges', 'VirtcompatPlanningFacts'],
    );
    assert.notEqual(b.provenance.catalogueVersion, u.provenance.catalogueVersion);
    const c = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    assert.deepEqual(
      c.requests.map((x) => x.operation),
      ['VirtcompatCatalogueVersion'],
    );
  });

  it('every seeded guest on every hypervisor: a plan that renders, or a typed PlanError — never a crash', async (t) => {
    const { decide } = await import('../src/hypervisor-runtime/decide/index.ts');
    const { parseSpec } = await import('../src/hypervisor-runtime/spec.ts');
    const { loadHostProfile } = await import('../src/hypervisor-runtime/host.ts');
    const { renderText } = await import('../src/hypervisor-runtime/render/index.ts');
    const host = loadHostProfile(KVM_HOST);
    const list = await app.gql<{ guestOSes: { nodes: { id: string }[] } }>('{ guestOSes(first: 100) { nodes { id } } }');
    const guests = list.data!.guestOSes.nodes.map((n) => n.id);
    assert.ok(guests.length >= 25);
    const format: Record<string, 'qemu' | 'xl' | 'vmx' | 'cloud-hypervisor' | 'firecracker' | 'json'> = {
      kvm: 'qemu',
      xen: 'xl',
      vmware: 'vmx',
      hyperv: 'json',
      'cloud-hypervisor': 'cloud-hypervisor',
      firecracker: 'firecracker',
    };
    const outcome: Record<string, number> = {};
    const dir = tempDir('vc-sweep-');
    for (const hv of Object.keys(format)) {
      for (const g of guests) {
        const { facts, provenance } = await fetchFacts({ service: url, guest: g, hypervisor: hv, snapshotDir: dir });
        const spec = parseSpec({
          disks: [{ path: '/srv/x.img' }],
          nics: [{ backend: 'tap', tap: 'tap0' }],
          boot: hv === 'firecracker' ? { kernel: '/k' } : undefined,
          constraints: { allowBelowMinimum: true },
        });
        const r = decide({ facts, provenance, host, spec });
        const key = r.ok ? `${hv}:ok` : `${hv}:${r.error.code}`;
        outcome[key] = (outcome[key] ?? 0) + 1;
        if (r.ok) assert.ok(renderText(r.plan, must(format[hv], `a format for ${hv}`)).length > 0);
      }
    }
    t.annotate(`outcomes over ${guests.length} guests: ${JSON.stringify(outcome)}`);
    // the catalogue's guests all run on KVM
    assert.equal(outcome['kvm:ok'], guests.length, JSON.stringify(outcome));
  });

  it('an unknown guest is a clear error, not a fallback', async () => {
    await assert.rejects(
      fetchFacts({ service: url, guest: 'no-such-os', hypervisor: 'kvm', snapshotDir: snap }),
      (e: Error) => e instanceof FactsError && e.code === 'GUEST_NOT_FOUND',
    );
  });

  it('`virtcompat plan` end to end: JSON plan, libvirt XML, --explain; exit 1 naming an unknown guest', async () => {
    const c = capture();
    const code = await main(
      [
        'plan',
        '--guest',
        'debian12',
        '--hypervisor',
        'kvm',
        '--host',
        KVM_HOST,
        '--service',
        url,
        '--snapshot-dir',
        snap,
        '--format',
        'json',
      ],
      c.io,
    );
    assert.equal(code, 0, c.err);
    const plan = JSON.parse(c.out);
    assert.equal(plan.schema, 'virtcompat-plan/1');
    assert.equal(plan.facts.source, 'service');
    assert.equal(plan.machine.type, 'q35');
    assert.ok(
      plan.devices.some((d: { role: string; paravirtInterface: string }) => d.role === 'nic' && d.paravirtInterface === 'VIRTIO_1_0'),
    );
    const x = capture();
    assert.equal(
      await main(
        [
          'plan',
          '--guest',
          'win11',
          '--hypervisor',
          'kvm',
          '--host',
          KVM_HOST,
          '--service',
          url,
          '--snapshot-dir',
          snap,
          '--format',
          'libvirt',
        ],
        x.io,
      ),
      0,
      x.err,
    );
    assert.match(x.out, /<tpm model="tpm-crb">/);
    const e = capture();
    assert.equal(
      await main(
        ['plan', '--guest', 'win11', '--hypervisor', 'kvm', '--host', KVM_HOST, '--service', url, '--snapshot-dir', snap, '--explain'],
        e.io,
      ),
      0,
    );
    assert.match(e.out, /^Plan for win11: Microsoft Windows 11/);
    assert.match(e.out, /Firmware: uefi with Secure Boot/);
    const u = capture();
    assert.equal(
      await main(['plan', '--guest', 'nope', '--hypervisor', 'kvm', '--host', KVM_HOST, '--service', url, '--snapshot-dir', snap], u.io),
      1,
    );
    assert.match(u.err, /\[GUEST_NOT_FOUND\] the catalogue at .* has no guest OS 'nope'/);
  });

  it('a service that rate-limits this client: waits when the wait fits the time limit, else plans from the snapshot', async () => {
    const limited = await seededApp('pglite', { RATE_LIMIT_BURST: '2', RATE_LIMIT_PER_MINUTE: '1' });
    const srv = limited.app.app.listen(0, '127.0.0.1');
    await new Promise((r) => srv.once('listening', r));
    const lurl = `http://127.0.0.1:${(srv.address() as { port: number }).port}/graphql`;
    const dir = tempDir('vc-rl-');
    try {
      const a = await fetchFacts({ service: lurl, guest: 'debian12', hypervisor: 'kvm', snapshotDir: dir });
      assert.equal(a.provenance.source, 'service');
      await fetchFacts({ service: lurl, guest: 'debian12', hypervisor: 'kvm', snapshotDir: dir }); // uses the last token
      const r = await fetchFacts({ service: lurl, guest: 'debian12', hypervisor: 'kvm', snapshotDir: dir, timeoutMs: 500 });
      assert.equal(r.provenance.source, 'snapshot');
      assert.match(r.provenance.fallbackReason!, /is rate limiting this client \(retry in \d+ s\)/);
    } finally {
      srv.close();
      await limited.close();
    }
  });

  it('a slow service: plans from the snapshot after the timeout and says so', async () => {
    // a TCP relay in front of the service that can stop answering
    let hanging = false;
    const held: import('node:net').Socket[] = [];
    const live: import('node:net').Socket[] = [];
    const port = (server.address() as { port: number }).port;
    const relay: Server = createServer((client) => {
      if (hanging) return void held.push(client);
      const upstream = connect(port, '127.0.0.1');
      live.push(client, upstream);
      client.pipe(upstream).pipe(client);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayed = `http://127.0.0.1:${(relay.address() as { port: number }).port}/graphql`;
    try {
      const first = await fetchFacts({ service: relayed, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap, timeoutMs: 5000 });
      assert.equal(first.provenance.source, 'service');
      hanging = true;
      for (const c of live) c.destroy(); // no kept-alive connection gets through
      const t0 = Date.now();
      const r = await fetchFacts({ service: relayed, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap, timeoutMs: 300 });
      assert.ok(Date.now() - t0 < 3000);
      assert.equal(r.provenance.source, 'snapshot');
      assert.match(r.provenance.fallbackReason!, /did not answer within 300 ms/);
      assert.match(at(r.provenance.warnings, 0), /^facts from the local snapshot/);
      await assert.rejects(
        fetchFacts({ service: relayed, guest: 'win10', hypervisor: 'kvm', snapshotDir: snap, timeoutMs: 300 }),
        (e: Error) => e instanceof FactsError && e.code === 'NO_SNAPSHOT' && /no local snapshot for win10 on kvm/.test(e.message),
      );
    } finally {
      for (const c of held) c.destroy();
      relay.close();
    }
  });

  it('service down: plans from the snapshot and says so; warns when the snapshot is old; no snapshot → clear error (exit 1)', async () => {
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    const r = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap, timeoutMs: 1000 });
    assert.equal(r.provenance.source, 'snapshot');
    assert.match(r.provenance.fallbackReason!, /unreachable: ECONNREFUSED/);
    assert.equal(r.facts.guest.id, 'http://debian.org/debian/12');
    const later = new Date(Date.now() + 10 * 86400 * 1000);
    const old = await fetchFacts({
      service: url,
      guest: 'debian12',
      hypervisor: 'kvm',
      snapshotDir: snap,
      offline: true,
      now: () => later,
      maxAgeSeconds: 7 * 86400,
    });
    assert.ok(old.provenance.warnings.some((w) => /snapshot is 10 days old \(older than 7 days\)/.test(w)));
    const c = capture();
    assert.equal(
      await main(
        [
          'plan',
          '--guest',
          'debian12',
          '--hypervisor',
          'kvm',
          '--host',
          KVM_HOST,
          '--service',
          url,
          '--snapshot-dir',
          snap,
          '--format',
          'qemu',
        ],
        c.io,
      ),
      0,
      c.err,
    );
    assert.match(c.err, /warning: facts from the local snapshot \(.*unreachable/);
    assert.match(c.out, /^qemu-system-x86_64 \\/);
    const n = capture();
    assert.equal(
      await main(
        ['plan', '--guest', 'debian12', '--hypervisor', 'kvm', '--host', KVM_HOST, '--offline', '--snapshot-dir', tempDir('vc-empty-')],
        n.io,
      ),
      1,
    );
    assert.match(n.err, /\[NO_SNAPSHOT\] --offline, and there is no local snapshot for debian12 on kvm/);
  });
});
