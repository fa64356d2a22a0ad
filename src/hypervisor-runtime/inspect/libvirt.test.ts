import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectLibvirt } from './libvirt.ts';

const FIX = join(import.meta.dirname, '../../../test/fixtures/inspect');
const fixture = (f: string) => inspectLibvirt(readFileSync(join(FIX, f), 'utf8'));

describe('libvirt domain XML as virt-install writes it', () => {
  it('Windows 11: libosinfo id → win11 (and the URI), EFI, TPM, SATA disks with boot order, e1000e', () => {
    const vm = fixture('libvirt-win11.xml');
    expect(vm.guest).toEqual({
      native: 'http://microsoft.com/win/11',
      uri: 'http://microsoft.com/win/11',
      id: 'win11',
      candidates: ['win11'],
    });
    expect(vm).toMatchObject({ name: 'win11', firmware: 'uefi', secureBoot: false, tpm: true, cpus: 4, memoryMiB: 64 });
    expect(vm.platform).toMatchObject({ domainType: 'kvm', machine: 'q35', arch: 'x86_64' });
    expect(vm.disks).toEqual([
      { device: 'disk', bus: 'sata', address: 'sda', path: '/var/lib/libvirt/images/win11.qcow2', format: 'qcow2', bootOrder: 2 },
      { device: 'cdrom', bus: 'sata', address: 'sdb', path: '/pool-dir/testvol1.img', format: 'qcow2', bootOrder: 1 },
    ]);
    expect(vm.nics).toEqual([{ model: 'e1000e', mac: '00:11:22:33:44:55', macSource: 'static', network: 'testsuitebr0' }]);
    expect(vm.unknown.map((u) => u.key)).toEqual(
      expect.arrayContaining(['uuid', 'currentMemory', 'features', 'devices/graphics', 'devices/controller']),
    );
    expect(vm.unknown.map((u) => u.key)).not.toContain('name');
  });

  it('generic Linux 2020: virtio disk and NIC', () => {
    const vm = fixture('libvirt-linux2020.xml');
    expect(vm.guest.id).toBe('linux2020');
    expect(vm.disks[0]).toMatchObject({ bus: 'virtio', address: 'vda' });
    expect(vm.nics[0]?.model).toBe('virtio');
  });

  it('virt-install’s many-devices test domain: every disk bus, lun disks under virtio-scsi, storage-pool volumes, 18 NICs', () => {
    const vm = fixture('libvirt-many-devices.xml');
    expect(vm).toMatchObject({ guest: { id: 'fedora-unknown' }, firmware: 'uefi', secureBoot: true, tpm: true, cpus: 9 });
    expect(vm.disks).toHaveLength(31);
    expect(new Set(vm.disks.map((d) => d.bus))).toEqual(new Set(['virtio', 'sata', 'scsi', 'usb', 'fdc']));
    expect(vm.disks.find((d) => d.address === 'sdab')).toMatchObject({ device: 'disk', bus: 'scsi', controllerModel: 'virtio-scsi' });
    expect(vm.disks.find((d) => d.address === 'vdf')?.path).toBe('pool-rbd-ceph/some-rbd-vol');
    expect(vm.nics).toHaveLength(18);
    expect(vm.nics.filter((n) => n.model === 'vmxnet3')).toHaveLength(1);
    // <os> children not read are listed: initarg, acpi, bootmenu, nvram ...
    expect(vm.unknown.filter((u) => u.key.startsWith('os/')).map((u) => u.key)).toEqual(
      expect.arrayContaining(['os/nvram', 'os/initarg', 'os/acpi']),
    );
  });

  it('no libosinfo metadata: the guest is not named, and a note says so; enrolled keys are noted', () => {
    const vm = fixture('libvirt-uefi-secure-boot.xml');
    expect(vm.guest).toEqual({ native: null, candidates: [] });
    expect(vm.notes).toContain('no libosinfo metadata: the domain does not name its guest OS');
    expect(vm.firmware).toBe('uefi');
  });
});

describe('libvirt rules', () => {
  const dom = (body: string, mem = '<memory unit="GiB">2</memory>') =>
    `<domain type="kvm"><name>t</name>${mem}<vcpu>2</vcpu>${body}</domain>`;

  it('memory units: KiB by default, GiB, MB (decimal)', () => {
    expect(inspectLibvirt(dom('', '<memory>1048576</memory>')).memoryMiB).toBe(1024);
    expect(inspectLibvirt(dom('')).memoryMiB).toBe(2048);
    expect(inspectLibvirt(dom('', '<memory unit="MB">1048.576</memory>')).memoryMiB).toBeCloseTo(999.99, 1);
  });

  it('a SCSI disk takes the model of the controller its address names; a secure loader is Secure Boot', () => {
    const vm = inspectLibvirt(
      dom(`<os><type>hvm</type><loader readonly="yes" secure="yes" type="pflash">/usr/share/OVMF/OVMF_CODE.secboot.fd</loader></os>
      <devices><controller type="scsi" index="0" model="virtio-scsi"/><controller type="scsi" index="1" model="lsilogic"/>
      <disk type="file" device="disk"><source file="/a.img"/><target dev="sdb" bus="scsi"/><address type="drive" controller="1" bus="0" target="0" unit="1"/></disk>
      <disk type="file" device="disk"><source file="/b.img"/><target dev="sda"/></disk></devices>`),
    );
    expect(vm).toMatchObject({ firmware: 'uefi', secureBoot: true });
    expect(vm.disks.map((d) => [d.address, d.bus, d.controllerModel])).toEqual([
      ['sdb', 'scsi', 'lsilogic'],
      ['sda', 'scsi', 'virtio-scsi'],
    ]);
  });

  it('the secure-boot firmware feature is Secure Boot', () => {
    const os = (enabled: string) =>
      dom(`<os firmware="efi"><type>hvm</type><firmware><feature enabled="${enabled}" name="secure-boot"/></firmware></os>`);
    expect(inspectLibvirt(os('yes'))).toMatchObject({ firmware: 'uefi', secureBoot: true });
    expect(inspectLibvirt(os('no'))).toMatchObject({ firmware: 'uefi', secureBoot: false });
  });

  it('malformed XML, a non-domain document and a bad memory value are errors naming the line', () => {
    expect(() => inspectLibvirt('<domain>\n<name>x</nam>\n</domain>')).toThrow(/^line 2:\d+: not well-formed XML/);
    expect(() => inspectLibvirt('<Envelope/>')).toThrow(/expected a <domain> document/);
    expect(() => inspectLibvirt('<domain>\n<memory unit="parsecs">3</memory>\n</domain>')).toThrow(
      /^line 2: <memory unit='parsecs'> is not a libvirt unit/,
    );
  });
});
