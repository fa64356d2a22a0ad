// decide() on facts built from osinfo-db (libosinfo) and the sourced hypervisor tables, for hosts
// from examples/hosts. No I/O in decide; these tests only read fixture files.
import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { FIXED_PROVENANCE, host, loadFacts } from '../../../test/fixtures/runtime/load.ts';
import { decide, guestArchOn, hostHasRequired } from './index.ts';
import type { HostProfile } from '../host.ts';
import type { Plan, PlanError } from '../plan.ts';
import { parseSpec, type VmSpecInput } from '../spec.ts';
import { at } from '../../util/must.ts';
import { renderXl } from '../render/xen.ts';

const KVM = host('kvm-x86_64');
const TCG = host('tcg-x86_64');

function plan(
  guest: string,
  hv: string,
  spec: VmSpecInput = {},
  h: HostProfile = KVM,
  records: unknown[] = [],
  migrationHosts: HostProfile[] = [],
): Plan {
  const r = decide({
    facts: loadFacts(guest, hv, records),
    provenance: FIXED_PROVENANCE,
    host: h,
    spec: parseSpec({ disks: [{ path: '/vm/root.img' }], ...spec }),
    migrationHosts,
  });
  if (!r.ok) assert.fail(`expected a plan for ${guest} on ${hv}: ${r.error.message}`);
  return r.plan;
}
function fail(guest: string, hv: string, spec: VmSpecInput = {}, h: HostProfile = KVM, records: unknown[] = []): PlanError {
  const r = decide({
    facts: loadFacts(guest, hv, records),
    provenance: FIXED_PROVENANCE,
    host: h,
    spec: parseSpec({ disks: [{ path: '/vm/root.img' }], ...spec }),
  });
  if (r.ok) assert.fail(`expected no plan for ${guest} on ${hv}`);
  return r.error;
}
const dev = (p: Plan, role: string) => p.devices.filter((d) => d.role === role);
const one = (p: Plan, role: string) => {
  const d = dev(p, role);
  assert.equal(d.length, 1, `one ${role} device`);
  return at(d, 0);
};
const enabled = (p: Plan) =>
  p.paravirt
    .filter((x) => x.enabled)
    .map((x) => x.key)
    .sort();

