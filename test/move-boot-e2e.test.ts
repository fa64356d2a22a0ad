// Proven by booting: the test guest (Debian kernel, busybox initramfs that reports what it sees) booted
// under a VMware-like configuration QEMU can present (PVSCSI + VMXNET3), moved to KVM virtio with
// `virtcompat move`, booted again; and the reverse (KVM virtio → VMware-like PVSCSI + VMXNET3, the disk
// converted to VMDK by the pre-flight's own command). The guest's initramfs carries or lacks the target's
// drivers (the pre-flight's "add ... to the initramfs" step): without it `move` refuses, and booting the
// target anyway shows the root disk is not found; with it the guest finds its disks, in order and of
// their sizes, and its NIC with the same MAC under the new drivers.
//
// Needs QEMU (qemu-system-x86), qemu-img and the test guest (scripts/guest/build-test-guest.sh). TCG only:
// no timer a loaded machine can exceed; the boot manager waits for the guest's report.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sink } from './helpers/sink.ts';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { main } from '../src/cli/main.ts';
import { writeSnapshotEntry } from '../src/hypervisor-runtime/client.ts';
import { boot } from '../src/hypervisor-runtime/boot/manager.ts';
import { bootPlan, hostWithoutKvm } from '../src/hypervisor-runtime/boot/run.ts';
import { ensureTestGuest, TEST_GUEST_CMDLINE, type TestGuest } from '../src/hypervisor-runtime/boot/guest.ts';
import type { GuestReport } from '../src/hypervisor-runtime/boot/report.ts';
import { inspectFile, inspectText } from '../src/hypervisor-runtime/inspect/index.ts';
import type { InspectedVm } from '../src/hypervisor-runtime/inspect/types.ts';
import type { MovePlan } from '../src/hypervisor-runtime/move/types.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import { probeHost } from '../src/hypervisor-runtime/probe.ts';
import { planningData, ROOT } from './fixtures/runtime/load.ts';
import { skipWith } from './helpers/skip.ts';

const QEMU = '/usr/bin/qemu-system-x86_64';
const skip =
  existsSync(QEMU) && spawnSync('qemu-img', ['--version']).status === 0
    ? false
    : `QEMU or qemu-img is not installed; .ci/run installs qemu-system-x86 and qemu-utils`;
const SERVICE = 'http://127.0.0.1:9/graphql';
const GUEST = 'debian11'; // the catalogue's facts for the test guest's family (a Debian kernel)
const MIB = 1024 * 1024;
const BOOT_TIMEOUT_MS = 300_000;

let guest: TestGuest;
let work: string;
let snap: string;
let hostFile: string;
/** initramfs variants: the stock one carries every driver; the others lack one hypervisor's. */
const initrd: { all: string; noVirtio: string; noVmware: string } = { all: '', noVirtio: '', noVmware: '' };

/**
 * The stock initramfs with an overlay archive appended (the kernel unpacks concatenated archives in order,
 * later files replacing earlier ones): the module list without `drop`, and each dropped module's file
 * emptied, as if the initramfs had been built on a host that did not need them.
 */
function withoutModules(name: string, drop: string[]): string {
  const stage = join(work, `stage-${name}`);
  const list = execFileSync('sh', ['-c', `gzip -dc '${guest.initrd}' | cpio -i --quiet --to-stdout etc/virtcompat/modules`], {
    encoding: 'utf8',
  });
  const kept: string[] = [];
  for (const line of list.split('\n')) {
    const [action, mod, path] = line.split(' ');
    if (action === 'load' && mod && drop.includes(mod) && path) {
      const ko = join(stage, 'lib', 'modules', guest.abi, path);
      mkdirSync(join(ko, '..'), { recursive: true });
      writeFileSync(ko, '');
      continue;
    }
    if (line) kept.push(line);
  }
  assert.equal(
    list.split('\n').filter((l) => drop.some((d) => l.startsWith(`load ${d} `))).length,
    drop.length,
    `the stock initramfs loads ${drop}`,
  );
  mkdirSync(join(stage, 'etc', 'virtcompat'), { recursive: true });
  writeFileSync(join(stage, 'etc', 'virtcompat', 'modules'), `${kept.join('\n')}\n`);
  const out = join(work, `initramfs-${name}.cpio.gz`);
  execFileSync('sh', [
    '-c',
    `cat '${guest.initrd}' > '${out}' && cd '${stage}' && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --owner=0:0 | gzip -1 -n >> '${out}'`,
  ]);
  return out;
}

function sparse(name: string, bytes: number): string {
  const p = join(work, name);
  writeFileSync(p, '');
  truncateSync(p, bytes);
  return p;
}

