// Plans name the add-on driver build they need, through the service on each database: the curated seed's
// driver builds (seed/curated/drivers/*.yaml) reach the planner in the planning operation, and the same
// facts reach it from the offline catalogue snapshot (GET /snapshot), so both plans name the same build.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { main } from '../src/cli/main.ts';
import { syncCatalogue } from '../src/hypervisor-runtime/catalogue.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import { seededApp, type TestApp } from './helpers/app.ts';
import { testTargets } from './helpers/db.ts';
import { sink } from './helpers/sink.ts';
import { tempDir } from './fixtures/runtime/load.ts';

const KVM_HOST = join(import.meta.dirname, '..', 'examples', 'hosts', 'kvm-x86_64.json');

/**
 * What the curated driver files say each plan needs (null: no build supports the release; the devices fall back),
 * and the paravirtual interface of the devices that use it (NONE: the emulated ones they fell back to).
 */
const EXPECTED: { guest: string; hv: string; pkg: string; build: string | null; pv: RegExp }[] = [
  { guest: 'win10', hv: 'kvm', pkg: 'virtio-win', build: '0.1.262', pv: /^VIRTIO_/ },
  { guest: 'win11', hv: 'kvm', pkg: 'virtio-win', build: '0.1.248', pv: /^VIRTIO_/ },
  { guest: 'win10', hv: 'xen', pkg: 'xen-win-pv', build: '8.2.2', pv: /^XEN_PV$/ },
  // 8.2.2 names no Windows 11: HVM with emulated devices
  { guest: 'win11', hv: 'xen', pkg: 'xen-win-pv', build: null, pv: /^NONE$/ },
  { guest: 'win10', hv: 'vmware', pkg: 'vmware-tools', build: '12.1.5', pv: /^VMWARE_PV$/ },
  { guest: 'win11', hv: 'vmware', pkg: 'vmware-tools', build: '12.1.5', pv: /^VMWARE_PV$/ },
];

async function plan(args: string[], dir: string): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await main(['plan', '--host', KVM_HOST, ...args], { stdout: out.stream, stderr: err.stream, env: { HOME: dir }, cwd: dir });
  return { code, out: out.text, err: err.text };
}

