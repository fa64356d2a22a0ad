import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectOvf, mibPerUnit } from './ovf.ts';
import { ovaDescriptor, tarMembers } from './ova.ts';
import { InspectError } from './errors.ts';

const FIX = join(import.meta.dirname, '../../../test/fixtures/inspect');
const fixture = (f: string) => inspectOvf(readFileSync(join(FIX, f), 'utf8'));

const envelope = (items: string, os = '<OperatingSystemSection ovf:id="94"/>') => `<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <VirtualSystem ovf:id="t">
    ${os}
    <VirtualHardwareSection>
${items}
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>`;
const item = (type: number, extra = '') =>
  `      <Item><rasd:InstanceID>${type}</rasd:InstanceID><rasd:ResourceType>${type}</rasd:ResourceType>${extra}</Item>`;
const mem = item(4, '<rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:VirtualQuantity>512</rasd:VirtualQuantity>');

describe('OVF descriptors as vSphere and VirtualBox export them', () => {
  it('ESXi: SATA, LSI Logic and IDE controllers, disk from the DiskSection, IDE CD-ROM, floppy, VmxNet3; Ubuntu (no release) has candidates', () => {
    const vm = fixture('ovf-esx-ubuntu1604.ovf');
    expect(vm).toMatchObject({
      sourceFormat: 'ovf',
      cpus: 1,
      memoryMiB: 1024,
      firmware: 'bios',
      tpm: false,
      platform: { virtualSystemType: 'vmx-10' },
    });
    expect(vm.disks).toEqual([
      { device: 'cdrom', bus: 'ide', address: 'ide1:0', path: null },
      {
        device: 'disk',
        bus: 'scsi',
        controllerModel: 'lsilogic',
        address: 'scsi0:0',
        path: '111390-Ubuntu-16.04-64-Desktop-Open-VM-Tools-disk1.vmdk',
        format: 'vmdk',
      },
      { device: 'floppy', bus: 'fdc', path: null },
    ]);
    expect(vm.nics).toEqual([{ model: 'vmxnet3', mac: null, network: 'VM Network' }]);
    expect(vm.guest.native).toBe('ubuntu64Guest');
    expect(vm.guest.id).toBeUndefined();
    expect(vm.guest.candidates).toContain('ubuntu22.04');
    expect(vm.unknown).toContainEqual({ key: 'vmw:Config cpuHotAddEnabled', value: 'false', line: expect.any(Number) });
  });

  it('vSphere with a vTPM: EFI and Secure Boot from vmw:Config, VirtualSCSI is libvirt’s vmpvscsi', () => {
    const vm = fixture('ovf-vtpm-centos8-efi.ovf');
    expect(vm).toMatchObject({ firmware: 'uefi', secureBoot: true, tpm: true });
    expect(vm.disks[0]).toMatchObject({ bus: 'scsi', controllerModel: 'vmpvscsi', path: 'vtpm-spec-with-nvram-1.vmdk' });
    expect(vm.disks[1]).toMatchObject({ device: 'cdrom', bus: 'sata' });
    expect(vm.guest).toEqual({ native: 'centos8_64Guest', candidates: ['centos8', 'centos-stream8'] });
  });

  it('vSphere Windows Server 2008 R2: lsilogicsas is lsisas1068, E1000 is e1000', () => {
    const vm = fixture('ovf-win2008r2.ovf');
    expect(vm.guest).toEqual({ native: 'windows7Server64Guest', id: 'win2k8r2', candidates: ['win2k8r2'] });
    expect(vm.disks[0]).toMatchObject({ controllerModel: 'lsisas1068', format: 'vmdk' });
    expect(vm.nics.map((n) => n.model)).toEqual(['e1000']);
    expect(vm.cpus).toBe(2);
  });

  it('VirtualBox: MegaBytes units, PCNet32 is libvirt’s pcnet, the CIM code alone maps the guest', () => {
    const vm = fixture('ovf-virtualbox-winxp.ovf');
    expect(vm).toMatchObject({ memoryMiB: 192, cpus: 1, platform: { virtualSystemType: 'virtualbox-2.2' } });
    expect(vm.nics.map((n) => [n.model, n.network])).toEqual([
      ['pcnet', 'NAT'],
      ['pcnet', 'Bridged'],
      ['e1000', 'Internal'],
      ['e1000', 'HostOnly'],
    ]);
    expect(vm.guest).toEqual({ native: 'CIM OSType 67 (Windows XP)', id: 'winxp', candidates: ['winxp'] });
  });

  it('a vApp with two virtual systems: the first is read, and a note says so', () => {
    const vm = fixture('ovf-vapp-two-vms.ovf');
    expect(vm.name).toBe('sql2k5-win-2k3-32-ent-sp2-ovf');
    expect(vm.notes[0]).toBe("the envelope holds 2 virtual systems: the first, 'sql2k5-win-2k3-32-ent-sp2-ovf', is read");
    expect(vm.guest).toEqual({ native: 'winNetStandardGuest', candidates: ['win2k3', 'win2k3r2'] });
  });
});

