// The move planner on inspected VMs: what it keeps, what it maps, the pre-flight with its evidence, the
// refusals with their exact reasons, the two-step move, known issues, the Hyper-V script, and a round trip.
import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { issueApplies, parseKnownIssues } from '../src/hypervisor-runtime/move/known-issues.ts';
import { MoveError, type MovePlan } from '../src/hypervisor-runtime/move/types.ts';
import { renderHypervPs, psMac } from '../src/hypervisor-runtime/render/hyperv.ts';
import { renderText } from '../src/hypervisor-runtime/render/index.ts';
import type { InspectedVm } from '../src/hypervisor-runtime/inspect/types.ts';
import { inspectText } from '../src/hypervisor-runtime/inspect/index.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import { HYPERVISOR_KEYS, type HypervisorKey } from '../src/hypervisor-runtime/spec.ts';
import { curatedIssues, inspected, move, vmwareVm } from './helpers/move.ts';
import { loadFacts } from './fixtures/runtime/load.ts';
import { must } from '../src/util/must.ts';

const item = (m: MovePlan, id: string) => m.preflight.find((p) => p.id === id);
const refusal = (f: () => unknown): MoveError => {
  try {
    f();
  } catch (e) {
    if (e instanceof MoveError) return e;
    throw e;
  }
  assert.fail('expected a MoveError');
};