async function cli(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, { stdout: out.stream, stderr: err.stream, env: { HOME: work }, cwd: work });
  return { code, out: out.text, err: err.text };
}

const moveArgs = (file: string, to: string, ...rest: string[]) => [
  'move',
  file,
  '--to',
  to,
  '--guest',
  GUEST,
  '--host',
  // KVM: this machine (the moved plan is booted here); VMware: an ESXi host (the .vmx is what is checked)
  to === 'kvm' ? hostFile : join(ROOT, 'examples', 'hosts', 'esxi-x86_64.json'),
  '--service',
  SERVICE,
  '--snapshot-dir',
  snap,
  '--offline',
  ...rest,
];

/**
 * QEMU argv presenting a VM as its native configuration describes it: the disks on their controllers
 * (PVSCSI, virtio-blk), the NICs with their models and MACs. What VMware (or KVM) would show the guest.
 */
function presentAsIs(vm: InspectedVm): string[] {
  const a = [QEMU, '-machine', 'pc', '-accel', 'tcg', '-cpu', 'max', '-m', String(vm.memoryMiB), '-smp', String(vm.cpus), '-nodefaults'];
  a.push('-display', 'none', '-vga', 'none');
  let scsi = false;
  for (const [i, d] of vm.disks.entries()) {
    const fmt = d.format ?? (d.path?.endsWith('.vmdk') ? 'vmdk' : 'raw');
    a.push('-drive', `file=${d.path?.startsWith('/') ? d.path : join(work, d.path ?? '')},format=${fmt},if=none,id=d${i}`);
    if (d.bus === 'scsi') {
      assert.match(d.controllerModel ?? '', /^(vm)?pvscsi$/, 'the VMware-like configurations here use PVSCSI');
      if (!scsi) a.push('-device', 'pvscsi,id=scsi0');
      scsi = true;
      a.push('-device', `scsi-hd,drive=d${i},bus=scsi0.0,scsi-id=${i}`);
    } else if (d.bus === 'virtio') a.push('-device', `virtio-blk-pci,drive=d${i}`);
    else assert.fail(`no QEMU presentation for ${d.bus} here`);
  }
  for (const [i, n] of vm.nics.entries()) {
    const model = n.model === 'virtio' ? 'virtio-net-pci' : n.model;
    a.push('-netdev', `user,id=n${i}`, '-device', `${model},netdev=n${i},mac=${n.mac}`);
  }
  return a;
}

async function bootArgv(argv: string[], initramfs: string): Promise<GuestReport> {
  const logs: string[] = [];
  const r = await boot({
    argv,
    directKernel: { kernel: guest.kernel, initrd: initramfs, append: TEST_GUEST_CMDLINE },
    timeoutMs: BOOT_TIMEOUT_MS,
    kvmCheck: false,
    log: (l) => logs.push(l),
  });
  assert.equal(r.outcome, 'poweroff', `${r.message}\n${logs.join('\n')}\n--- serial tail ---\n${r.serial.slice(-3000)}`);
  assert.ok(r.report, `no report: ${r.reportError}`);
  return r.report;
}

async function bootMoved(plan: Plan, initramfs: string): Promise<GuestReport> {
  const r = await bootPlan({
    plan,
    directKernel: { kernel: guest.kernel, initrd: initramfs, append: TEST_GUEST_CMDLINE },
    timeoutMs: BOOT_TIMEOUT_MS,
    kvmCheck: false,
    verify: false,
  });
  assert.equal(r.outcome, 'poweroff', `${r.message}\n--- serial tail ---\n${r.serial.slice(-3000)}`);
  assert.ok(r.report, `no report: ${r.reportError}`);
  return r.report;
}

/**
 * The guest's disks in bus order (by sysfs path: PCI slot, then SCSI target): the order the configuration
 * gives them. Kernel names are not that order (SCSI targets are scanned asynchronously).
 */
const disksOf = (r: GuestReport) =>
  r.block.filter((b) => !b.removable && b.sectors > 0).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

