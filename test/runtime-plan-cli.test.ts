// `virtcompat plan` and `virtcompat probe` from the command line: exit codes, usage errors, formats,
// the example specs, planning from a snapshot (--offline).
import { describe, it, beforeAll } from 'vitest';
import { skipWith } from './helpers/skip.ts';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { main } from '../src/cli/main.ts';
import { writeSnapshotEntry } from '../src/hypervisor-runtime/client.ts';
import { loadSpecFile } from '../src/hypervisor-runtime/spec.ts';
import { parseHostProfile } from '../src/hypervisor-runtime/host.ts';
import { planningData, ROOT, tempDir } from './fixtures/runtime/load.ts';

const SERVICE = 'http://127.0.0.1:9/graphql';
const KVM_HOST = join(ROOT, 'examples', 'hosts', 'kvm-x86_64.json');
const TCG_HOST = join(ROOT, 'examples', 'hosts', 'tcg-x86_64.json');

async function run(args: string[], cwd = ROOT) {
  let out = '';
  let err = '';
  const mk = (f: (s: string) => void) =>
    new Writable({
      write: (c, _e, cb) => {
        f(String(c));
        cb();
      },
    });
  const code = await main(args, { stdout: mk((s) => (out += s)), stderr: mk((s) => (err += s)), env: { HOME: tempDir('vc-home-') }, cwd });
  return { code, out, err };
}

