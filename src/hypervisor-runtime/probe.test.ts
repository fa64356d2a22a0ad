// probe on a prepared filesystem tree (real files, real symlinks) and on this machine's QEMU.
import { describe, it } from 'vitest';
import { skipWith } from '../../test/helpers/skip.ts';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseCpuInfo, parseDeviceHelp, parseMachineHelp, parseQemuVersion, probeHost, probeKvmWithQemu, readPciDevices } from './probe.ts';

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'vc-probe-'));
  const w = (p: string, s: string) => {
    mkdirSync(join(root, p, '..'), { recursive: true });
    writeFileSync(join(root, p), s);
  };
  w(
    'proc/cpuinfo',
    [0, 1]
      .map(
        (i) =>
          `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6230\nflags\t\t: fpu vmx ept x2apic sse4_2 vmx\n`,
      )
      .join('\n'),
  );
  w('proc/meminfo', 'MemTotal:       16384000 kB\nMemFree: 1 kB\n');
  w('proc/sys/kernel/osrelease', '6.1.0-18-amd64\n');
  w('proc/sys/kernel/hostname', 'testhost\n');
  w('dev/kvm', '');
  w('sys/hypervisor/type', 'xen\n');
  for (const g of ['12', '13']) mkdirSync(join(root, 'sys/kernel/iommu_groups', g), { recursive: true });
  const dev = (addr: string, vendor: string, device: string, cls: string, extra: Record<string, string> = {}) => {
    const d = join(root, 'sys/bus/pci/devices', addr);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'vendor'), `0x${vendor}\n`);
    writeFileSync(join(d, 'device'), `0x${device}\n`);
    writeFileSync(join(d, 'class'), `0x${cls}\n`);
    for (const [k, v] of Object.entries(extra)) writeFileSync(join(d, k), v);
    return d;
  };
  const pf = dev('0000:3b:00.0', '8086', '1572', '020000', { sriov_totalvfs: '64\n', sriov_numvfs: '1\n' });
  symlinkSync('../../../../kernel/iommu_groups/12', join(pf, 'iommu_group'));
  symlinkSync('../../../../bus/pci/drivers/i40e', join(pf, 'driver'));
  const vf = dev('0000:3b:02.0', '8086', '154c', '020000');
  symlinkSync('../../../../kernel/iommu_groups/13', join(vf, 'iommu_group'));
  symlinkSync('../0000:3b:00.0', join(vf, 'physfn'));
  w(
    'usr/share/qemu/firmware/60-edk2-x86_64.json',
    JSON.stringify({
      description: 'UEFI firmware for x86_64',
      'interface-types': ['uefi'],
      mapping: {
        device: 'flash',
        executable: { filename: '/usr/share/OVMF/OVMF_CODE_4M.fd', format: 'raw' },
        'nvram-template': { filename: '/usr/share/OVMF/OVMF_VARS_4M.fd', format: 'raw' },
      },
      targets: [{ architecture: 'x86_64', machines: ['pc-q35-*'] }],
      features: ['acpi-s3'],
    }),
  );
  w('usr/share/qemu/firmware/99-broken.json', '{ not json');
  return root;
}