for (const kind of testTargets()) {
  describe(`plans name the driver build (${kind})`, () => {
    let t: TestApp;
    let server: Server;
    let service: string;
    const dir = tempDir('vc-drivers-');
    // the add-on drivers installed; no TPM (xl plans no vTPM, and win11 requires one)
    const spec = join(dir, 'vm.json');
    writeFileSync(spec, JSON.stringify({ memory: '4GiB', tpm: 'none', disks: [{ path: 'root.img' }], drivers: { addon: true } }));

    beforeAll(async () => {
      t = await seededApp(kind, { RATE_LIMIT_ENABLED: 'false' });
      server = t.app.app.listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      service = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
    });
    afterAll(async () => {
      server?.closeAllConnections();
      await new Promise((r) => (server ? server.close(r) : r(null)));
      await t?.close();
    });

    it('win10 and win11 on KVM, Xen and VMware: the build, the devices that use it, and the same from the offline snapshot', async () => {
      const onlineDir = join(dir, 'online');
      const offlineDir = join(dir, 'offline');
      await syncCatalogue({ service, snapshotDir: offlineDir });
      for (const e of EXPECTED) {
        const what = `${e.guest} on ${e.hv}`;
        const args = ['--guest', e.guest, '--hypervisor', e.hv, '--spec', spec, '--format', 'json'];
        const on = await plan([...args, '--service', service, '--snapshot-dir', onlineDir], dir);
        assert.equal(on.code, 0, `${what}: ${on.err}`);
        const p = JSON.parse(on.out) as Plan;
        assert.equal(p.facts.source, 'service');
        assert.equal(p.drivers.length, 1, `${what}: one add-on package`);
        const d = p.drivers[0] as Plan['drivers'][number];
        assert.equal(d.package, e.pkg, what);
        assert.equal(d.build?.version ?? null, e.build, what);
        assert.ok(d.devices.length > 0, what);
        for (const id of d.devices) {
          const dev = p.devices.find((x) => x.id === id);
          assert.ok(dev, `${what}: ${id} is planned`);
          assert.match(dev.paravirtInterface, e.pv, `${what}: ${id} ${dev.model}`);
          if (e.build) assert.deepEqual(dev.driver?.build, e.build, `${what}: ${id} names the build`);
          else assert.notEqual(dev.driver?.source, 'ADDON', `${what}: ${id} fell back`);
        }
        assert.equal(d.because.rule, e.build ? 'driver.newest-supporting-build' : 'driver.no-build', what);
        if (!e.build)
          assert.ok(
            p.warnings.some((w) => w.startsWith(`no ${e.pkg} build in the catalogue supports ${e.guest}`)),
            what,
          );

        // offline, from the catalogue snapshot alone: the same build and the same reason
        const off = await plan([...args, '--offline', '--snapshot-dir', offlineDir], dir);
        assert.equal(off.code, 0, `${what} offline: ${off.err}`);
        const q = JSON.parse(off.out) as Plan;
        assert.equal(q.facts.source, 'snapshot');
        assert.deepEqual(q.drivers, p.drivers, `${what}: offline names what online does`);
      }
    });

    it("a vendor's new build reaches plans at once: the held answer is asked again, the offline catalogue gets it in a delta", async () => {
      const held = join(dir, 'held');
      const offline = join(dir, 'held-offline');
      const args = ['--guest', 'win10', '--hypervisor', 'kvm', '--spec', spec, '--format', 'json'];
      const before = await plan([...args, '--service', service, '--snapshot-dir', held], dir);
      assert.equal((JSON.parse(before.out) as Plan).drivers[0]?.build?.version, '0.1.262', before.err);
      await syncCatalogue({ service, snapshotDir: offline });
      const { key } = await createApiKey({ db: t.db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'redhat', label: 'driver plan test' });
      const r = await t.gql(
        `mutation($input: DriverBuildInput!) { publishDriverBuild(input: $input) { created inputErrors { message } } }`,
        {
          input: {
            package: 'virtio-win',
            version: '0.1.300',
            sourceRef: 'https://example.org/0.1.300',
            guests: [{ guest: 'win10', arch: 'x86_64' }],
          },
        },
        { authorization: `Bearer ${key}` },
      );
      assert.deepEqual(r.data, { publishDriverBuild: { created: true, inputErrors: [] } }, JSON.stringify(r.errors));
      // the change feed names win10 (DriverBuild changes name the guests they list), so the held answer is stale
      const after = await plan([...args, '--service', service, '--snapshot-dir', held], dir);
      assert.equal((JSON.parse(after.out) as Plan).drivers[0]?.build?.version, '0.1.300', after.err);
      assert.equal((await syncCatalogue({ service, snapshotDir: offline })).outcome, 'delta');
      const off = await plan([...args, '--offline', '--snapshot-dir', offline], dir);
      assert.equal((JSON.parse(off.out) as Plan).drivers[0]?.build?.version, '0.1.300', off.err);
    });

    it('a build known to break the release is passed over and named as such, in --explain and json', async () => {
      const args = ['--guest', 'win2k16', '--hypervisor', 'kvm', '--spec', spec, '--service', service, '--snapshot-dir', join(dir, 'bad')];
      const json = await plan([...args, '--format', 'json'], dir);
      assert.equal(json.code, 0, json.err);
      const d = (JSON.parse(json.out) as Plan).drivers[0];
      assert.equal(d?.build?.version, '0.1.248');
      assert.match(
        d?.because.rejected?.map((r) => r.why).join('\n') ?? '',
        /^virtio-win 0\.1\.262 breaks win2k16: the installer refuses .*\(https:\/\/github\.com\/antifob\/incus-windows\/issues\/7\)$/m,
      );
      const text = await plan([...args, '--format', 'json', '--explain'], dir);
      assert.equal(text.code, 0, text.err);
      assert.match(text.err + text.out, /virtio-win 0\.1\.248 for x86_64 — used by: disk0/);
      assert.match(text.err + text.out, /passed over: virtio-win 0\.1\.262 \(virtio-win 0\.1\.262 breaks win2k16: /);
    });
  });
}