describe('keeps what the VM is', () => {
  it('VMware → KVM: disks in order, MACs, firmware, vCPUs, memory; PVSCSI → virtio-blk and VMXNET3 → virtio-net through their groups', () => {
    const m = move('debian11', vmwareVm({ cpus: 3, memoryMiB: 3072 }), 'kvm', { prepared: true });
    const disks = m.plan.devices.filter((d) => d.role === 'disk');
    expect(disks.map((d) => d.disk?.source)).toEqual(['/vms/web01/web01.qcow2', '/vms/web01/data.qcow2']);
    expect(disks.map((d) => d.disk?.bootIndex)).toEqual([1, 2]);
    expect(m.plan.devices.find((d) => d.role === 'nic')?.nic?.mac).toBe('00:50:56:01:02:03');
    expect(m.plan.firmware.type).toBe('bios');
    expect(m.plan.cpu.vcpus).toBe(3);
    expect(m.plan.memory.mib).toBe(3072);
    expect(m.mapping.map((x) => `${x.source.key}→${x.target.key} ${x.group}`)).toEqual([
      'pvscsi→virtio-blk paravirtual-storage',
      'pvscsi→virtio-blk paravirtual-storage',
      'vmxnet3→virtio-net paravirtual-nic',
    ]);
  });

  it('UEFI with Secure Boot and a TPM stay UEFI, Secure Boot and a TPM (Windows 11 → Hyper-V generation 2)', () => {
    const m = move('win11', vmwareVm({ firmware: 'uefi', secureBoot: true, tpm: true, memoryMiB: 4096 }), 'hyperv', { prepared: true });
    expect(m.plan.machine.type).toBe('generation-2');
    expect(m.plan.firmware).toMatchObject({ type: 'uefi', secureBoot: true, template: 'MicrosoftWindows' });
    expect(m.plan.tpm.present).toBe(true);
  });

  it("boot order: the source's boot disk comes first, and the reordering is said", () => {
    const vm = vmwareVm();
    vm.disks = [
      { ...must(vm.disks[0], 'disk 0'), bootOrder: 2 },
      { ...must(vm.disks[1], 'disk 1'), bootOrder: 1 },
    ];
    const m = move('debian11', vm, 'kvm', { prepared: true });
    expect(m.plan.devices.filter((d) => d.role === 'disk').map((d) => d.disk?.source)).toEqual([
      '/vms/web01/data.qcow2',
      '/vms/web01/web01.qcow2',
    ]);
    expect(m.warnings.join('\n')).toMatch(/reordered by the source's boot order: #1, #0/);
  });
});

describe('pre-flight: steps, risks, conversions, each with its evidence', () => {
  it('Linux: the target storage driver in the initramfs is a boot-critical step citing virt-v2v, dracut and initramfs-tools', () => {
    const m = move('debian11', vmwareVm(), 'kvm', { prepared: true });
    const s = item(m, 'step:initramfs:virtio-blk');
    assert.ok(s);
    expect(s).toMatchObject({ kind: 'step', severity: 'blocker', bootCritical: true, when: 'before-move' });
    expect(s.title).toMatch(/virtio_pci, virtio_blk/);
    expect(s.commands?.join('\n')).toMatch(/dracut --force --add-drivers "virtio_pci virtio_blk"/);
    expect(s.evidence.map((e) => e.source)).toContain('https://libguestfs.org/virt-v2v.1.html');
    expect(s.evidence[0]?.record).toBe('http://pcisig.com/pci/1af4/1042');
    expect(item(m, 'issue:linux-nic-rename')?.evidence[0]?.source).toBe('https://systemd.io/PREDICTABLE_INTERFACE_NAMES/');
    expect(item(m, 'risk:nic-name:net0')).toBeUndefined();
    expect(item(m, 'step:remove-agent:vmware')?.title).toMatch(/open-vm-tools/);
    expect(item(m, 'step:install-agent:kvm')?.title).toMatch(/qemu-guest-agent/);
  });

  it('conversions as commands, with the way back', () => {
    const m = move('debian11', vmwareVm(), 'kvm', { prepared: true });
    const c = item(m, 'conversion:disk0');
    expect(c?.argv).toEqual(['qemu-img', 'convert', '-f', 'vmdk', '-O', 'qcow2', '/vms/web01/web01.vmdk', '/vms/web01/web01.qcow2']);
    expect(c?.commands?.[1]).toBe('# back: qemu-img convert -f qcow2 -O vmdk /vms/web01/web01.qcow2 /vms/web01/web01.vmdk');
    const toVmware = move('debian11', kvmVm(), 'vmware', { prepared: true });
    expect(item(toVmware, 'conversion:disk0')?.argv).toEqual([
      'qemu-img',
      'convert',
      '-f',
      'qcow2',
      '-O',
      'vmdk',
      '/vms/db/db.qcow2',
      '/vms/db/db.vmdk',
    ]);
  });

  it('Windows: boot-start storage driver, 0x7B, BitLocker on a TPM change, activation', () => {
    const m = move('win10', vmwareVm({ tpm: true }), 'kvm', { prepared: true });
    const s = item(m, 'step:boot-start:virtio-blk');
    expect(s?.commands).toContain('reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\viostor /v Start /t REG_DWORD /d 0 /f');
    expect(item(m, 'risk:0x7b')?.evidence[0]?.source).toMatch(/stop-error-7b-or-inaccessible-boot-device/);
    expect(item(m, 'risk:bitlocker')?.severity).toBe('blocker');
    expect(item(m, 'risk:activation')?.severity).toBe('info');
    expect(item(move('win10', vmwareVm(), 'kvm', { prepared: true }), 'risk:bitlocker')).toBeUndefined();
  });

  it('Windows: the driver steps name the add-on build the catalogue gives for the release and its architecture', () => {
    const facts = loadFacts('win10', 'kvm');
    facts.hypervisor.driverPackages = [{ key: 'virtio-win', name: 'virtio-win', family: 'KVM', featureKey: 'virtio' }];
    const build = 'http://virtcompat.org/driver/virtio-win/0.1.248';
    facts.guest.drivers = [
      {
        buildId: build,
        packageKey: 'virtio-win',
        version: '0.1.248',
        arch: 'x86_64',
        status: 'SUPPORTED',
        reason: null,
        sourceRef: 'https://example.org/248',
      },
    ];
    const m = move('win10', vmwareVm(), 'kvm', { prepared: true, facts });
    const s = item(m, 'step:boot-start:virtio-blk');
    expect(s?.title).toMatch(/\(virtio-win \(https:[^)]*\); virtio-win 0\.1\.248, the newest build that supports it on x86_64\)/);
    expect(s?.evidence).toContainEqual({ record: build, rule: 'driver.newest-supporting-build', source: 'https://example.org/248' });
    expect(item(m, 'step:nic-driver:virtio-net')?.title).toMatch(/virtio-win 0\.1\.248, the newest build/);
    // no build for the release: the target plan falls back to the emulated disk, so there is no virtio-win step
    facts.guest.drivers = [];
    const none = move('win10', vmwareVm(), 'kvm', { prepared: true, facts });
    expect(none.plan.drivers.map((d) => [d.package, d.build])).toEqual([['virtio-win', null]]);
    expect(item(none, 'step:boot-start:virtio-blk')).toBeUndefined();
  });

  it("MAC: kept when the file names one; a generated one is a risk; VMware's manual range is checked", () => {
    const noMac = vmwareVm();
    noMac.nics = [{ model: 'vmxnet3', mac: null }];
    expect(item(move('debian11', noMac, 'kvm', { prepared: true }), 'risk:mac:net0')?.trigger).toMatch(/names no MAC/);
    const m = move('debian11', kvmVm(), 'vmware', { prepared: true });
    expect(m.plan.devices.find((d) => d.role === 'nic')?.nic?.mac).toBe('52:54:00:aa:bb:cc');
    expect(item(m, 'risk:mac:ethernet0')?.title).toMatch(/outside VMware's manual range/);
  });

  it('a firmware change is a blocker risk (BIOS VM → Cloud Hypervisor, which boots UEFI)', () => {
    const m = move('debian11', vmwareVm(), 'cloud-hypervisor', { prepared: true });
    expect(item(m, 'risk:firmware')).toMatchObject({ severity: 'blocker' });
  });
});

describe('refusals name the exact reason', () => {
  it('Firecracker runs Linux only', () => {
    const e = refusal(() => move('win10', vmwareVm(), 'firecracker', { prepared: true }));
    expect(e.code).toBe('TARGET_CANNOT_HOST');
    expect(e.message).toMatch(/Firecracker v1.7 runs Linux guests only/);
  });

  it('Linux on PVSCSI → KVM without the preparation: refused, naming the initramfs step (KVM plans no PVSCSI boot disk for a first boot)', () => {
    const e = refusal(() => move('debian11', vmwareVm(), 'kvm'));
    expect(e.code).toBe('PREPARATION_REQUIRED');
    expect(e.requirement).toBe('step:initramfs:virtio-blk');
    expect(e.message).toMatch(/add virtio_pci, virtio_blk to debian11's initramfs/);
    expect(e.preflight.some((p) => p.id === 'step:initramfs:virtio-blk')).toBe(true);
  });

  it('Windows → Cloud Hypervisor without virtio-win: refused as preparation, not as impossible', () => {
    const e = refusal(() => move('win10', vmwareVm(), 'cloud-hypervisor'));
    expect(e.code).toBe('PREPARATION_REQUIRED');
    expect(e.message).toMatch(/viostor/);
  });
});

describe('two-step move', () => {
  it('Windows → KVM unprepared: first boot on IDE (boot-start in Windows), then the target', () => {
    const m = move('win10', vmwareVm(), 'kvm');
    assert.ok(m.firstBoot, 'a first-boot plan');
    const first = m.firstBoot.devices.find((d) => d.role === 'disk');
    expect(first?.model).toBe('piix3-ide');
    expect(m.firstBoot.machine.type).toBe('pc');
    // the NIC keeps the model the guest drives now where KVM offers it
    expect(m.firstBoot.devices.find((d) => d.role === 'nic')?.model).toBe('vmxnet3');
    const two = item(m, 'two-step');
    expect(two?.evidence[0]?.source).toBe('https://pve.proxmox.com/wiki/Migrate_to_Proxmox_VE');
    expect(m.plan.devices.find((d) => d.role === 'disk')?.bus).not.toBe('ide');
  });

  it('prepared: one step', () => {
    expect(move('win10', vmwareVm(), 'kvm', { prepared: true }).firstBoot).toBeNull();
  });
});

describe('known issues are data', () => {
  it('the curated file parses, and each issue cites a public source', () => {
    const issues = curatedIssues();
    expect(issues.length).toBeGreaterThanOrEqual(8);
    for (const i of issues) expect(i.evidenceUrl).toMatch(/^https:\/\//);
  });

  it('bad input: a typed error that names the field', () => {
    expect(() => parseKnownIssues({ issues: [{ key: 'x', title: 't', severity: 'fatal' }] }, 'vendor.yaml')).toThrow(
      /vendor.yaml: issues\[0\]\.severity: .*trigger: .*workaround/s,
    );
    expect(() =>
      parseKnownIssues({
        issues: [{ key: 'x', title: 't', severity: 'info', trigger: 't', workaround: 'w', evidenceUrl: 'https://a.b/' }],
      }),
    ).toThrow(/names a transition/);
  });

  it('apply only to their transition: device A → B, guest family, hypervisors', () => {
    const issues = curatedIssues();
    const kvm = move('debian11', vmwareVm(), 'kvm', { prepared: true });
    const ids = kvm.preflight.filter((p) => p.id.startsWith('issue:')).map((p) => p.id);
    expect(ids).toContain('issue:linux-virtio-initramfs');
    expect(ids).toContain('issue:linux-nic-rename');
    expect(ids).not.toContain('issue:windows-boot-storage-0x7b');
    expect(ids).not.toContain('issue:vmware-pvscsi-boot-driver');
    const back = move('debian11', kvmVm(), 'vmware', { prepared: true });
    expect(back.preflight.map((p) => p.id)).toContain('issue:vmware-pvscsi-boot-driver');
    const pv = must(
      issues.find((i) => i.key === 'vmware-pvscsi-boot-driver'),
      'the PVSCSI issue',
    );
    const guest = loadFacts('debian11', 'vmware').guest;
    const mapping = back.mapping.map((m) => ({ ...m, changed: false }));
    expect(issueApplies(pv, { from: 'kvm', to: 'vmware', guest, mapping, conditions: new Set() })).toBe(false);
  });
});

/** A KVM (libvirt) Linux VM on virtio. */
function kvmVm(): InspectedVm {
  return inspected({
    sourceFormat: 'libvirt',
    name: 'db',
    disks: [{ device: 'disk', bus: 'virtio', address: 'vda', path: '/vms/db/db.qcow2', format: 'qcow2' }],
    nics: [{ model: 'virtio', mac: '52:54:00:aa:bb:cc' }],
    platform: { domainType: 'kvm' },
  });
}

/** What a rendered plan says, as inspect reads a native configuration back (the fields a move keeps). */
function asInspected(plan: Plan, format: InspectedVm['sourceFormat']): InspectedVm {
  const disks = plan.devices.filter((d) => d.role === 'disk' || d.role === 'cdrom');
  return inspected({
    sourceFormat: format,
    name: plan.name,
    firmware: plan.firmware.type === 'uefi' ? 'uefi' : 'bios',
    secureBoot: plan.firmware.secureBoot,
    tpm: plan.tpm.present,
    cpus: plan.cpu.vcpus,
    memoryMiB: plan.memory.mib,
    disks: disks.map((d) => {
      const hba = d.controller ? plan.devices.find((x) => x.id === d.controller) : undefined;
      const bus = (d.bus === 'virtio' ? 'virtio' : d.bus) as InspectedVm['disks'][number]['bus'];
      return {
        device: d.role === 'cdrom' ? 'cdrom' : 'disk',
        bus,
        ...(bus === 'scsi' ? { controllerModel: hba?.model ?? d.model } : {}),
        path: d.disk?.source ?? null,
        format: d.disk?.format,
      };
    }),
    nics: plan.devices
      .filter((d) => d.role === 'nic')
      .map((d) => ({ model: d.bus === 'xen' ? 'netfront' : d.model, mac: d.nic?.mac ?? null })),
  });
}

describe('round trip', () => {
  it('VMware → Xen → VMware ends with an equivalent VM', () => {
    const vm = vmwareVm();
    const there = move('debian11', vm, 'xen', { prepared: true, boot: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img' } });
    expect(renderText(there.plan, 'xl')).toMatch(/vif = \[.*mac=00:50:56:01:02:03/);
    const back = move('debian11', asInspected(there.plan, 'xl'), 'vmware', { prepared: true });
    const a = vm;
    const b = asInspected(back.plan, 'vmx');
    expect(b.cpus).toBe(a.cpus);
    expect(b.memoryMiB).toBe(a.memoryMiB);
    expect(b.firmware).toBe(a.firmware);
    expect(b.nics.map((n) => [n.model, n.mac])).toEqual(a.nics.map((n) => [n.model, n.mac]));
    expect(b.disks.map((d) => [d.bus, d.controllerModel, d.path, d.format])).toEqual(
      a.disks.map((d) => [d.bus, d.controllerModel, d.path, d.format]),
    );
    // the way there and back are the conversions the pre-flight gave
    expect(item(there, 'conversion:disk0')?.argv?.slice(-2)).toEqual(['/vms/web01/web01.vmdk', '/vms/web01/web01.img']);
    expect(item(back, 'conversion:disk0')?.argv?.slice(-2)).toEqual(['/vms/web01/web01.img', '/vms/web01/web01.vmdk']);
  });
});

describe('round trip through the native files', () => {
  it('a .vmx read by inspect → xl.cfg → read back → .vmx → read back: the same VM', () => {
    const vmx = [
      'displayName = "web01"',
      'guestOS = "debian11-64"',
      'numvcpus = "2"',
      'memSize = "2048"',
      'scsi0.present = "TRUE"',
      'scsi0.virtualDev = "pvscsi"',
      'scsi0:0.present = "TRUE"',
      'scsi0:0.fileName = "/vms/web01/web01.vmdk"',
      'scsi0:1.present = "TRUE"',
      'scsi0:1.fileName = "/vms/web01/data.vmdk"',
      'ethernet0.present = "TRUE"',
      'ethernet0.virtualDev = "vmxnet3"',
      'ethernet0.addressType = "static"',
      'ethernet0.address = "00:50:56:01:02:03"',
      '',
    ].join('\n');
    const a = inspectText(vmx, 'vmx');
    expect(a.guest.id).toBe('debian11');
    const there = move('debian11', a, 'xen', { prepared: true, boot: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd.img' } });
    const xl = inspectText(renderText(there.plan, 'xl'), 'xl');
    expect(xl.disks.map((d) => [d.bus, d.path])).toEqual([
      ['xen', '/vms/web01/web01.img'],
      ['xen', '/vms/web01/data.img'],
    ]);
    const back = move('debian11', xl, 'vmware', { prepared: true });
    const b = inspectText(renderText(back.plan, 'vmx'), 'vmx');
    expect([b.cpus, b.memoryMiB, b.firmware, b.secureBoot, b.tpm]).toEqual([a.cpus, a.memoryMiB, a.firmware, a.secureBoot, a.tpm]);
    expect(b.nics.map((n) => [n.model, n.mac])).toEqual(a.nics.map((n) => [n.model, n.mac]));
    expect(b.disks.map((d) => [d.device, d.bus, d.controllerModel, d.path])).toEqual(
      a.disks.map((d) => [d.device, d.bus, d.controllerModel, d.path]),
    );
    expect(b.guest.id).toBe(a.guest.id);
  });
});

describe('every direction', () => {
  const sources: [string, InspectedVm][] = [
    ['vmware', vmwareVm()],
    ['kvm', kvmVm()],
    [
      'xen',
      inspected({
        sourceFormat: 'xl',
        disks: [{ device: 'disk', bus: 'xen', address: 'xvda', path: '/vms/x.img', format: 'raw' }],
        nics: [{ model: 'netfront', mac: '00:16:3e:00:00:01' }],
      }),
    ],
    [
      'hyperv',
      inspected({
        sourceFormat: 'libvirt',
        platform: { domainType: 'hyperv' },
        disks: [{ device: 'disk', bus: 'scsi', path: '/vms/h.vhdx', format: 'vhdx' }],
        nics: [{ model: 'netvsc', mac: '00:15:5d:00:00:01' }],
      }),
    ],
  ];
  for (const [from, vm] of sources)
    for (const to of HYPERVISOR_KEYS)
      it(`${from} → ${to}: a plan or a typed refusal, for Linux and Windows`, () => {
        for (const guest of ['debian11', 'win10']) {
          for (const prepared of [false, true]) {
            try {
              const m = move(guest, vm, to as HypervisorKey, { prepared });
              expect(m.plan.hypervisor.key).toBe(to);
              if (to === 'hyperv') expect(renderHypervPs(m.plan)).toMatch(/^New-VM /m);
            } catch (e) {
              if (!(e instanceof MoveError)) throw e;
              expect(e.message.length).toBeGreaterThan(20);
              if (guest === 'win10' && to === 'firecracker') expect(e.code).toBe('TARGET_CANNOT_HOST');
            }
          }
        }
      });
});

describe('Hyper-V PowerShell', () => {
  it('generation 2: New-VM, processor, memory, SCSI disks in order, static MACs, Secure Boot template, first boot device, vTPM', () => {
    const m = move('win11', vmwareVm({ firmware: 'uefi', secureBoot: true, tpm: true, memoryMiB: 4096 }), 'hyperv', { prepared: true });
    const ps = renderHypervPs(m.plan);
    const lines = ps.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toContain('New-VM -Name $vm -Generation 2 -MemoryStartupBytes 4096MB -NoVHD -Version 10.0 | Out-Null');
    expect(lines).toContain('Set-VMProcessor -VMName $vm -Count 2');
    expect(lines.filter((l) => l.includes('Add-VMHardDiskDrive'))).toEqual([
      "$disk0 = Add-VMHardDiskDrive -VMName $vm -ControllerType SCSI -ControllerNumber 0 -ControllerLocation 0 -Path '/vms/web01/web01.vhdx' -Passthru",
      "$disk1 = Add-VMHardDiskDrive -VMName $vm -ControllerType SCSI -ControllerNumber 0 -ControllerLocation 1 -Path '/vms/web01/data.vhdx' -Passthru",
    ]);
    expect(lines).toContain("$nic0 = Add-VMNetworkAdapter -VMName $vm -Name 'nic0' -StaticMacAddress '005056010203' -Passthru");
    expect(lines).toContain(
      "Set-VMFirmware -VMName $vm -EnableSecureBoot On -SecureBootTemplate 'MicrosoftWindows' -FirstBootDevice $disk0",
    );
    expect(lines.slice(-3, -1)).toEqual(['Set-VMKeyProtector -VMName $vm -NewLocalKeyProtector', 'Enable-VMTPM -VMName $vm']);
    expect(ps).toMatch(/# disk0: convert the image first: qemu-img convert -f vmdk -O vhdx/);
  });

  it('generation 1 (a BIOS VM): the boot disk on IDE 0:0, BIOS startup order', () => {
    const m = move('debian11', vmwareVm(), 'hyperv', { prepared: true });
    const ps = renderHypervPs(m.plan);
    expect(ps).toMatch(/-Generation 1 /);
    expect(ps).toContain(
      "$disk0 = Add-VMHardDiskDrive -VMName $vm -ControllerType IDE -ControllerNumber 0 -ControllerLocation 0 -Path '/vms/web01/web01.vhdx' -Passthru",
    );
    expect(ps).toContain("Set-VMBios -VMName $vm -StartupOrder @('IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy')");
  });

  it('plan --format hyperv-ps renders it; other plans are refused by name', () => {
    const m = move('debian11', vmwareVm(), 'hyperv', { prepared: true });
    expect(renderText(m.plan, 'hyperv-ps')).toMatch(/^#Requires -Modules Hyper-V$/m);
    const kvm = move('debian11', vmwareVm(), 'kvm', { prepared: true });
    expect(() => renderHypervPs(kvm.plan)).toThrow(/renders Hyper-V plans; this plan targets kvm/);
    expect(psMac('52:54:00:aa:bb:cc')).toBe('525400AABBCC');
  });
});
