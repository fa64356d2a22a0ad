// The Xen (xl) planner: PVH, HVM with PV drivers, PV or plain HVM, in that order, by what guest and host allow.
import type { ReleaseDeviceFact } from '../facts.ts';
import { chooseDevice, guestSupport, matchesKey, type Support } from '../devices.ts';
import { PlanError, type Acceleration, type FirmwareChoice, type ParavirtChoice, type PlannedDevice } from '../plan.ts';
import { type Ctx, type FamilyPlan, type FamilyPlanner, because } from './context.ts';
import { guestFirmware, firmwareWish } from './firmware.ts';
import { hostHasRequired, hwVirtRecords } from './acceleration.ts';
import { nicSpecs, diskSpecs, attachDisk, attachNic } from './attach.ts';
import { decideGraphics } from './graphics.ts';
import { decideOtherTpm } from './tpm.ts';

function decideXen(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  const { missing } = hostHasRequired(ctx.release, ctx.host);
  const hw = missing.length === 0 && ['vmx', 'svm'].some((f) => host.cpu.flags.includes(f));
  const supports = (k: string) =>
    ctx.guest.paravirt.some((p) => p.feature.key === k && p.supported) && release.paravirt.some((p) => p.feature.key === k && p.supported);
  // Windows' PV drivers are an add-on: the build the catalogue says supports this release (decide/drivers.ts);
  // with the package known and no build for the release, the add-on is no path
  const windowsBuild = windowsPvDrivers(ctx) ? (ctx.devctx.driverFor?.('XEN_PV', null) ?? null) : null;
  const noBuild = windowsBuild !== null && windowsBuild.build === null;
  const windowsAddon = noBuild ? null : windowsPvDrivers(ctx);
  const pvDrivers =
    supports('xen-hvm-pv-drivers') ||
    [XEN_VIF, XEN_VBD].some((id) => guestSupport(ctx.devctx, id).ok) ||
    (windowsAddon !== null && ctx.spec.drivers.addon);
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
          why: windowsAddon
            ? `${label}'s Xen PV drivers are an add-on (${windowsAddon}); the spec does not say they are installed (drivers.addon: false)`
            : noBuild
              ? `${label}'s Xen PV drivers are an add-on, and ${windowsBuild.because.reason}`
              : `no record that ${label} has Xen PV front-end drivers${ctx.spec.drivers.addon ? '' : ' (or they are add-ons the spec does not declare)'}`,
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
    'xen-hvm-pv-drivers': `${label} runs as HVM with its Xen PV front-ends for disks and NICs${windowsAddon && ctx.spec.drivers.addon ? ` (the add-on ${windowsAddon}, which the spec says are installed)` : ''}`,
    'xen-pv': `${label} runs as a PV guest${hw ? '' : `; ${hwWhy}`}`,
    'xen-hvm': windowsAddon
      ? `HVM with emulated devices: ${label} has no inbox Xen PV drivers and the spec does not declare the add-on ones (${windowsAddon}; set drivers.addon when they are installed)`
      : noBuild
        ? `HVM with emulated devices: ${label} has no inbox Xen PV drivers, and ${windowsBuild.because.reason}`
        : `HVM with emulated devices: no record that ${label} has Xen PV front-end drivers`,
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

  // devices: a PV or PVH guest has no emulated devices, so the kernel that boots as one has the front-ends
  // (blkfront, netfront, hvc) it boots with; Windows' front-ends are the Xen Project's add-on drivers
  const frontend = (rd: ReleaseDeviceFact): Support | null => {
    const name = FRONTENDS[rd.device.id];
    if (!name) return null;
    if (pvMode)
      return {
        ok: true,
        source: 'RULE',
        driverName: name.linux,
        fact: null,
        note: `a ${machineType.toUpperCase()} guest boots from Xen's PV devices, so its kernel has ${name.linux}`,
      };
    if (windowsAddon && ctx.spec.drivers.addon)
      return {
        ok: true,
        source: 'ADDON',
        driverName: name.windows,
        fact: null,
        note: `the Xen Project's Windows PV drivers (${windowsBuild?.build ? `${windowsBuild.package} ${windowsBuild.build.version}` : windowsAddon}), which the spec says are installed`,
        ...(windowsBuild?.build ? { build: windowsBuild } : {}),
      };
    return null;
  };
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
      supportVia: (rd) => (guestSupport(ctx.devctx, rd.device.id).ok ? null : frontend(rd)),
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
      supportVia: (rd) => (guestSupport(ctx.devctx, rd.device.id).ok ? null : frontend(rd)),
      // HVM: with no record of any NIC driver, the device model's default NIC (as the KVM planner takes virt-install's)
      lastResort: () => {
        const rd = pvMode ? undefined : ctx.release.devices.find((x) => x.supported && matchesKey(x, 'rtl8139'));
        return rd
          ? {
              rd,
              model: rd.model,
              bus: 'pci',
              path: 'emulated',
              rule: 'nic.xen-default',
              reason: `no record that ${label} drives any NIC ${release.name} offers; rtl8139, the NIC xl's device model emulates by default (xl.cfg(5) vif model)`,
            }
          : null;
      },
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

  const paravirt: ParavirtChoice[] = !pvMode && ctx.isWindows ? viridian(ctx) : [];
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

const XEN_VIF = 'http://xen.org/xen/vif';
const XEN_VBD = 'http://xen.org/xen/vbd';
const FRONTENDS: Record<string, { linux: string; windows: string }> = {
  [XEN_VBD]: { linux: 'xen-blkfront', windows: 'xenvbd' },
  [XEN_VIF]: { linux: 'xen-netfront', windows: 'xennet' },
};

/** Windows version (NT) from which the Xen Project's PV drivers and Viridian's base group apply: 6.1, Windows 7 / 2008 R2. */
function windowsNt(ctx: Ctx): number | null {
  if (!ctx.isWindows) return null;
  const v = Number.parseFloat(ctx.guest.version ?? '');
  return Number.isFinite(v) ? v : null;
}

/**
 * The Xen Project's Windows PV drivers (xenbus, xenvbd, xennet ...: https://xenproject.org/windows-pv-drivers/,
 * signed builds for Windows 7 / Server 2008 R2 and later) are add-ons: none ships in Windows. Null for other guests.
 */
function windowsPvDrivers(ctx: Ctx): string | null {
  const nt = windowsNt(ctx);
  return nt !== null && nt >= 6.1 ? "the Xen Project's Windows PV drivers, https://xenproject.org/windows-pv-drivers/" : null;
}

/**
 * Hyper-V (viridian) enlightenments for a Windows HVM guest (xl.cfg(5) `viridian`, rendered per group). The
 * catalogue's Hyper-V records for the guest decide when there are any; else xl.cfg(5)'s advice: the base group
 * "can improve performance of Windows Vista and Windows Server 2008 onwards and setting this option for such
 * guests is strongly recommended", and `viridian=1` means the default groups (base, freq, time_ref_count,
 * apic_assist, crash_ctl). https://xenbits.xen.org/docs/unstable/man/xl.cfg.5.html
 */
function viridian(ctx: Ctx): ParavirtChoice[] {
  const records = [ctx.guest.id, ctx.release.id];
  const offered = ctx.release.paravirt.some((p) => p.supported && (p.feature.key === 'xen-viridian' || p.feature.family === 'HYPERV'));
  const DEFAULTS: [string, string][] = [
    ['hv-relaxed', 'base'],
    ['hv-frequencies', 'freq'],
    ['hv-time', 'time_ref_count'],
    ['hv-vapic', 'apic_assist'],
  ];
  if (!offered)
    return DEFAULTS.map(([key]) => ({
      key,
      family: 'HYPERV' as const,
      enabled: false,
      because: because(`${ctx.release.name} offers no viridian enlightenments`, 'paravirt.xen-viridian', records),
    }));
  const hv = new Map(ctx.guest.paravirt.filter((p) => p.feature.family === 'HYPERV').map((p) => [p.feature.key, p]));
  const nt = windowsNt(ctx);
  return DEFAULTS.map(([key, group]) => {
    const rec = hv.get(key);
    if (rec)
      return {
        key,
        family: 'HYPERV' as const,
        enabled: rec.supported,
        because: because(
          rec.supported
            ? `${ctx.label} uses ${key} (catalogue record): Xen viridian group ${group}`
            : `the catalogue says ${ctx.label} does not use ${key}`,
          'paravirt.xen-viridian',
          records,
        ),
      };
    const on = nt !== null && nt >= 6;
    return {
      key,
      family: 'HYPERV' as const,
      enabled: on,
      because: because(
        on
          ? `Windows Vista / Server 2008 and later use Hyper-V enlightenments; xl.cfg(5) strongly recommends viridian for them (group ${group}, one of viridian=1's defaults)`
          : `${ctx.label} predates Windows Vista (NT ${ctx.guest.version ?? '?'}); viridian helps Vista / Server 2008 onwards (xl.cfg(5))`,
        'paravirt.xen-viridian',
        records,
      ),
    };
  });
}

export const xenPlanner: FamilyPlanner = { native: ['XEN_PV'], plan: decideXen };