describe('virtcompat plan / probe', () => {
  const snap = tempDir('vc-cli-snap-');
  const base = (guest: string, hv: string, ...rest: string[]) => [
    'plan',
    '--guest',
    guest,
    '--hypervisor',
    hv,
    '--service',
    SERVICE,
    '--snapshot-dir',
    snap,
    '--offline',
    ...rest,
  ];

  beforeAll(() => {
    const when = new Date();
    for (const [g, hv] of [
      ['debian11', 'kvm'],
      ['win11', 'kvm'],
      ['winxp', 'kvm'],
      ['debian11', 'xen'],
      ['debian11', 'firecracker'],
      ['rhel9.0', 'kvm'],
    ] as const) {
      const data = planningData(g, hv);
      writeSnapshotEntry(snap, SERVICE, g, hv, data, when);
      // the examples name guests by the short ids the service knows; serve them the closest fixture
      if (g === 'debian11') writeSnapshotEntry(snap, SERVICE, 'debian12', hv, data, when);
    }
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await run(['plan', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: virtcompat plan --guest <id\|short-id> --hypervisor <name>/);
    assert.equal((await run(['probe', '--help'])).code, 0);
  });

  it('usage errors exit 2 with the reason', async () => {
    let r = await run(['plan', '--hypervisor', 'kvm', '--offline', '--snapshot-dir', snap]);
    assert.equal(r.code, 2);
    assert.match(r.err, /which guest\?/);
    r = await run(base('debian11', 'kvm', '--host', KVM_HOST, '--format', 'ovf'));
    assert.equal(r.code, 2);
    assert.match(r.err, /--format must be one of json, qemu, libvirt, xl, vmx, cloud-hypervisor, firecracker/);
    r = await run(base('debian11', 'kvm', '--bogus'));
    assert.equal(r.code, 2);
    r = await run(base('debian11', 'virtualbox', '--host', KVM_HOST));
    assert.equal(r.code, 2);
    // a format that cannot express the plan
    r = await run(base('debian11', 'xen', '--host', KVM_HOST, '--format', 'libvirt'));
    assert.equal(r.code, 2);
    assert.match(r.err, /use --format xl/);
  });

  it('a spec with a misspelled key is a usage error naming the path', async () => {
    const dir = tempDir('vc-spec-');
    writeFileSync(join(dir, 'vm.yaml'), 'guest: debian11\nhypervisor: kvm\ndisks:\n  - path: a.qcow2\n    bsu: virtio\n');
    const r = await run(['plan', '--spec', 'vm.yaml', '--offline', '--snapshot-dir', snap, '--service', SERVICE, '--host', KVM_HOST], dir);
    assert.equal(r.code, 2);
    assert.match(r.err, /disks\[0\]: unknown key 'bsu'/);
    writeFileSync(join(dir, 'host.json'), JSON.stringify({ schema: 'virtcompat-host/1', name: 'x' }));
    const h = await run(base('debian11', 'kvm', '--host', join(dir, 'host.json')));
    assert.equal(h.code, 2);
    assert.match(h.err, /host\.json: arch: /);
  });

  it('plans from the snapshot in every format the plan allows', async () => {
    const j = await run(base('debian11', 'kvm', '--host', KVM_HOST));
    assert.equal(j.code, 0, j.err);
    const plan = JSON.parse(j.out);
    assert.equal(plan.facts.source, 'snapshot');
    assert.match(j.err, /warning: facts from the local snapshot \(--offline\)/);
    const q = await run(base('debian11', 'kvm', '--host', TCG_HOST, '--format', 'qemu'));
    assert.equal(q.code, 0);
    assert.match(q.out, /-accel tcg/);
    const l = await run(base('win11', 'kvm', '--host', KVM_HOST, '--format', 'libvirt'));
    assert.match(l.out, /<loader readonly="yes" secure="yes" type="pflash">/);
    const x = await run(base('debian11', 'xen', '--host', KVM_HOST, '--format', 'xl'));
    assert.match(x.out, /^type = "pvh"$/m);
  });

  it('--explain alone prints the explanation; with --format it goes to stderr', async () => {
    const e = await run(base('winxp', 'kvm', '--host', KVM_HOST, '--explain'));
    assert.equal(e.code, 0);
    assert.match(e.out, /Machine: pc/);
    assert.match(e.out, /differs from virt-install \(on\)/);
    const f = await run(base('winxp', 'kvm', '--host', KVM_HOST, '--explain', '--format', 'qemu'));
    assert.match(f.out, /^qemu-system-x86_64/);
    assert.match(f.err, /Plan for xp|Plan for winxp/);
  });

  it('no plan possible: exit 1 with the failed requirement (JSON error on stdout for --format json)', async () => {
    const r = await run(base('win11', 'kvm', '--host', KVM_HOST, '--spec', join(tempDir('vc-s-'), 'missing.yaml')));
    assert.equal(r.code, 2, 'an unreadable spec is a usage error');
    const dir = tempDir('vc-s-');
    writeFileSync(join(dir, 'small.yaml'), 'memory: 1GiB\nvcpus: 1\n');
    const n = await run(base('win11', 'kvm', '--host', KVM_HOST, '--spec', join(dir, 'small.yaml')));
    assert.equal(n.code, 1);
    assert.equal(JSON.parse(n.out).error, 'RESOURCES_BELOW_MINIMUM');
    assert.match(n.err, /No plan: win11 needs 2 vCPUs, the VM spec gives 1; win11 needs 4 GiB of RAM, the VM spec gives 1 GiB/);
    assert.match(n.err, /failed requirement: /);
  });

  it('every example spec parses, and the ones with a snapshot plan', async () => {
    const dir = join(ROOT, 'examples', 'vms');
    const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
    assert.ok(files.length >= 5);
    for (const f of files) await loadSpecFile(join(dir, f));
    const m = await run([
      'plan',
      '--spec',
      join(dir, 'db-migratable.yaml'),
      '--host',
      KVM_HOST,
      '--offline',
      '--snapshot-dir',
      snap,
      '--service',
      SERVICE,
    ]);
    assert.equal(m.code, 0, m.err);
    const plan = JSON.parse(m.out);
    assert.equal(plan.cpu.mode, 'named');
    assert.equal(plan.cpu.model, 'Broadwell-noTSX');
    const s = await run([
      'plan',
      '--spec',
      join(dir, 'sriov-nic.yaml'),
      '--host',
      KVM_HOST,
      '--offline',
      '--snapshot-dir',
      snap,
      '--service',
      SERVICE,
    ]);
    assert.equal(s.code, 0, s.err);
    assert.equal(JSON.parse(s.out).devices.find((d: { id: string }) => d.id === 'net0').path, 'passthrough');
    const fc = await run([
      'plan',
      '--spec',
      join(dir, 'firecracker-microvm.json'),
      '--host',
      KVM_HOST,
      '--offline',
      '--snapshot-dir',
      snap,
      '--service',
      SERVICE,
      '--format',
      'firecracker',
    ]);
    assert.equal(fc.code, 0, fc.err);
    assert.equal(JSON.parse(fc.out)['machine-config'].mem_size_mib, 1024);
  });

  it('probe --json prints a host profile `plan --host` accepts', {
    skip: skipWith(process.platform === 'linux' ? false : 'Linux only'),
  }, async () => {
    const r = await run(['probe', '--json', '--timeout', '8000']);
    assert.equal(r.code, 0, r.err);
    const h = parseHostProfile(JSON.parse(r.out));
    assert.equal(h.arch, 'x86_64');
    const t = await run(['probe']);
    assert.match(t.out, /^host {9}/);
    assert.match(t.out, /\nkvm {10}(usable|not usable): /);
    if (spawnSync('qemu-system-x86_64', ['-version']).status === 0) assert.match(t.out, /\nqemu {9}\/\S+ \d+\.\d+/);
  });
});
