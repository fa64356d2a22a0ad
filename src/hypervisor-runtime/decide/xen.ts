// The Xen (xl) planner: PVH, HVM with PV drivers, PV or plain HVM, in that order, by what guest and host allow.
import type { ReleaseDeviceFact } from '../facts.ts';
import { chooseDevice, guestSupport, matchesKey } from '../devices.ts';
import { PlanError, type Acceleration, type FirmwareChoice, type ParavirtChoice, type PlannedDevice } from '../plan.ts';
import { type Ctx, type FamilyPlan, type FamilyPlanner, because } from './context.ts';
import { guestFirmware, firmwareWish } from './firmware.ts';
import { hostHasRequired, hwVirtRecords } from './acceleration.ts';
import { nicSpecs, diskSpecs, attachDisk, attachNic } from './attach.ts';
import { paravirtChoices } from './paravirt.ts';
import { decideGraphics } from './graphics.ts';
import { decideOtherTpm } from './tpm.ts';

function decideXen(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  const { missing } = hostHasRequired(ctx.release, ctx.host);
  const hw = missing.length === 0 && ['vmx', 'svm'].some((f) => host.cpu.flags.includes(f));
  const supports = (k: string) =>
    ctx.guest.paravirt.some((p) => p.feature.key === k && p.supported) && release.paravirt.some((p) => p.feature.key === k && p.supported);
  const pvDrivers =
    supports('xen-hvm-pv-drivers') || ['http://xen.org/xen/vif', 'http://xen.org/xen/vbd'].some((id) => guestSupport(ctx.devctx, id).ok);
  const rejected: { option: string; why: string }[] = [];
  let backend: 'xen-pvh' | 'xen-hvm-pv-drivers' | 'xen-pv' | 'xen-hvm';
  const hwWhy = hw ? '' : `host ${host.name} lacks ${missing.join('/') || 'vmx/svm'} (HVM and PVH need hardware virtualization)`;
  if (hw && supports('xen-pvh') && (spec.boot || guestFirmware(ctx).biosSupported !== false)) backend = 'xen-pvh';
  else {
    if (!supports('xen-pvh')) rejected.push({ option: 'PVH', why: `no record that ${label} boots as a PVH guest` });
    else if (!hw) rejected.push({ option: 'PVH', why: hwWhy });
    if (hw && pvDrivers) backend = 'xen-hvm-pv-drivers';
    else {
      if (!pvDrivers)
        rejected.push({
          option: 'HVM with PV drivers',
          why: `${label} has no Xen PV front-end drivers${ctx.spec.drivers.addon ? '' : ' (or they are add-ons the spec does not declare)'}`,
        });
      else rejected.push({ option: 'HVM with PV drivers', why: hwWhy });
      if (supports('xen-pv')) backend = 'xen-pv';
      else if (hw) backend = 'xen-hvm';
      else {
        rejected.push({ option: 'PV', why: `no record that ${label} runs as a Xen PV guest` });
        throw new PlanError(
          'NO_BACKEND',
          `a Xen mode ${label} supports on this host`,
          `no Xen mode fits: ${rejected.map((r) => `${r.option}: ${r.why}`).join('; ')}`,
          records,
        );
      }
    }
  }
  const backendReason: Record<typeof backend, string> = {
    'xen-pvh': `${label} boots as a PVH guest: hardware virtualization for the CPU and memory, PV drivers for I/O, no device model`,
    'xen-hvm-pv-drivers': `${label} runs as HVM with its Xen PV front-ends for disks and NICs`,
    'xen-pv': `${label} runs as a PV guest${hw ? '' : `; ${hwWhy}`}`,
    'xen-hvm': `${label} has no Xen PV support: fully emulated HVM`,
  };
  const acceleration = {
    mode: (hw ? 'hardware' : 'paravirtual-only') as Acceleration,
    because: because(
      hw ? `${host.name} has ${['vmx', 'svm'].filter((f) => host.cpu.flags.includes(f)).join('')}` : hwWhy,
      hw ? 'acceleration.hardware' : 'acceleration.pv-only',
      [release.id, ...hwVirtRecords(ctx)],
    ),
  };
  const pvMode = backend === 'xen-pvh' || backend === 'xen-pv';
  const machineType = backend === 'xen-pvh' ? 'pvh' : backend === 'xen-pv' ? 'pv' : 'hvm';

  // firmware
  let firmware: FirmwareChoice;
  if (pvMode) {
    if (spec.firmware !== 'auto' && spec.firmware !== 'bios')
      throw new PlanError(
        'NO_FIRMWARE',
        spec.firmware,
        `${machineType.toUpperCase()} guests boot a kernel or pvgrub, not ${spec.firmware}`,
        records,
      );
    firmware = spec.boot
      ? {
          type: 'direct-kernel',
          secureBoot: false,
          code: null,
          varsTemplate: null,
          descriptor: null,
          because: because(
            `${machineType.toUpperCase()} boots the kernel ${spec.boot.kernel} directly`,
            'firmware.xen-direct-kernel',
            records,
          ),
        }
      : {
          type: 'direct-kernel',
          secureBoot: false,
          code: backend === 'xen-pvh' ? '/usr/lib/grub-xen/grub-i386-xen_pvh.bin' : '/usr/lib/grub-xen/grub-x86_64-xen.bin',
          varsTemplate: null,
          descriptor: null,
          because: because(
            `${machineType.toUpperCase()} guests boot through pvgrub (Debian grub-xen-bin), which reads the guest's own GRUB configuration`,
            'firmware.xen-pvgrub',
            records,
          ),
        };
  } else {
    const w = firmwareWish(ctx, true);
    firmware = {
      type: w.wish === 'bios' ? 'bios' : 'uefi',
      secureBoot: false,
      code: w.wish === 'bios' ? null : 'ovmf',
      varsTemplate: null,
      descriptor: null,
      because: w.because,
    };
    if (w.wish === 'uefi-secure-boot')
      throw new PlanError(
        'NO_FIRMWARE',
        'UEFI Secure Boot',
        `xl's OVMF has no Secure Boot key enrolment; ${label} needs Secure Boot`,
        records,
      );
  }

  // devices
  const devices: PlannedDevice[] = [];
  const allow = (rd: ReleaseDeviceFact) => (pvMode ? rd.device.bus === 'xen' : true);
  const xenBus = (rd: ReleaseDeviceFact) =>
    rd.device.bus === 'xen' ? 'xen' : matchesKey(rd, 'ide') ? 'ide' : matchesKey(rd, 'ahci') ? 'sata' : 'pci';
  let boot = 1;
  for (const [i, d] of diskSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      role: d.device === 'cdrom' ? 'cdrom' : 'disk',
      id: d.name ?? `${d.device === 'cdrom' ? 'cdrom' : 'disk'}${i}`,
      classes: ['STORAGE', 'STORAGE_CONTROLLER'],
      allow,
      emulatedOrder: ['ide'],
      ruleSupported: (rd) =>
        matchesKey(rd, 'ide')
          ? { rule: 'storage.chipset-controller', reason: 'IDE emulated by the Xen device model (PIIX3), which every x86 guest drives' }
          : null,
      prefer: d.prefer === 'passthrough' ? 'auto' : d.prefer,
      required: true,
      busOf: xenBus,
    });
    attachDisk(device!, d, i, d.boot === false ? null : boot++);
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      // HVM: the device model's NICs; its virtio-net counts as emulated here (Xen's own PV NIC is vif)
      role: 'nic',
      id: n.name ?? `vif${i}`,
      classes: ['NETWORK'],
      allow,
      emulatedOrder: ['e1000', 'rtl8139', 'virtio-net'],
      prefer: n.prefer,
      passthrough: n.passthrough,
      required: true,
      busOf: xenBus,
    });
    attachNic(ctx, device!, n, i, '00:16:3e');
    devices.push(device!);
  }
  const graphics = decideGraphics(ctx, 'xen');
  if (graphics.type !== 'none') {
    const { device } = chooseDevice(ctx.devctx, {
      role: 'display',
      id: 'video0',
      classes: ['DISPLAY'],
      allow: (rd) => (pvMode ? rd.device.bus === 'xen' : rd.device.bus !== 'xen'),
      emulatedOrder: ['vga', 'cirrus'],
      ruleSupported: (rd) =>
        matchesKey(rd, 'vga') ? { rule: 'display.vga-universal', reason: 'the standard VGA adapter, which every x86 guest drives' } : null,
      prefer: 'auto',
      required: false,
      busOf: xenBus,
    });
    if (device) devices.push(device);
  }
  devices.push({
    id: 'console0',
    role: 'console',
    class: 'CONSOLE',
    path: pvMode ? 'paravirtual' : 'builtin',
    model: pvMode ? 'console' : 'serial',
    deviceId: pvMode ? 'http://xen.org/xen/console' : null,
    paravirtInterface: pvMode ? 'XEN_PV' : 'NONE',
    bus: pvMode ? 'xen' : 'isa',
    driver: { source: 'RULE', name: pvMode ? 'hvc (xen console)' : '8250' },
    because: because(pvMode ? 'the Xen PV console (hvc0)' : 'an emulated serial port', 'console.xen', [release.id]),
  });

  const paravirt: ParavirtChoice[] = [];
  if (!pvMode && ctx.isWindows) {
    for (const c of paravirtChoices(ctx, 'HYPERV', null))
      paravirt.push({ ...c, because: { ...c.because, reason: `${c.because.reason} (Xen viridian)` } });
  }
  const tpm = decideOtherTpm(ctx, 'Xen vTPM stub domains are not planned here');
  return {
    acceleration,
    backend: { key: backend, because: because(backendReason[backend], `backend.${backend}`, records, { rejected }) },
    machine: { type: machineType, versioned: null, because: because(`xl type=${machineType}`, 'machine.xen-type', records) },
    firmware,
    cpu: {
      mode: 'host' as const,
      model: null,
      disabledFeatures: [],
      vcpus,
      topology: { sockets: 1, cores: vcpus, threads: 1 },
      because: because('Xen presents the host CPU through its CPUID policy', 'cpu.xen-host', records),
    },
    clock: {
      offset: ctx.isWindows ? ('localtime' as const) : ('utc' as const),
      timers: [],
      because: because(ctx.isWindows ? 'Windows keeps the RTC in local time (localtime=1)' : 'RTC in UTC', 'clock.xen', records),
    },
    features: {
      acpi: !pvMode || backend === 'xen-pvh',
      apic: !pvMode || backend === 'xen-pvh',
      smm: false,
      vmport: null,
      because: because('ACPI and APIC for HVM/PVH guests', 'features.xen', records),
    },
    paravirt,
    tpm,
    graphics,
    devices,
    boot: spec.boot ? { kernel: spec.boot.kernel, initrd: spec.boot.initrd ?? null, cmdline: spec.boot.cmdline ?? null } : null,
  };
}

export const xenPlanner: FamilyPlanner = { native: ['XEN_PV'], plan: decideXen };
