import { compareVersions } from '../../facts.ts';
import { KVM_PV_QEMU_FLAG } from '../../flags.ts';
import { chooseDevice, guestSupport, type Slot, type Support } from '../../devices.ts';
import { PlanError, type PlannedDevice } from '../../plan.ts';
import { type Ctx, type FamilyPlan, because } from '../context.ts';
import { nicSpecs, diskSpecs, attachDisk, attachNic, byName } from '../attach.ts';
import { paravirtChoices } from '../paravirt.ts';
import { decideOtherTpm } from '../tpm.ts';
import { decideKvmCpu } from './cpu.ts';

/** Linux guests drive virtio devices over the virtio-mmio transport with the driver they use over PCI (Linux ≥ 3.2). */
function mmioRule(ctx: Ctx, what: string): Support | null {
  const { guest, label } = ctx;
  if (guest.family !== 'linux')
    return { ok: false, why: `virtio-mmio by rule is for Linux guests; ${label} is ${guest.family ?? 'of unknown family'}` };
  if (guest.kernel && compareVersions(guest.kernel, '3.2') < 0)
    return { ok: false, why: `the virtio-mmio transport needs Linux 3.2; ${label} ships ${guest.kernel}` };
  return {
    ok: true,
    source: 'RULE',
    driverName: null,
    fact: null,
    note: `Linux drives ${what} over the virtio-mmio transport with the driver it uses over PCI`,
  };
}

const MMIO_MODEL: Partial<Record<string, string>> = {
  NETWORK: 'virtio-net-device',
  STORAGE: 'virtio-blk-device',
  RNG: 'virtio-rng-device',
  BALLOON: 'virtio-balloon-device',
};

/** QEMU microvm: no PCI, no firmware to speak of, virtio-mmio devices, a kernel booted directly. */
export function decideKvmMicrovm(ctx: Ctx, vcpus: number, acceleration: FamilyPlan['acceleration']): FamilyPlan {
  const { guest, release, spec, label } = ctx;
  const records = [guest.id, release.id];
  if (!release.machineTypes.includes('microvm'))
    throw new PlanError(
      'SPEC_CONFLICT',
      'machine microvm',
      `${release.name} has no microvm machine (offers ${release.machineTypes.join(', ')})`,
      records,
    );
  if (!spec.boot)
    throw new PlanError('KERNEL_REQUIRED', 'boot.kernel', 'the microvm machine boots a kernel given in the spec (boot.kernel)', records);
  if (spec.firmware !== 'auto' && spec.firmware !== 'bios')
    throw new PlanError('NO_FIRMWARE', spec.firmware, 'microvm has no UEFI', records);
  const devices: PlannedDevice[] = [];
  const toMmio = (d: PlannedDevice) => {
    const model = MMIO_MODEL[d.class];
    if (!model)
      throw new PlanError(
        'NO_DEVICE_PATH',
        `${d.id}: a virtio-mmio ${d.class.toLowerCase()} device`,
        `${d.id}: QEMU has no virtio-mmio model for ${d.class}`,
        records,
      );
    d.because.reason = `${d.because.reason}; on microvm as ${model} (virtio-mmio)`;
    Object.assign(d, { model, bus: 'virtio-mmio', paravirtInterface: 'VIRTIO_1_0' as const });
    return d;
  };
  const slot = (role: PlannedDevice['role'], id: string, cls: 'STORAGE' | 'NETWORK' | 'RNG' | 'BALLOON', required: boolean): Slot => ({
    role,
    id,
    classes: [cls],
    emulatedOrder: [],
    prefer: 'paravirtual',
    required,
    allow: (rd) => rd.device.paravirtInterface.startsWith('VIRTIO') && rd.device.class === cls,
    supportVia: (rd) => (guestSupport(ctx.devctx, rd.device.id).ok ? mmioRule(ctx, rd.device.name) : null),
    busOf: () => 'virtio-mmio',
  });
  for (const [i, d] of diskSpecs(spec).entries()) {
    if (d.device === 'cdrom')
      throw new PlanError('SPEC_CONFLICT', `${d.name ?? `disk${i}`}: cdrom on microvm`, 'microvm has no CD-ROM', records);
    const { device } = chooseDevice(ctx.devctx, slot('disk', d.name ?? `disk${i}`, 'STORAGE', true));
    attachDisk(toMmio(device!), d, i, null);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, slot('nic', n.name ?? `net${i}`, 'NETWORK', true));
    attachNic(ctx, toMmio(device!), n, i, '52:54:00');
    devices.push(device!);
  }
  for (const [role, cls, toggle] of [
    ['rng', 'RNG', spec.rng],
    ['balloon', 'BALLOON', spec.balloon],
  ] as const) {
    if (toggle === 'none') continue;
    const { device, skipped } = chooseDevice(ctx.devctx, slot(role, `${role}0`, cls, false));
    if (device) {
      if (role === 'rng') device.options = { source: '/dev/urandom' };
      devices.push(toMmio(device));
    } else if (skipped) ctx.omitted.push({ id: `${role}0`, role, because: skipped });
  }
  devices.push({
    id: 'serial0',
    role: 'console',
    class: 'CONSOLE',
    path: 'builtin',
    model: 'isa-serial',
    deviceId: byName(release, 'isa-serial')?.device.id ?? null,
    paravirtInterface: 'NONE',
    bus: 'isa',
    driver: { source: 'RULE', name: '8250/16550 UART' },
    because: because("microvm's ISA serial port as the console", 'console.serial', [release.id]),
  });
  if (spec.display === 'spice' || spec.display === 'vnc')
    throw new PlanError('SPEC_CONFLICT', `display ${spec.display} on microvm`, 'microvm has no display device', records);
  const paravirt = paravirtChoices(ctx, 'KVM', (key) =>
    !KVM_PV_QEMU_FLAG[key]
      ? `${key} has no QEMU CPU flag this planner knows`
      : acceleration.mode !== 'kvm'
        ? `${key} needs KVM; this plan uses TCG`
        : null,
  );
  return {
    acceleration,
    backend: {
      key: acceleration.mode === 'kvm' ? 'kvm-microvm' : 'tcg-microvm',
      because: because(
        `the spec asks for microvm: a minimal machine without PCI for a kernel booted directly; ${label} uses virtio-mmio`,
        'backend.microvm',
        records,
      ),
    },
    machine: { type: 'microvm', versioned: null, because: because('the spec asks for microvm', 'machine.from-spec', records) },
    firmware: {
      type: 'bios',
      secureBoot: false,
      code: null,
      varsTemplate: null,
      descriptor: null,
      because: because(`direct kernel boot (${spec.boot.kernel}) through microvm's firmware`, 'firmware.direct-kernel-bios', records),
    },
    cpu: decideKvmCpu(ctx, acceleration.mode, vcpus),
    clock: { offset: 'utc', timers: [], because: because('kvm-clock when KVM is there; RTC in UTC', 'clock.microvm', records) },
    features: { acpi: true, apic: true, smm: false, vmport: null, because: because('ACPI and APIC', 'features.x86', records) },
    paravirt,
    tpm: decideOtherTpm(ctx, 'microvm has no TPM device'),
    graphics: { type: 'none', because: because('microvm has no display; serial console only', 'graphics.none', records) },
    devices,
    boot: { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null },
  };
}