beforeAll(async () => {
  if (skip) return;
  guest = await ensureTestGuest();
  work = mkdtempSync(join(tmpdir(), 'virtcompat-move-e2e-'));
  snap = join(work, 'snapshot');
  for (const hv of ['kvm', 'vmware']) writeSnapshotEntry(snap, SERVICE, GUEST, hv, planningData(GUEST, hv), new Date());
  // this machine, as the target host, under TCG (the test proves devices and drivers, not acceleration)
  const probed = await probeHost();
  hostFile = join(work, 'host.json');
  writeFileSync(hostFile, JSON.stringify(hostWithoutKvm(probed, 'the move test boots under TCG')));
  initrd.all = guest.initrd;
  initrd.noVirtio = withoutModules('no-virtio', ['virtio_blk', 'virtio_scsi', 'virtio_net']);
  initrd.noVmware = withoutModules('no-vmware', ['vmw_pvscsi', 'vmxnet3']);
}, 900_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('VMware-like (PVSCSI + VMXNET3) → KVM virtio', { skip: skipWith(skip) }, () => {
  let vmFile: string;
  let vm: InspectedVm;

  test('the source boots: the guest finds its disks on PVSCSI and its NIC on VMXNET3 (initramfs built "on VMware": no virtio drivers)', async (t) => {
    sparse('web01.img', 64 * MIB);
    sparse('data.img', 32 * MIB);
    vmFile = join(work, 'web01.vmx');
    writeFileSync(
      vmFile,
      [
        '.encoding = "UTF-8"',
        'config.version = "8"',
        'virtualHW.version = "19"',
        'displayName = "web01"',
        'guestOS = "debian11-64"',
        'numvcpus = "1"',
        'memSize = "512"',
        'firmware = "bios"',
        'scsi0.present = "TRUE"',
        'scsi0.virtualDev = "pvscsi"',
        'scsi0:0.present = "TRUE"',
        'scsi0:0.fileName = "web01.img"',
        'scsi0:1.present = "TRUE"',
        'scsi0:1.fileName = "data.img"',
        'ethernet0.present = "TRUE"',
        'ethernet0.virtualDev = "vmxnet3"',
        'ethernet0.addressType = "static"',
        'ethernet0.address = "00:50:56:01:02:03"',
        '',
      ].join('\n'),
    );
    // what the .vmx says, read as `move` reads it
    vm = inspectFile(vmFile);
    assert.equal(vm.guest.id, GUEST);
    const r = await bootArgv(presentAsIs(vm), initrd.noVirtio);
    const disks = disksOf(r);
    assert.deepEqual(
      disks.map((b) => [b.bus, b.controllerDriver, b.sectors * 512]),
      [
        ['scsi', 'vmw_pvscsi', 64 * MIB],
        ['scsi', 'vmw_pvscsi', 32 * MIB],
      ],
    );
    assert.deepEqual(
      r.net.map((n) => [n.driver, n.mac]),
      [['vmxnet3', '00:50:56:01:02:03']],
    );
    t.annotate(
      `source: ${disks.map((b) => `${b.name} ${b.controllerDriver}`).join(', ')}; ${r.net.map((n) => `${n.name} ${n.driver}`).join(', ')}`,
    );
  });

  test('move without the preparation: refused, naming the initramfs step', async () => {
    const r = await cli(moveArgs(vmFile, 'kvm'));
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /refused \[PREPARATION_REQUIRED\]/);
    assert.match(r.err, /add virtio_pci, virtio_blk to debian11's initramfs/);
    assert.match(r.err, /dracut --force --add-drivers "virtio_pci virtio_blk"/);
  });

  let moved: MovePlan;
  test('move --prepared: virtio, same MAC, disks in order', async () => {
    const r = await cli(moveArgs(vmFile, 'kvm', '--prepared', '--format', 'json'));
    assert.equal(r.code, 0, r.err);
    moved = JSON.parse(r.out) as MovePlan;
    const devs = moved.plan.devices.filter((d) => d.role === 'disk' || d.role === 'nic');
    assert.deepEqual(
      devs.map((d) => [d.role, d.paravirtInterface.startsWith('VIRTIO'), d.disk?.source ?? d.nic?.mac]),
      [
        ['disk', true, join(work, 'web01.img')],
        ['disk', true, join(work, 'data.img')],
        ['nic', true, '00:50:56:01:02:03'],
      ],
    );
    assert.match(r.err, /step blocker, boot-critical, before-move\] add virtio_pci, virtio_blk/);
  });

  test('booted without the preparation the guest does not find its root disk (nor its NIC)', async () => {
    const r = await bootMoved(moved.plan, initrd.noVirtio);
    assert.deepEqual(disksOf(r), [], 'no disk: virtio_blk is not in this initramfs');
    assert.deepEqual(r.net, []);
    assert.equal(
      r.modules.find((m) => m.name === 'virtio_blk'),
      undefined,
      'the initramfs does not load virtio_blk',
    );
  });

  test('booted with the preparation (virtio modules in the initramfs): disks in order on virtio-blk, the NIC on virtio-net with its MAC', async (t) => {
    const r = await bootMoved(moved.plan, initrd.all);
    const disks = disksOf(r);
    assert.deepEqual(
      disks.map((b) => [b.bus, b.driver, b.sectors * 512]),
      [
        ['virtio', 'virtio_blk', 64 * MIB],
        ['virtio', 'virtio_blk', 32 * MIB],
      ],
    );
    assert.deepEqual(
      r.net.map((n) => [n.bus, n.driver, n.mac]),
      [['virtio', 'virtio_net', '00:50:56:01:02:03']],
    );
    t.annotate(
      `target: ${disks.map((b) => `${b.name} ${b.driver}`).join(', ')}; ${r.net.map((n) => `${n.name} ${n.driver} ${n.mac}`).join(', ')}`,
    );
  });
});