describe('OVF rules', () => {
  it('VirtualBox’s own machine section can say EFI', () => {
    const vm = inspectOvf(
      envelope(mem).replace(
        '</VirtualSystem>',
        '<vbox:Machine xmlns:vbox="http://www.virtualbox.org/ovf/machine"><Hardware><Firmware type="EFI"/></Hardware></vbox:Machine></VirtualSystem>',
      ),
    );
    expect(vm.firmware).toBe('uefi');
  });

  it('AllocationUnits in programmatic and named forms', () => {
    expect(mibPerUnit('byte * 2^20')).toBe(1);
    expect(mibPerUnit('byte*2^30')).toBe(1024);
    expect(mibPerUnit('MegaBytes')).toBe(1);
    expect(mibPerUnit('GigaBytes')).toBe(1024);
    expect(mibPerUnit('furlongs')).toBeUndefined();
  });

  it('a SCSI ResourceSubType listing alternatives takes the first known one and says so', () => {
    const vm = inspectOvf(envelope(`${mem}\n${item(6, '<rasd:ResourceSubType>buslogic lsilogic</rasd:ResourceSubType>')}`));
    expect(vm.notes.some((n) => /offers buslogic, lsilogic: read as buslogic/.test(n))).toBe(true);
  });

  it('CIM codes with ovf:version: Debian 64-bit version 12 is debian12; RHEL without a version maps to nothing', () => {
    expect(inspectOvf(envelope(mem, '<OperatingSystemSection ovf:id="96" ovf:version="12"/>')).guest).toMatchObject({ id: 'debian12' });
    const rhel = inspectOvf(envelope(mem, '<OperatingSystemSection ovf:id="80"/>'));
    expect(rhel.guest.candidates).toEqual([]);
    expect(rhel.notes.some((n) => /gives no ovf:version/.test(n))).toBe(true);
  });

  it('ResourceType 20 is SATA (AHCI) or NVMe by its ResourceSubType; a drive names its controller by Parent', () => {
    const nvme = item(20, '<rasd:ResourceSubType>vmware.nvme.controller</rasd:ResourceSubType><rasd:Address>0</rasd:Address>');
    const disk = item(17, '<rasd:Parent>20</rasd:Parent><rasd:AddressOnParent>1</rasd:AddressOnParent>');
    expect(inspectOvf(envelope(`${mem}\n${nvme}\n${disk}`)).disks).toEqual([
      { device: 'disk', bus: 'nvme', address: 'nvme0:1', path: null },
    ]);
    const ahci = item(20, '<rasd:ResourceSubType>AHCI</rasd:ResourceSubType>');
    // A controller without rasd:Address gives the drive no address.
    expect(inspectOvf(envelope(`${mem}\n${ahci}\n${disk}`)).disks).toEqual([{ device: 'disk', bus: 'sata', path: null }]);
  });

  it('unknown Items are kept with their line; a NIC’s rasd:Address is its static MAC', () => {
    const vm = inspectOvf(
      envelope(
        `${mem}\n${item(10, '<rasd:ResourceSubType>E1000e</rasd:ResourceSubType><rasd:Address>00-50-56-AA-BB-CC</rasd:Address>')}\n${item(35)}`,
      ),
    );
    expect(vm.nics).toEqual([{ model: 'e1000e', mac: '00:50:56:aa:bb:cc', macSource: 'static' }]);
    expect(vm.unknown).toContainEqual({ key: 'Item ResourceType 35', value: '', line: 9 });
  });

  it('malformed XML and a descriptor without memory are MALFORMED errors naming the line', () => {
    const bad = () => inspectOvf(envelope(`${mem}\n      <Item><rasd:ResourceType>3</Item>`));
    expect(bad).toThrow(InspectError);
    expect(bad).toThrow(/^line 8:\d+: not well-formed XML/);
    expect(() => inspectOvf(envelope(item(3, '<rasd:VirtualQuantity>2</rasd:VirtualQuantity>')))).toThrow(
      /^line 6: the VirtualHardwareSection has no memory Item/,
    );
    expect(() => inspectOvf('<domain/>')).toThrow(/expected an OVF <Envelope>/);
  });
});

describe('.ova archives', () => {
  const ova = readFileSync(join(FIX, 'ova-vtpm-centos8-efi.ova'));

  /** One tar header block (ustar layout, checksum computed) followed by the data, padded to 512. */
  const block = (name: string, type: string, data: string) => {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 99), 0);
    h.write('0000644\0', 100);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write(type, 156);
    h.write('ustar\0', 257);
    h.write('00', 263);
    h.fill(32, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    const body = Buffer.alloc(Math.ceil(data.length / 512) * 512);
    body.write(data);
    return Buffer.concat([h, body]);
  };

  it('lists the ustar members and returns the descriptor unchanged', () => {
    expect(tarMembers(ova).map((m) => [m.name, m.size])).toEqual([
      ['vtpm-spec-with-nvram.ovf', 7061],
      ['vtpm-spec-with-nvram-1.vmdk', 51],
    ]);
    const d = ovaDescriptor(ova);
    expect(d.text).toBe(readFileSync(join(FIX, 'ovf-vtpm-centos8-efi.ovf'), 'utf8'));
  });

  it('reads GNU (type L) and pax (type x) long member names', () => {
    const long = `${'d'.repeat(120)}/appliance.ovf`;
    const gnu = Buffer.concat([block('././@LongLink', 'L', `${long}\0`), block('short', '0', '<Envelope/>'), Buffer.alloc(1024)]);
    expect(tarMembers(gnu)).toEqual([{ name: long, size: 11, offset: 1536 }]);
    const record = ` path=${long}\n`;
    const len = record.length + String(record.length + 3).length;
    const pax = Buffer.concat([block('PaxHeaders/x', 'x', `${len}${record}`), block('short', '0', '<Envelope/>'), Buffer.alloc(1024)]);
    expect(ovaDescriptor(pax)).toEqual({ name: long, text: '<Envelope/>' });
  });

  it('a corrupt header or an archive without .ovf is UNREADABLE', () => {
    const broken = Buffer.from(ova);
    broken[10] = 0x41;
    expect(() => tarMembers(broken)).toThrow(/bad header checksum at byte 0/);
    expect(() => ovaDescriptor(Buffer.alloc(1024))).toThrow(/holds no .ovf descriptor/);
  });
});