describe('probe', () => {
  it('parses /proc/cpuinfo', () => {
    const c = parseCpuInfo(
      'processor : 0\nvendor_id : AuthenticAMD\nmodel name : AMD EPYC\nflags : svm npt sse2\n\nprocessor : 1\nflags : svm\n',
    );
    assert.deepEqual(c, { vendor: 'AuthenticAMD', model: 'AMD EPYC', count: 2, flags: ['npt', 'sse2', 'svm'] });
  });

  it('parses QEMU help output', () => {
    assert.equal(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\n'), '7.2.22');
    assert.deepEqual(parseDeviceHelp('Network devices:\nname "e1000", bus PCI, alias "e1000-82540em"\nname "virtio-net-pci", bus PCI\n'), [
      'e1000',
      'virtio-net-pci',
    ]);
    const m = parseMachineHelp(
      'Supported machines are:\npc                   Standard PC (alias of pc-i440fx-7.2)\npc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\nq35 Standard PC\n',
    );
    assert.deepEqual(m, { machines: ['pc', 'pc-i440fx-7.2', 'q35'], defaultMachine: 'pc-i440fx-7.2' });
  });

  it('reads CPU, memory, KVM device, IOMMU groups, PCI with SR-IOV, guest-ness and firmware descriptors from the tree', async () => {
    const root = tree();
    const h = await probeHost({ root, qemuBinary: null, swtpmBinary: null, skipKvmLaunch: true, now: new Date('2024-01-01T00:00:00Z') });
    assert.equal(h.name, 'testhost');
    assert.equal(h.kernel, '6.1.0-18-amd64');
    assert.deepEqual(h.cpu, {
      vendor: 'GenuineIntel',
      model: 'Intel(R) Xeon(R) Gold 6230',
      count: 2,
      flags: ['ept', 'fpu', 'sse4_2', 'vmx', 'x2apic'],
    });
    assert.equal(h.memoryMiB, 16000);
    assert.equal(h.kvm.device, true);
    assert.equal(h.kvm.usable, true);
    assert.match(h.kvm.detail, /has vmx \(not launch-tested\)/);
    assert.deepEqual(h.iommu, { enabled: true, groups: 2 });
    assert.deepEqual(h.virtualized, { hypervisorFlag: false, hypervisorType: 'xen', dmiVendor: null });
    assert.deepEqual(h.pci, [
      {
        address: '0000:3b:00.0',
        vendorId: '8086',
        productId: '1572',
        class: '020000',
        driver: 'i40e',
        iommuGroup: 12,
        sriovTotalVfs: 64,
        sriovNumVfs: 1,
        physfn: null,
      },
      {
        address: '0000:3b:02.0',
        vendorId: '8086',
        productId: '154c',
        class: '020000',
        driver: null,
        iommuGroup: 13,
        sriovTotalVfs: null,
        sriovNumVfs: null,
        physfn: '0000:3b:00.0',
      },
    ]);
    assert.equal(h.firmware.length, 1, 'the malformed descriptor is skipped');
    assert.equal(h.firmware[0]?.code, '/usr/share/OVMF/OVMF_CODE_4M.fd');
    assert.equal(h.firmware[0]?.file, '/usr/share/qemu/firmware/60-edk2-x86_64.json');
    assert.equal(h.qemu, null);
    assert.equal(h.swtpm, null);
    assert.deepEqual(readPciDevices(join(root, 'nowhere')), []);
  });

  it('no /dev/kvm: not usable, and says so', async () => {
    const root = tree();
    const h = await probeHost({ root: join(root, 'sys'), qemuBinary: null, swtpmBinary: null });
    assert.equal(h.kvm.usable, false);
    assert.match(h.kvm.detail, /\/dev\/kvm does not exist/);
  });

  it('a QEMU that hangs with KVM (nested virtualization) is cut off by the timeout with a clear message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vc-hang-'));
    const fake = join(dir, 'qemu-hangs');
    writeFileSync(fake, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(fake, 0o755);
    const t0 = Date.now();
    const r = await probeKvmWithQemu(fake, 300);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(r.usable, false);
    assert.match(r.detail, /did not answer within 300 ms \(nested virtualization can hang\)/);
    const failing = join(dir, 'qemu-fails');
    writeFileSync(
      failing,
      '#!/bin/sh\necho "Could not access KVM kernel module: Permission denied" >&2\necho "qemu-system-x86_64: failed to initialize kvm: Permission denied" >&2\nexit 1\n',
    );
    chmodSync(failing, 0o755);
    const f = await probeKvmWithQemu(failing, 2000);
    assert.equal(f.usable, false);
    assert.match(f.detail, /failed to initialize kvm: Permission denied/);
  });

  it('probes the installed QEMU (device, machine and CPU models), when there is one', {
    skip: skipWith(
      spawnSync('qemu-system-x86_64', ['-version']).status === 0
        ? false
        : 'qemu-system-x86_64 is not installed (Debian package qemu-system-x86)',
    ),
  }, async () => {
    const h = await probeHost({ timeoutMs: 8000 });
    assert.ok(h.qemu);
    assert.match(h.qemu!.version, /^\d+\.\d+/);
    assert.ok(h.qemu!.devices.includes('virtio-net-pci'));
    assert.ok(h.qemu!.machines.includes('q35'));
    assert.ok(h.qemu!.cpuModels.includes('qemu64'));
    assert.equal(h.kvm.device, existsSync('/dev/kvm'));
    if (!h.kvm.device) assert.equal(h.kvm.usable, false);
    assert.ok(h.kvm.detail.length > 0);
  });
});