describe('KVM virtio → VMware-like (PVSCSI + VMXNET3)', { skip: skipWith(skip) }, () => {
  let vmFile: string;
  let vm: InspectedVm;

  test('the source boots on virtio (initramfs built "on KVM": no PVSCSI or VMXNET3 driver)', async () => {
    const d0 = sparse('db.img', 48 * MIB);
    writeFileSync(d0, 'VIRTCOMPAT-DISK-MARK', { flag: 'r+' });
    vmFile = join(work, 'db.xml');
    writeFileSync(
      vmFile,
      `<domain type='kvm'>
  <name>db</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${d0}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'>
      <mac address='00:50:56:0a:0b:0c'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
`,
    );
    vm = inspectFile(vmFile);
    const r = await bootArgv(presentAsIs(vm), initrd.noVmware);
    assert.deepEqual(
      disksOf(r).map((b) => [b.bus, b.driver, b.sectors * 512]),
      [['virtio', 'virtio_blk', 48 * MIB]],
    );
    assert.deepEqual(
      r.net.map((n) => n.driver),
      ['virtio_net'],
    );
  });

  test('move without the preparation: refused, naming the PVSCSI initramfs step', async () => {
    const r = await cli(moveArgs(vmFile, 'vmware'));
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /refused \[PREPARATION_REQUIRED\]/);
    assert.match(r.err, /add vmw_pvscsi, sd_mod to debian11's initramfs/);
  });

  let target: InspectedVm;
  test('move --prepared: a .vmx with PVSCSI and VMXNET3, the MAC kept, the disk converted to VMDK by the pre-flight command', async () => {
    const vmx = await cli(moveArgs(vmFile, 'vmware', '--prepared'));
    assert.equal(vmx.code, 0, vmx.err);
    assert.match(vmx.out, /scsi0\.virtualDev = "pvscsi"/);
    assert.match(vmx.out, /ethernet0\.virtualDev = "vmxnet3"/);
    assert.match(vmx.out, /ethernet0\.address = "00:50:56:0a:0b:0c"/);
    const r = await cli(moveArgs(vmFile, 'vmware', '--prepared', '--format', 'json'));
    const m = JSON.parse(r.out) as MovePlan;
    const conv = m.preflight.find((p) => p.kind === 'conversion');
    assert.ok(conv?.argv, 'a conversion with its argv');
    execFileSync(conv.argv[0] ?? 'qemu-img', conv.argv.slice(1));
    const converted = conv.argv.at(-1) ?? '';
    // the disk's contents survive the conversion
    execFileSync('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', vm.disks[0]?.path ?? '', converted]);
    assert.equal(
      readFileSync(vm.disks[0]?.path ?? '')
        .subarray(0, 20)
        .toString(),
      'VIRTCOMPAT-DISK-MARK',
    );
    // the target as VMware would present it: the .vmx the move printed, read back by inspect
    target = inspectText(vmx.out, 'vmx');
    assert.deepEqual(
      target.disks.map((d) => [d.bus, d.controllerModel, d.path]),
      [['scsi', 'vmpvscsi', converted]],
    );
    assert.deepEqual(
      target.nics.map((n) => [n.model, n.mac]),
      [['vmxnet3', '00:50:56:0a:0b:0c']],
    );
    target.disks = target.disks.map((d) => ({ ...d, format: 'vmdk' }));
    assert.equal(target.disks[0]?.format, 'vmdk');
  });

  test('booted without the preparation the guest does not find its root disk', async () => {
    const r = await bootArgv(presentAsIs(target), initrd.noVmware);
    assert.deepEqual(disksOf(r), []);
    assert.deepEqual(r.net, []);
  });

  test('booted with the preparation: the disk on PVSCSI, the NIC on VMXNET3 with its MAC', async (t) => {
    const r = await bootArgv(presentAsIs(target), initrd.all);
    assert.deepEqual(
      disksOf(r).map((b) => [b.bus, b.controllerDriver, b.sectors * 512]),
      [['scsi', 'vmw_pvscsi', 48 * MIB]],
    );
    assert.deepEqual(
      r.net.map((n) => [n.driver, n.mac]),
      [['vmxnet3', '00:50:56:0a:0b:0c']],
    );
    t.annotate(`reverse target: ${r.block.map((b) => `${b.name} ${b.controllerDriver}`).join(', ')}`);
  });
});
