import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectVmx, parseVmxEntries } from './vmx.ts';
import { InspectError } from './errors.ts';

const FIX = join(import.meta.dirname, '../../../test/fixtures/inspect');
const fixture = (f: string) => inspectVmx(readFileSync(join(FIX, f), 'utf8'));

function malformedAt(text: string): InspectError {
  try {
    inspectVmx(text);
  } catch (err) {
    if (err instanceof InspectError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('.vmx as ESXi, Workstation, Fusion and GSX write it', () => {
  it('ESXi 8: EFI with Secure Boot, NVMe disk, PVSCSI controller, empty SATA CD-ROM, vCenter-assigned MAC', () => {
    const vm = fixture('vmx-esx-rhel9-efi-nvme.vmx');
    expect(vm).toMatchObject({
      sourceFormat: 'vmx',
      name: 'Auto-esx8.0-rhel9.4-efi-nvme-disk',
      firmware: 'uefi',
      secureBoot: true,
      tpm: false,
      cpus: 1,
      memoryMiB: 2048,
    });
    expect(vm.guest).toEqual({ native: 'rhel9-64', id: 'rhel9-unknown', candidates: ['rhel9-unknown'] });
    expect(vm.disks).toEqual([
      { device: 'cdrom', bus: 'sata', address: 'sata0:0', path: null },
      { device: 'disk', bus: 'nvme', address: 'nvme0:0', path: 'Auto-esx8.0-rhel9.4-efi-nvme-disk.vmdk', format: 'vmdk' },
    ]);
    expect(vm.nics).toEqual([{ model: 'vmxnet3', mac: '00:50:56:a0:a6:7e', macSource: 'assigned', network: 'VM Network' }]);
    expect(vm.platform).toMatchObject({ 'virtualHW.version': '20' });
    expect(vm.notes).toContain("numvcpus absent: 1 vCPU, the default libvirt's vmx reader applies");
    expect(vm.platform?.arch).toBe('x86_64');
  });

  it('ESXi 8: LSI SAS controller (libvirt lsisas1068) for both disks, e1000e, Windows Server 2022 guestOS', () => {
    const vm = fixture('vmx-esx-win2022-sas.vmx');
    expect(vm.guest).toEqual({ native: 'windows2019srvNext-64', id: 'win2k22', candidates: ['win2k22'] });
    expect(vm.disks.filter((d) => d.device === 'disk').map((d) => [d.address, d.controllerModel])).toEqual([
      ['scsi0:0', 'lsisas1068'],
      ['scsi0:1', 'lsisas1068'],
    ]);
    expect(vm.disks[0]).toMatchObject({
      device: 'cdrom',
      bus: 'sata',
      path: '/vmfs/volumes/f84f070c-0d65498d/win-iso/windows_11_x64_official_dvd.iso',
    });
    expect(vm.nics[0]).toMatchObject({ model: 'e1000e', macSource: 'assigned' });
  });

  it('upper-cased keys and values read as lower-case ones (keys are case-insensitive)', () => {
    const vm = fixture('vmx-esx-case-insensitive.vmx');
    expect(vm).toMatchObject({ name: 'FEDORA11', memoryMiB: 1024 });
    expect(vm.disks.find((d) => d.device === 'disk')).toMatchObject({ bus: 'scsi', controllerModel: 'lsilogic', path: 'FEDORA11.VMDK' });
    expect(vm.nics[0]).toEqual({ mac: '00:50:56:91:48:c7', macSource: 'assigned', network: 'VM NETWORK' });
    // RHEL5 names a major version osinfo-db has no "-unknown" entry for: every 5.x release is a candidate.
    expect(vm.guest.id).toBeUndefined();
    expect(vm.guest.candidates).toContain('rhel5.11');
    expect(vm.notes.some((n) => /could be any of rhel5\.0/.test(n))).toBe(true);
  });

  it('Fusion: BusLogic, NICs with no virtualDev (model absent, noted), generated MACs, CD-ROM set to auto detect', () => {
    const vm = fixture('vmx-fusion-winxp.vmx');
    expect(vm.guest).toMatchObject({ native: 'winxppro', id: 'winxp' });
    expect(vm.platform?.arch).toBe('i686');
    expect(vm.disks).toEqual([
      { device: 'cdrom', bus: 'ide', address: 'ide0:0', path: null },
      { device: 'disk', bus: 'scsi', address: 'scsi0:0', path: 'ATTM_VM.vmdk', controllerModel: 'buslogic', format: 'vmdk' },
    ]);
    expect(vm.nics).toEqual([
      { mac: '00:0c:29:3b:64:ea', macSource: 'generated', network: 'VMnet0' },
      { mac: '00:0c:29:3b:64:f4', macSource: 'generated', network: 'VMnet0' },
    ]);
    expect(vm.notes).toContain('ethernet1 names no virtualDev: VMware picks one by guestOS and virtualHW.version');
  });

  it('GSX: the #! line is a comment, devices with present = "FALSE" are left out, their keys kept as unknown', () => {
    const vm = fixture('vmx-gsx-debian.vmx');
    expect(vm.disks).toEqual([{ device: 'disk', bus: 'ide', address: 'ide0:0', path: 'Debian-System1-0-cl2.vmdk', format: 'vmdk' }]);
    expect(vm.memoryMiB).toBe(264);
    expect(vm.unknown).toContainEqual({ key: 'ide1:0.fileName', value: '/dev/hda', line: 12 });
    expect(vm.unknown).toContainEqual({ key: 'sound.virtualDev', value: 'es1371', line: 19 });
    expect(vm.guest).toEqual({ native: 'other26xlinux', candidates: [] });
  });

  it('Workstation: static MAC from ethernet0.address, e1000, ISO on IDE', () => {
    const vm = fixture('vmx-workstation-debian6.vmx');
    expect(vm.nics).toEqual([{ model: 'e1000', mac: '00:50:56:2f:d3:46', macSource: 'static', network: 'VMnet0' }]);
    expect(vm.disks[0]).toEqual({ device: 'cdrom', bus: 'ide', address: 'ide1:0', path: '/usr/lib/vmware/isoimages/linux.iso' });
    expect(vm.guest).toMatchObject({ native: 'debian6-64', id: 'debian6' });
  });
});

describe('.vmx rules', () => {
  const base = 'config.version = "8"\nmemsize = "4096"\nnumvcpus = "2"\n';

  it('a SCSI controller with no virtualDev has no controllerModel, and a note says ESXi picks it by guestOS', () => {
    const vm = inspectVmx(
      `${base}guestOS = "windows9-64"\nscsi0.present = "TRUE"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "a.vmdk"\n`,
    );
    expect(vm.disks[0]).toEqual({ device: 'disk', bus: 'scsi', address: 'scsi0:0', path: 'a.vmdk', format: 'vmdk' });
    expect(vm.notes.some((n) => /scsi0 names no virtualDev: ESXi/.test(n))).toBe(true);
    expect(vm.guest).toEqual({ native: 'windows9-64', id: 'win10', candidates: ['win10'] });
  });

  it('pvscsi is libvirt’s vmpvscsi; vtpm.present and firmware efi are read', () => {
    const vm = inspectVmx(
      `${base}firmware = "efi"\nvtpm.present = "TRUE"\nscsi0.present = "TRUE"\nscsi0.virtualDev = "pvscsi"\nscsi0:0.present = "TRUE"\nscsi0:0.fileName = "a.vmdk"\n`,
    );
    expect(vm).toMatchObject({ firmware: 'uefi', tpm: true, secureBoot: false, cpus: 2, memoryMiB: 4096 });
    expect(vm.disks[0]?.controllerModel).toBe('vmpvscsi');
  });

  it('bios.bootOrder and bios.hddOrder give the disks their boot positions; a NIC takes a place', () => {
    const vm = inspectVmx(
      `${base}bios.bootOrder = "ethernet0,hdd,cdrom"\nbios.hddOrder = "scsi0:1,scsi0:0"\nscsi0.present = "TRUE"\n` +
        `scsi0:0.present = "TRUE"\nscsi0:0.fileName = "a.vmdk"\nscsi0:1.present = "TRUE"\nscsi0:1.fileName = "b.vmdk"\n` +
        `ide1:0.present = "TRUE"\nide1:0.deviceType = "cdrom-image"\nide1:0.fileName = "x.iso"\n`,
    );
    expect(vm.disks.map((d) => [d.address, d.bootOrder])).toEqual([
      ['ide1:0', 4],
      ['scsi0:0', 3],
      ['scsi0:1', 2],
    ]);
    expect(vm.unknown).toEqual([]);
  });

  it('the MAC follows addressType; a stale address of the other kind stays unknown', () => {
    const eth = (lines: string) => inspectVmx(`${base}ethernet0.present = "TRUE"\n${lines}`);
    const vm = eth(
      'ethernet0.addressType = "generated"\nethernet0.generatedAddress = "00:0C:29:00:00:01"\nethernet0.address = "00:50:56:00:00:02"\n',
    );
    expect(vm.nics).toEqual([{ mac: '00:0c:29:00:00:01', macSource: 'generated' }]);
    expect(vm.unknown.map((u) => u.key)).toEqual(['ethernet0.address']);
    // No addressType: generated, so a lone ethernet0.address is not the MAC.
    expect(eth('ethernet0.address = "00:50:56:00:00:02"\n').nics).toEqual([{ mac: null }]);
    expect(eth('ethernet0.addressType = "generated"\n').notes).toContain('ethernet0 has no MAC yet: VMware assigns one at power-on');
  });

  it('an encrypted VM says that its encrypted settings are not read', () => {
    const vm = inspectVmx(`${base}vtpm.present = "TRUE"\nvmx.encryptionType = "partial"\nencryption.data = "c2VjcmV0"\n`);
    expect(vm.tpm).toBe(true);
    expect(vm.notes).toContain(
      "encryption.data is present (vmx.encryptionType 'partial'): settings VMware encrypted there are not read, only the plain keys",
    );
  });

  it('an ambiguous guestOS lists its candidates and gives no id', () => {
    const vm = inspectVmx(`${base}guestOS = "otherlinux-64"\n`);
    expect(vm.guest.id).toBeUndefined();
    expect(vm.guest.candidates.length).toBeGreaterThan(1);
    expect(vm.guest.candidates).toContain('linux2020');
  });

  it('Windows paths keep their backslashes; a later duplicate key wins; |XX escapes in displayName are decoded', () => {
    const e = parseVmxEntries('ide0:0.fileName = "C:\\VMs\\disk.vmdk"\nmemsize = "1"\nMEMSIZE = "2"\n');
    expect(e.get('ide0:0.filename')?.value).toBe('C:\\VMs\\disk.vmdk');
    expect(e.get('memsize')).toEqual({ key: 'MEMSIZE', value: '2', line: 3 });
    expect(inspectVmx(`${base}displayName = "a|22b|7Cc"\n`).name).toBe('a"b|c');
  });

  it('an unquoted value is accepted, as libvirt’s reader accepts it', () => {
    expect(inspectVmx('memsize = 512\nnumvcpus = 4\n')).toMatchObject({ memoryMiB: 512, cpus: 4 });
  });

  it('unknown keys are kept with their lines, never fatal', () => {
    const vm = inspectVmx(`${base}frobnicate.level = "11"\n`);
    expect(vm.unknown).toEqual([{ key: 'frobnicate.level', value: '11', line: 4 }]);
  });

  it('a malformed line is a MALFORMED InspectError naming the line', () => {
    const a = malformedAt(`${base}this is not a setting\n`);
    expect(a).toMatchObject({ code: 'MALFORMED', details: { format: 'vmx', line: 4 } });
    expect(a.message).toMatch(/^line 4: expected 'key = "value"'/);
    expect(malformedAt(`${base}\n\nguestOS = "rhel8-64\n`).message).toBe('line 6: unterminated quoted value');
    expect(malformedAt(`memsize = "lots"\n`).message).toMatch(/^line 1: memsize must be a positive whole number/);
  });
});