describe('decide: KVM x86_64', () => {
  it('modern Linux (debian11): q35, KVM, virtio 1.0 for disk, NIC, RNG, balloon, agent; host CPU; BIOS', () => {
    const p = plan('debian11', 'kvm');
    assert.equal(p.acceleration.mode, 'kvm');
    assert.equal(p.machine.type, 'q35');
    assert.equal(p.machine.versioned, 'pc-q35-7.2');
    assert.equal(p.hypervisor.version, '7.2', 'the release matching the host QEMU');
    assert.equal(p.firmware.type, 'bios');
    assert.equal(p.cpu.mode, 'host-passthrough');
    for (const role of ['disk', 'nic', 'rng', 'balloon', 'guest-agent']) {
      const d = one(p, role);
      assert.equal(d.path, 'paravirtual', role);
      assert.equal(d.paravirtInterface, 'VIRTIO_1_0', role);
      assert.equal(d.driver?.source, 'INBOX');
      assert.ok(d.because.records.includes('http://debian.org/debian/11'));
      assert.equal(d.because.rule, 'device.paravirtual-first');
    }
    assert.equal(one(p, 'disk').model, 'virtio-blk-pci-non-transitional');
    assert.equal(one(p, 'nic').model, 'virtio-net-pci-non-transitional');
    assert.equal(one(p, 'nic').bus, 'virtio');
    assert.equal(one(p, 'display').model, 'virtio-gpu-pci');
    assert.equal(one(p, 'usb').model, 'qemu-xhci', "osinfo's 1b36:0004 record counts for QEMU's 1b36:000d");
    assert.ok(enabled(p).includes('kvm-pv-eoi'));
    assert.ok(!p.paravirt.some((x) => x.key.startsWith('hv-')), 'no Hyper-V enlightenments for Linux');
    assert.equal(p.clock.offset, 'utc');
    assert.equal(p.tpm.present, false);
    assert.deepEqual(p.warnings, []);
  });

  it('RHEL 9 gets the same virtio 1.0 devices; the vmxnet3 the guest also drives is not preferred on KVM', () => {
    const p = plan('rhel9.0', 'kvm');
    assert.equal(one(p, 'nic').model, 'virtio-net-pci-non-transitional');
    assert.ok(one(p, 'nic').because.rejected === undefined || !one(p, 'nic').because.rejected!.some((r) => r.option === 'vmxnet3'));
  });

  it('legacy OS without virtio (winxp): pc, e1000, IDE, no RNG/balloon/agent, and says why', () => {
    const p = plan('winxp', 'kvm');
    assert.equal(p.machine.type, 'pc');
    assert.match(p.machine.because.reason, /no record that winxp drives the q35 chipset/);
    const disk = one(p, 'disk');
    assert.equal(disk.bus, 'ide');
    assert.equal(disk.path, 'emulated');
    assert.match(disk.because.reason, /PIIX3/);
    assert.deepEqual(
      disk.because.rejected?.map((r) => r.option),
      ['virtio-blk-pci-non-transitional', 'virtio-blk-pci-transitional'],
    );
    assert.match(at(disk.because.rejected ?? [], 0).why, /no record that winxp drives it/);
    assert.match(at(disk.because.rejected ?? [], 1).why, /add-on driver virtio-win/);
    const nic = one(p, 'nic');
    assert.equal(nic.model, 'e1000');
    assert.equal(nic.path, 'emulated');
    assert.deepEqual(dev(p, 'rng'), []);
    assert.deepEqual(p.omitted.map((o) => o.role).sort(), ['balloon', 'guest-agent', 'rng']);
    assert.equal(p.clock.offset, 'localtime');
    // Windows XP predates Hyper-V enlightenments: off, and the plan says virt-install would turn them on
    const hv = p.paravirt.filter((x) => x.family === 'HYPERV');
    assert.ok(hv.length > 0 && hv.every((x) => !x.enabled));
    assert.equal(hv.find((x) => x.key === 'hv-relaxed')!.because.differsFrom?.theirs, 'on');
  });

  it('old Linux with legacy virtio only (rhel6.0): pc (not q35) and transitional virtio devices', () => {
    const p = plan('rhel6.0', 'kvm');
    assert.equal(p.machine.type, 'pc');
    assert.match(p.machine.because.reason, /only legacy virtio/);
    assert.equal(one(p, 'disk').paravirtInterface, 'VIRTIO_TRANSITIONAL');
    assert.equal(one(p, 'nic').model, 'virtio-net-pci-transitional');
  });

  it('Windows 11: UEFI with Secure Boot and enrolled keys, SMM on q35, TPM 2.0 (CRB), Hyper-V enlightenments with dependencies', () => {
    const p = plan('win11', 'kvm', { memory: '4GiB' });
    assert.equal(p.machine.type, 'q35');
    assert.equal(p.firmware.type, 'uefi');
    assert.equal(p.firmware.secureBoot, true);
    assert.equal(p.firmware.code, '/usr/share/OVMF/OVMF_CODE_4M.ms.fd');
    assert.equal(p.firmware.varsTemplate, '/usr/share/OVMF/OVMF_VARS_4M.ms.fd');
    assert.equal(p.features.smm, true);
    assert.deepEqual([p.tpm.present, p.tpm.model, p.tpm.version, p.tpm.backend], [true, 'tpm-crb', '2.0', 'emulator']);
    assert.equal(p.tpm.because.rule, 'tpm.guest-requires');
    assert.ok(enabled(p).includes('hv-stimer') && enabled(p).includes('hv-synic') && enabled(p).includes('hv-vpindex'));
    assert.equal(p.paravirt.find((x) => x.key === 'hv-spinlocks')!.options?.retries, 8191);
    assert.ok(p.clock.timers.some((t) => t.name === 'hypervclock'));
    assert.equal(p.clock.offset, 'localtime');
    assert.equal(one(p, 'disk').bus, 'sata');
    assert.equal(one(p, 'nic').model, 'e1000e');
    assert.equal(p.cpu.vcpus, 4, "twice the 2-vCPU minimum, virt-install's rule");
  });

  it('Windows 11 on a host whose KVM refuses VP_INDEX gets only the basic enlightenments; hv-stimer falls with its dependencies', () => {
    const h: HostProfile = { ...KVM, kvm: { ...KVM.kvm, hyperv: 'basic' } };
    const p = plan('win11', 'kvm', { memory: '4GiB' }, h);
    assert.deepEqual(enabled(p), ['hv-relaxed', 'hv-spinlocks', 'hv-time', 'hv-vapic']);
    const stimer = p.paravirt.find((x) => x.key === 'hv-stimer')!;
    assert.equal(stimer.enabled, false);
    assert.match(stimer.because.reason, /refuses hv-stimer|needs hv-time, hv-synic|needs hv-synic/);
  });

  it('Windows 10 without add-on drivers: e1000e and SATA (what virt-install picks); with virtio-win declared: virtio, and the plan says why it differs', () => {
    const plain = plan('win10', 'kvm');
    assert.equal(one(plain, 'nic').model, 'e1000e');
    assert.equal(one(plain, 'disk').bus, 'sata');
    assert.equal(one(plain, 'nic').because.differsFrom, undefined);
    assert.equal(plain.firmware.type, 'bios');
    assert.equal(plain.tpm.present, false);
    const addon = plan('win10', 'kvm', { drivers: { addon: true } });
    const nic = one(addon, 'nic');
    assert.equal(nic.path, 'paravirtual');
    assert.deepEqual(nic.driver, { source: 'ADDON', name: 'virtio-win' });
    assert.equal(nic.because.differsFrom?.theirs, 'e1000e');
    assert.equal(one(addon, 'disk').because.differsFrom?.theirs, 'sata');
    assert.equal(one(addon, 'balloon').driver?.source, 'ADDON');
  });

  it('no hardware virtualization: TCG, naming the missing feature; max CPU; TCG-safe enlightenments only', () => {
    const p = plan('debian11', 'kvm', {}, TCG);
    assert.equal(p.acceleration.mode, 'tcg');
    assert.match(p.acceleration.because.reason, /lacks vmx/);
    assert.match(p.acceleration.because.reason, /\/dev\/kvm does not exist/);
    assert.equal(p.cpu.mode, 'max');
    assert.ok(p.paravirt.filter((x) => x.family === 'KVM').every((x) => !x.enabled));
    assert.equal(one(p, 'disk').paravirtInterface, 'VIRTIO_1_0', 'paravirtual devices do not need KVM');
    const w = plan('win11', 'kvm', { memory: '4GiB' }, TCG);
    assert.deepEqual(enabled(w), ['hv-relaxed', 'hv-spinlocks', 'hv-time', 'hv-vapic']);
    const e = fail('debian11', 'kvm', { constraints: { requireHardwareAcceleration: true } }, TCG);
    assert.equal(e.code, 'ACCELERATION_UNAVAILABLE');
    assert.match(e.requirement, /vmx/);
  });

  it('KVM usable although cpuinfo hides vmx/svm (nested): KVM, with a warning; -cpu host flags the probe had to switch off', () => {
    const nested: HostProfile = {
      ...KVM,
      cpu: { ...KVM.cpu, vendor: 'AuthenticAMD', flags: KVM.cpu.flags.filter((f) => !['vmx', 'svm', 'ept', 'npt'].includes(f)) },
      kvm: { ...KVM.kvm, hostCpuFlagsOff: ['arch-capabilities'], hyperv: 'none' },
    };
    const p = plan('debian11', 'kvm', {}, nested);
    assert.equal(p.acceleration.mode, 'kvm');
    assert.ok(p.warnings.some((w) => /lacks svm yet KVM works/.test(w)));
    assert.deepEqual(p.cpu.disabledFeatures, ['arch-capabilities']);
    const w = plan('win11', 'kvm', { memory: '4GiB' }, nested);
    assert.deepEqual(enabled(w), []);
    assert.ok(w.warnings.some((x) => /Hyper-V enlightenments are off/.test(x)));
  });

  it('host requirements that are alternatives (anyOf vmx|svm) are met by either', () => {
    const rel = at(loadFacts('debian11', 'kvm').hypervisor.releases, 1);
    assert.deepEqual(hostHasRequired(rel, KVM).missing, []);
    assert.deepEqual(hostHasRequired(rel, TCG).missing, ['vmx']);
    const amd: HostProfile = { ...TCG, cpu: { ...TCG.cpu, vendor: 'AuthenticAMD' } };
    assert.deepEqual(hostHasRequired(rel, amd).missing, ['svm']);
  });

  it('resources below the guest minimum: a typed error naming the numbers; allowed with a warning', () => {
    const e = fail('win11', 'kvm', { memory: '2GiB', vcpus: 1 });
    assert.equal(e.code, 'RESOURCES_BELOW_MINIMUM');
    assert.match(e.message, /win11 needs 2 vCPUs, the VM spec gives 1/);
    assert.match(e.message, /win11 needs 4 GiB of RAM, the VM spec gives 2 GiB/);
    const p = plan('win11', 'kvm', { memory: '2GiB', vcpus: 1, constraints: { allowBelowMinimum: true } });
    assert.ok(p.warnings.some((w) => /needs 4 GiB of RAM/.test(w)));
    const big = fail('debian11', 'kvm', { vcpus: 1000 });
    assert.equal(big.code, 'RESOURCES_ABOVE_MAXIMUM');
    assert.match(big.message, /at most 288 vCPUs, the VM spec asks for 1000/);
  });

  it('an explicit BIOS request for a UEFI-only guest fails, naming the record', () => {
    const e = fail('win11', 'kvm', { memory: '4GiB', firmware: 'bios' });
    assert.equal(e.code, 'NO_FIRMWARE');
    assert.match(e.message, /bios supported=false/);
  });

  it('a TPM-requiring guest on a host without swtpm: no plan', () => {
    const e = fail('win11', 'kvm', { memory: '4GiB' }, { ...KVM, swtpm: null });
    assert.equal(e.code, 'TPM_UNAVAILABLE');
    assert.match(e.message, /no swtpm/);
  });

  it('no emulated devices: fine for debian11, no plan for winxp naming the device class', () => {
    const p = plan('debian11', 'kvm', { constraints: { noEmulatedDevices: true }, display: 'none', usb: 'none' });
    assert.ok(p.devices.filter((d) => d.role !== 'console').every((d) => d.path === 'paravirtual'));
    const e = fail('winxp', 'kvm', { constraints: { noEmulatedDevices: true } });
    assert.equal(e.code, 'NO_DEVICE_PATH');
    assert.match(e.requirement, /disk0: a storage\/storage_controller device .*paravirtual, by constraint noEmulatedDevices/);
  });

  it('NIC passthrough: an SR-IOV VF bound to vfio-pci on the KVM host; falls back with a warning on a host without IOMMU; typed error when required', () => {
    const nics = [{ prefer: 'passthrough' as const, passthrough: { host: '0000:3b:00.0', vf: true } }];
    const p = plan('debian11', 'kvm', { nics });
    const n = one(p, 'nic');
    assert.equal(n.path, 'passthrough');
    assert.deepEqual(n.passthrough, { hostAddress: '0000:3b:02.0', vf: true, iommuGroup: 90, physfn: '0000:3b:00.0' });
    assert.equal(n.because.rule, 'device.passthrough-sriov-vf');
    const t = plan('debian11', 'kvm', { nics }, TCG);
    assert.equal(one(t, 'nic').path, 'paravirtual');
    assert.ok(t.warnings.some((w) => /no IOMMU groups/.test(w)));
    const e = fail(
      'debian11',
      'kvm',
      { nics: [{ prefer: 'passthrough', passthrough: { host: '0000:3b:00.0', vf: true, required: true } }] },
      TCG,
    );
    assert.equal(e.code, 'PASSTHROUGH_UNAVAILABLE');
    // asked for but not preferred: used only when nothing virtual fits
    const auto = plan('debian11', 'kvm', { nics: [{ passthrough: { host: '0000:5e:00.0' } }] });
    assert.equal(one(auto, 'nic').path, 'paravirtual');
  });

  it('live migration across hosts: a named CPU baseline every host runs, versioned machine, no assigned devices', () => {
    const older: HostProfile = {
      ...KVM,
      name: 'older-host',
      cpu: { ...KVM.cpu, flags: KVM.cpu.flags.filter((f) => !f.startsWith('avx512') && f !== 'clwb' && f !== 'pku') },
    };
    const p = plan('debian11', 'kvm', {}, KVM, [], [older]);
    assert.equal(p.cpu.mode, 'named');
    assert.equal(p.cpu.model, 'Skylake-Client-noTSX-IBRS');
    assert.ok(p.cpu.because.rejected?.some((r) => r.option === 'Skylake-Server-noTSX-IBRS' && /older-host lacks avx512f/.test(r.why)));
    assert.deepEqual(p.migration?.hosts, ['kvm-x86_64', 'older-host']);
    assert.match(p.machine.because.reason, /pinned to pc-q35-7.2/);
    const pt = plan('debian11', 'kvm', { nics: [{ prefer: 'passthrough', passthrough: { host: '0000:5e:00.0' } }] }, KVM, [], [older]);
    assert.equal(one(pt, 'nic').path, 'paravirtual');
    assert.ok(pt.warnings.some((w) => /blocks live migration/.test(w)));
  });

  it('compatibility records: a BROKEN combination stops the plan; a BROKEN device is passed over; good records are cited', () => {
    const rel = 'http://virtcompat.org/hypervisor/kvm/qemu-7.2';
    const broken = [
      {
        id: 'rec-broken',
        status: 'BROKEN',
        hypervisorRelease: { id: rel },
        device: null,
        hostFeature: null,
        backend: null,
        testedDevices: [],
        evidence: { url: 'https://example.org/bug' },
      },
    ];
    const e = fail('debian11', 'kvm', {}, KVM, broken);
    assert.equal(e.code, 'COMBINATION_UNSUPPORTED');
    assert.deepEqual(e.records.slice(0, 1), ['rec-broken']);
    const dev1 = [
      {
        id: 'rec-nic',
        status: 'BROKEN',
        hypervisorRelease: { id: rel },
        device: { id: 'http://pcisig.com/pci/1af4/1041' },
        testedDevices: [],
      },
    ];
    const p = plan('debian11', 'kvm', {}, KVM, dev1);
    assert.equal(one(p, 'nic').model, 'virtio-net-pci-transitional');
    assert.ok(one(p, 'nic').because.rejected?.some((r) => /record rec-nic/.test(r.why)));
    const ok = [
      {
        id: 'rec-ok',
        status: 'CERTIFIED',
        hypervisorRelease: { id: rel },
        backend: 'kvm',
        testedDevices: [{ id: 'http://pcisig.com/pci/1af4/1041' }],
      },
    ];
    const c = plan('debian11', 'kvm', {}, KVM, ok);
    assert.ok(c.backend.because.records.includes('rec-ok'));
    assert.match(c.backend.because.reason, /rec-ok \(CERTIFIED, kvm\)/);
  });

  it('microvm when asked: virtio-mmio devices for Linux, a kernel required', () => {
    const p = plan('debian11', 'kvm', { machine: 'microvm', boot: { kernel: '/k' }, display: 'none' });
    assert.equal(p.machine.type, 'microvm');
    assert.deepEqual([one(p, 'disk').model, one(p, 'disk').bus], ['virtio-blk-device', 'virtio-mmio']);
    assert.equal(one(p, 'nic').model, 'virtio-net-device');
    assert.equal(dev(p, 'usb').length, 0);
    assert.equal(fail('debian11', 'kvm', { machine: 'microvm' }).code, 'KERNEL_REQUIRED');
    assert.equal(fail('win11', 'kvm', { machine: 'microvm', memory: '4GiB', boot: { kernel: '/k' }, tpm: 'none' }).code, 'NO_DEVICE_PATH');
  });

  it("a model the host's QEMU binary lacks is passed over, saying so", () => {
    const h: HostProfile = {
      ...KVM,
      qemu: { ...KVM.qemu!, devices: KVM.qemu!.devices.filter((d) => d !== 'virtio-net-pci-non-transitional') },
    };
    const nic = one(plan('debian11', 'kvm', {}, h), 'nic');
    assert.equal(nic.model, 'virtio-net-pci-transitional');
    assert.ok(
      nic.because.rejected?.some((r) => r.option === 'virtio-net-pci-non-transitional' && /host's QEMU does not offer it/.test(r.why)),
    );
  });

  it('is deterministic', () => {
    assert.deepEqual(plan('win11', 'kvm', { memory: '4GiB' }), plan('win11', 'kvm', { memory: '4GiB' }));
  });
});

describe('decide: other hypervisors', () => {
  it('Xen: PVH for a modern Linux, HVM with PV drivers for rhel6, fully emulated HVM for winxp, PV only without hardware virtualization', () => {
    const pvh = plan('debian11', 'xen');
    assert.equal(pvh.backend.key, 'xen-pvh');
    assert.equal(one(pvh, 'disk').bus, 'xen');
    assert.equal(one(pvh, 'nic').model, 'vif');
    const hvm = plan('rhel6.0', 'xen');
    assert.equal(hvm.backend.key, 'xen-hvm-pv-drivers');
    assert.ok(hvm.backend.because.rejected?.some((r) => r.option === 'PVH'));
    assert.equal(one(hvm, 'display').deviceId, 'http://pcisig.com/pci/1234/1111');
    const emu = plan('winxp', 'xen');
    assert.equal(emu.backend.key, 'xen-hvm');
    assert.equal(one(emu, 'nic').model, 'e1000');
    const virtio = plan('rhel9.0', 'xen');
    assert.equal(virtio.backend.key, 'xen-hvm');
    assert.equal(
      one(virtio, 'nic').deviceId,
      'http://pcisig.com/pci/1af4/1000',
      "the device model's virtio-net for a guest without netfront",
    );
    const pv = plan('rhel6.0', 'xen', {}, TCG);
    assert.equal(pv.backend.key, 'xen-pv');
    assert.equal(pv.acceleration.mode, 'paravirtual-only');
    const e = fail('winxp', 'xen', {}, TCG);
    assert.equal(e.code, 'NO_BACKEND');
  });

  it('VMware: vmxnet3 and PVSCSI for Linux, e1000e and SATA for Windows 11 without VMware Tools, vTPM with EFI', () => {
    const l = plan('debian11', 'vmware');
    assert.equal(l.backend.key, 'vmware-vhw-20');
    assert.equal(one(l, 'nic').model, 'vmxnet3');
    assert.equal(one(l, 'disk').model, 'pvscsi');
    const w = plan('win11', 'vmware', { memory: '4GiB' });
    assert.equal(one(w, 'nic').model, 'e1000e');
    assert.equal(one(w, 'disk').bus, 'sata');
    assert.deepEqual([w.firmware.type, w.firmware.secureBoot, w.tpm.model], ['uefi', true, 'vtpm']);
    assert.equal(one(plan('win11', 'vmware', { memory: '4GiB', drivers: { addon: true } }), 'nic').model, 'vmxnet3');
    assert.equal(fail('debian11', 'vmware', {}, TCG).code, 'ACCELERATION_UNAVAILABLE');
  });

  it('Hyper-V: generation 2 with the right Secure Boot template and synthetic devices; no plan for a guest without VMBus drivers', () => {
    const w = plan('win11', 'hyperv', { memory: '4GiB' });
    assert.equal(w.backend.key, 'hyperv-gen2');
    assert.equal(w.firmware.template, 'MicrosoftWindows');
    assert.equal(one(w, 'nic').bus, 'vmbus');
    const l = plan('debian11', 'hyperv');
    assert.equal(l.firmware.template, 'MicrosoftUEFICertificateAuthority');
    const e = fail('rhel6.0', 'hyperv');
    assert.equal(e.code, 'NO_DEVICE_PATH');
  });

  it('Cloud Hypervisor: virtio 1.0 only, needs KVM', () => {
    const p = plan('debian11', 'cloud-hypervisor', { boot: { kernel: '/boot/vmlinuz' } });
    assert.ok(p.devices.filter((d) => d.role !== 'console').every((d) => d.paravirtInterface === 'VIRTIO_1_0'));
    assert.equal(p.firmware.type, 'direct-kernel');
    assert.equal(fail('rhel6.0', 'cloud-hypervisor', { boot: { kernel: '/k' } }).code, 'NO_DEVICE_PATH');
    assert.equal(fail('rhel6.0', 'cloud-hypervisor').code, 'NO_FIRMWARE');
    const e = fail('debian11', 'cloud-hypervisor', {}, TCG);
    assert.equal(e.code, 'ACCELERATION_UNAVAILABLE');
    assert.match(e.message, /runs only with KVM/);
  });

  it('Firecracker: a kernel (default vmlinux beside the root image, to provide); virtio-mmio by rule for Linux ≥ 3.2 only', () => {
    const dflt = plan('debian11', 'firecracker', { disks: [{ path: '/srv/fc/rootfs.ext4' }], nics: [{ backend: 'tap', tap: 'tap0' }] });
    assert.equal(dflt.boot?.kernel, '/srv/fc/vmlinux');
    assert.match(dflt.boot?.toProvide ?? '', /uncompressed Linux kernel/);
    assert.equal(fail('win11', 'firecracker', { boot: { kernel: '/k' } }).code, 'NO_BACKEND');
    const p = plan('debian11', 'firecracker', { boot: { kernel: '/k' }, nics: [{ backend: 'tap', tap: 'tap0' }] });
    assert.equal(one(p, 'disk').bus, 'virtio-mmio');
    assert.equal(one(p, 'disk').because.rule, 'device.paravirtual-by-rule');
    const old = fail('rhel6.0', 'firecracker', { boot: { kernel: '/k' } });
    assert.equal(old.code, 'NO_DEVICE_PATH');
    assert.match(old.message, /virtio-mmio transport needs Linux 3.2/);
  });
});

describe('decide: what virt-install would choose', () => {
  it('a 32-bit x86 guest plans on an x86_64 VM; an aarch64-only guest does not', () => {
    assert.equal(guestArchOn(['i686'], 'x86_64'), 'i686');
    assert.equal(guestArchOn(['i686', 'x86_64'], 'x86_64'), 'x86_64');
    assert.equal(guestArchOn(['x86_64'], 'i686'), null);
    assert.equal(guestArchOn(['aarch64'], 'x86_64'), null);
    assert.equal(guestArchOn([], 'x86_64'), 'x86_64');
    const facts = loadFacts('winxp', 'kvm');
    facts.guest.architectures = ['i686'];
    facts.guest.resources = facts.guest.resources.map((r) => ({ ...r, arch: r.arch === 'all' ? 'all' : 'i686' }));
    const r = decide({ facts, provenance: FIXED_PROVENANCE, host: KVM, spec: parseSpec({ disks: [{ path: '/vm/a.img' }] }) });
    if (!r.ok) assert.fail(r.error.message);
    assert.equal(r.plan.arch, 'x86_64');
    assert.ok(r.plan.warnings.some((w) => w.includes('i686 guest')));
  });

  it('with SPICE the display is qxl-vga, which a guest without a qxl driver drives as VGA (as virt-install picks)', () => {
    const p = plan('rhel6.0', 'kvm');
    assert.equal(p.graphics.type, 'spice');
    const v = one(p, 'display');
    assert.equal(v.model, 'qxl-vga');
    assert.equal(v.because.rule, 'display.qxl-vga-compatible');
    assert.equal(v.because.differsFrom, undefined);
    // VNC: no qxl
    assert.equal(one(plan('rhel6.0', 'kvm', { display: 'vnc' }), 'display').model, 'VGA');
    // the catalogue files qxl as a paravirtual device (seed/curated/devices.yaml): still the display, not passed over
    const facts = loadFacts('rhel6.0', 'kvm');
    for (const r of facts.hypervisor.releases)
      r.devices = r.devices.map((d) => (d.model === 'qxl-vga' ? { ...d, device: { ...d.device, kind: 'PARAVIRTUAL' as const } } : d));
    const r = decide({ facts, provenance: FIXED_PROVENANCE, host: KVM, spec: parseSpec({ disks: [{ path: '/vm/a.img' }] }) });
    if (!r.ok) assert.fail(r.error.message);
    assert.equal(one(r.plan, 'display').model, 'qxl-vga');
  });

  it("a record osinfo-db lacks (curated source) makes a choice differ from virt-install's, and says so", () => {
    const facts = loadFacts('debian11', 'kvm');
    // debian11's balloon record as if only the curated seed held it: virt-install (osinfo-db only) adds none
    facts.guest.devices = facts.guest.devices.map((d) =>
      /1af4\/(1002|1045)$/.test(d.device.id) ? { ...d, source: 'curated' } : { ...d, source: 'osinfo-db' },
    );
    const r = decide({ facts, provenance: FIXED_PROVENANCE, host: KVM, spec: parseSpec({ disks: [{ path: '/vm/a.img' }] }) });
    if (!r.ok) assert.fail(r.error.message);
    const balloon = one(r.plan, 'balloon');
    assert.equal(balloon.because.differsFrom?.theirs, 'none');
    assert.match(
      balloon.because.differsFrom?.why ?? '',
      /curated record says debian11 drives .*osinfo-db, which virt-install reads, has no such record/,
    );
    // the NIC rests on osinfo-db's own record: no difference
    assert.equal(one(r.plan, 'nic').because.differsFrom, undefined);
  });
});

describe('decide: Xen modes and Windows', () => {
  it('a Windows HVM guest gets viridian; win10 has add-on Xen PV drivers, used when the spec declares them', () => {
    const w = plan('win10', 'xen');
    assert.equal(w.backend.key, 'xen-hvm');
    assert.match(w.backend.because.reason, /no inbox Xen PV drivers .*xenproject\.org\/windows-pv-drivers/);
    assert.doesNotMatch(w.backend.because.reason, /no Xen PV support/);
    assert.deepEqual(
      enabled(w)
        .filter((k) => ['hv-relaxed', 'hv-vapic', 'hv-time'].includes(k))
        .sort(),
      ['hv-relaxed', 'hv-time', 'hv-vapic'],
    );
    assert.match(renderXl(w), /^viridian = \[ "base", /m);
    const a = plan('win10', 'xen', { drivers: { addon: true } });
    assert.equal(a.backend.key, 'xen-hvm-pv-drivers');
    assert.equal(one(a, 'disk').driver?.source, 'ADDON');
    assert.equal(one(a, 'nic').model, 'vif');
    // with no record of them in the catalogue (osinfo-db has none), by rule: the Xen Project's drivers
    const bare = loadFacts('win10', 'xen');
    bare.guest.devices = bare.guest.devices.filter((d) => !d.device.id.startsWith('http://xen.org/'));
    bare.guest.paravirt = bare.guest.paravirt.filter((p) => p.feature.family !== 'XEN');
    const b = decide({
      facts: bare,
      provenance: FIXED_PROVENANCE,
      host: KVM,
      spec: parseSpec({ disks: [{ path: '/vm/a.img' }], drivers: { addon: true } }),
    });
    if (!b.ok) assert.fail(b.error.message);
    assert.equal(b.plan.backend.key, 'xen-hvm-pv-drivers');
    assert.deepEqual(one(b.plan, 'disk').driver, { source: 'ADDON', name: 'xenvbd' });
    assert.deepEqual(one(b.plan, 'nic').driver, { source: 'ADDON', name: 'xennet' });
    // a Windows guest with no Hyper-V records: Xen's own advice (viridian for Vista / 2008 onwards), not nothing
    const facts = loadFacts('win10', 'xen');
    facts.guest.paravirt = facts.guest.paravirt.filter((p) => p.feature.family !== 'HYPERV');
    const r = decide({ facts, provenance: FIXED_PROVENANCE, host: KVM, spec: parseSpec({ disks: [{ path: '/vm/a.img' }] }) });
    if (!r.ok) assert.fail(r.error.message);
    assert.match(renderXl(r.plan), /^viridian = \[ "base", "freq", "time_ref_count", "apic_assist" \]$/m);
    // pre-Vista Windows: no viridian
    assert.doesNotMatch(renderXl(plan('winxp', 'xen')), /viridian/);
  });

  it('a classic PV guest without front-end records plans PV (its kernel boots from blkfront/netfront), with no VT-x', () => {
    const facts = loadFacts('rhel6.0', 'xen');
    facts.guest.devices = facts.guest.devices.filter((d) => !d.device.id.startsWith('http://xen.org/'));
    const r = decide({ facts, provenance: FIXED_PROVENANCE, host: TCG, spec: parseSpec({ disks: [{ path: '/vm/a.img' }] }) });
    if (!r.ok) assert.fail(r.error.message);
    assert.equal(r.plan.backend.key, 'xen-pv');
    assert.equal(r.plan.acceleration.mode, 'paravirtual-only');
    assert.equal(one(r.plan, 'disk').bus, 'xen');
    assert.equal(one(r.plan, 'disk').driver?.name, 'xen-blkfront');
    assert.equal(one(r.plan, 'nic').driver?.name, 'xen-netfront');
    // HVM (and PVH) need VT-x/AMD-V; PV does not: the same guest on a VT-x host runs HVM with PV drivers only if it has them
    assert.match(r.plan.backend.because.reason, /lacks vmx.*HVM and PVH need hardware virtualization/);
  });

  it('an HVM guest with no NIC record gets the device model default NIC rather than no plan', () => {
    const facts = loadFacts('winxp', 'xen');
    facts.guest.devices = facts.guest.devices.filter((d) => d.device.class !== 'NETWORK');
    const r = decide({ facts, provenance: FIXED_PROVENANCE, host: KVM, spec: parseSpec({ disks: [{ path: '/vm/a.img' }] }) });
    if (!r.ok) assert.fail(r.error.message);
    assert.equal(one(r.plan, 'nic').because.rule, 'nic.xen-default');
    assert.equal(one(r.plan, 'nic').deviceId, 'http://pcisig.com/pci/10ec/8139');
  });
});
