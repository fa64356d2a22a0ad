// `virtcompat move` and `plan --format hyperv-ps` through the CLI (facts from a local snapshot of the
// fixtures, as the other CLI tests do): exit codes, the pre-flight on stderr, the target's own format.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sink } from './helpers/sink.ts';
import { beforeAll, describe, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { writeSnapshotEntry } from '../src/hypervisor-runtime/client.ts';
import { planningData, ROOT, tempDir } from './fixtures/runtime/load.ts';
import { vmwareVm } from './helpers/move.ts';

const SERVICE = 'http://127.0.0.1:9/graphql';
const work = tempDir('vc-move-cli-');
const snap = join(work, 'snapshot');
const vmFile = join(work, 'web01.json');

async function run(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env: { HOME: work }, cwd: ROOT });
  return { code, out: out.text, err: err.text };
}

const move = (to: string, ...rest: string[]) => [
  'move',
  vmFile,
  '--to',
  to,
  '--guest',
  'debian11',
  '--host',
  `examples/hosts/${to === 'hyperv' ? 'hyperv' : to === 'vmware' ? 'esxi' : to}-x86_64.json`,
  '--service',
  SERVICE,
  '--snapshot-dir',
  snap,
  '--offline',
  ...rest,
];

beforeAll(() => {
  for (const hv of ['kvm', 'hyperv', 'firecracker', 'vmware'])
    for (const g of ['debian11', 'win10']) writeSnapshotEntry(snap, SERVICE, g, hv, planningData(g, hv), new Date());
  writeFileSync(vmFile, JSON.stringify(vmwareVm()));
});

describe('virtcompat move', () => {
  it('usage errors exit 2 and say what was wrong', async () => {
    let r = await run(['move', vmFile]);
    assert.equal(r.code, 2);
    assert.match(r.err, /which target\? give --to/);
    r = await run(['move', vmFile, '--to', 'bhyve']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--to must be one of kvm, xen, vmware, hyperv, cloud-hypervisor, firecracker/);
    r = await run(['move', join(work, 'nope.vmx'), '--to', 'kvm']);
    assert.equal(r.code, 2);
    assert.match(r.err, /cannot read .*nope\.vmx/);
    const bad = join(work, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    r = await run(['move', bad, '--to', 'kvm']);
    assert.equal(r.code, 2);
    assert.match(r.err, /not `virtcompat inspect --json` output/);
    r = await run([...move('kvm', '--prepared'), '--format', 'hyperv-ps']);
    assert.equal(r.code, 2);
    assert.match(r.err, /renders Hyper-V plans; this plan targets kvm/);
    r = await run([...move('kvm'), '--known-issues', bad]);
    assert.equal(r.code, 2);
    assert.match(r.err, /issues: /);
  });

  it("prints the target's own format (Hyper-V: the PowerShell script) and the pre-flight on stderr", async () => {
    const r = await run(move('hyperv', '--prepared'));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^New-VM -Name \$vm -Generation 1 /m);
    assert.match(r.out, /-StaticMacAddress '005056010203'/);
    assert.match(r.err, /^Pre-flight:$/m);
    assert.match(r.err, /\[conversion info, on-host\] convert .*web01\.vmdk \(vmdk\) to vhdx/);
    assert.match(r.err, /evidence: rule move\.linux-initramfs; record /);
  });

  it('refusals exit 1 with the exact reason; --format json gives it as data', async () => {
    let r = await run(move('kvm'));
    assert.equal(r.code, 1);
    assert.match(r.err, /refused \[PREPARATION_REQUIRED\]/);
    r = await run([...move('firecracker', '--format', 'json'), '--guest', 'win10']);
    assert.equal(r.code, 1);
    const e = JSON.parse(r.out) as { error: string; message: string };
    assert.equal(e.error, 'TARGET_CANNOT_HOST');
    assert.match(e.message, /runs Linux guests only/);
  });

  it('two-step moves print the first boot with --first-boot', async () => {
    const r = await run([...move('kvm', '--first-boot', '--format', 'qemu'), '--guest', 'win10']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /ide-hd/);
    assert.match(r.err, /Two steps: first boot with disk0 piix3-ide/);
    const one = await run([...move('kvm', '--prepared', '--first-boot'), '--guest', 'win10']);
    assert.equal(one.code, 2);
    assert.match(one.err, /this move has one step/);
  });
});

describe('virtcompat move on a native file', () => {
  it('reads the .vmx with inspect (guest from guestOS), disk paths from its folder', async () => {
    const vmx = join(work, 'native.vmx');
    writeFileSync(
      vmx,
      'displayName = "native"\nguestOS = "debian11-64"\nnumvcpus = "2"\nmemSize = "1024"\nscsi0.present = "TRUE"\nscsi0.virtualDev = "pvscsi"\n' +
        'scsi0:0.present = "TRUE"\nscsi0:0.fileName = "native.vmdk"\nethernet0.present = "TRUE"\nethernet0.virtualDev = "vmxnet3"\n' +
        'ethernet0.addressType = "static"\nethernet0.address = "00:50:56:00:00:07"\n',
    );
    const r = await run([
      'move',
      vmx,
      '--to',
      'kvm',
      '--prepared',
      '--format',
      'json',
      '--host',
      'examples/hosts/kvm-x86_64.json',
      '--service',
      SERVICE,
      '--snapshot-dir',
      snap,
      '--offline',
    ]);
    assert.equal(r.code, 0, r.err);
    const m = JSON.parse(r.out);
    assert.equal(m.guest.shortId, 'debian11');
    assert.equal(m.from.format, 'vmx');
    assert.equal(m.plan.devices.find((d: { role: string }) => d.role === 'disk').disk.source, join(work, 'native.qcow2'));
    assert.deepEqual(m.preflight.find((p: { id: string }) => p.id === 'conversion:disk0').argv.slice(-2), [
      join(work, 'native.vmdk'),
      join(work, 'native.qcow2'),
    ]);
    const bad = join(work, 'bad.vmx');
    writeFileSync(bad, 'displayName = "x"\nscsi0:0.fileName = "unterminated\n');
    const e = await run(['move', bad, '--to', 'kvm', '--offline']);
    assert.equal(e.code, 2);
    assert.match(e.err, /bad\.vmx: line 2/);
  });
});

describe('virtcompat plan --format hyperv-ps', () => {
  it('renders the Hyper-V plan as cmdlets', async () => {
    const r = await run([
      'plan',
      '--guest',
      'win10',
      '--hypervisor',
      'hyperv',
      '--host',
      'examples/hosts/hyperv-x86_64.json',
      '--service',
      SERVICE,
      '--snapshot-dir',
      snap,
      '--offline',
      '--format',
      'hyperv-ps',
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^New-VM -Name \$vm -Generation 2 /m);
    assert.match(
      r.out,
      /^Set-VMFirmware -VMName \$vm -EnableSecureBoot On -SecureBootTemplate 'MicrosoftWindows' -FirstBootDevice \$disk0$/m,
    );
  });
});
