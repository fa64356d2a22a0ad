// The Hyper-V planner: generation 1 or 2, VMBus synthetic devices where the guest has the integration services.
import type { ReleaseDeviceFact } from '../facts.ts';
import { chooseDevice, matchesKey } from '../devices.ts';
import { PlanError, type Acceleration, type FirmwareChoice, type Plan, type PlannedDevice } from '../plan.ts';
import { type Ctx, type FamilyPlan, type FamilyPlanner, because } from './context.ts';
import { guestFirmware } from './firmware.ts';
import { requireHostFeatures } from './acceleration.ts';
import { nicSpecs, diskSpecs, attachDisk, attachNic, convertDisk } from './attach.ts';
import { paravirtChoices } from './paravirt.ts';
import { decideGraphics } from './graphics.ts';

function decideHyperv(ctx: Ctx, vcpus: number): FamilyPlan {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  requireHostFeatures(ctx);
  const g = guestFirmware(ctx);
  const wantBios = spec.firmware === 'bios';
  const gen2 = !wantBios && (g.uefiSupported === true || spec.firmware.startsWith('uefi'));
  if (!gen2 && g.biosSupported === false)
    throw new PlanError(
      'NO_FIRMWARE',
      'generation 1 (BIOS)',
      `${label} does not boot with BIOS, and generation 2 needs UEFI support`,
      records,
    );
  if (gen2 && g.uefiSupported === false)
    throw new PlanError('NO_FIRMWARE', 'generation 2 (UEFI)', `${label} does not boot with UEFI`, records);
  const sb = gen2 && g.secureBoot !== false && spec.firmware !== 'uefi';
  const firmware: FirmwareChoice = {
    type: gen2 ? 'uefi' : 'bios',
    secureBoot: sb,
    code: null,
    varsTemplate: null,
    descriptor: null,
    template: sb ? (ctx.isWindows ? 'MicrosoftWindows' : 'MicrosoftUEFICertificateAuthority') : null,
    because: because(
      gen2
        ? `generation 2 (UEFI)${sb ? `, Secure Boot with the ${ctx.isWindows ? 'MicrosoftWindows' : 'MicrosoftUEFICertificateAuthority'} template` : ''}`
        : 'generation 1 (BIOS)',
      'firmware.hyperv-generation',
      records,
    ),
  };
  const vmbusOnly = (rd: ReleaseDeviceFact) => (gen2 ? rd.device.bus === 'vmbus' : true);
  const devices: PlannedDevice[] = [];
  for (const [i, d] of diskSpecs(spec).entries()) {
    const bootDiskGen1 = !gen2 && i === 0;
    const { device } = chooseDevice(ctx.devctx, {
      role: d.device === 'cdrom' ? 'cdrom' : 'disk',
      id: d.name ?? `disk${i}`,
      classes: ['STORAGE', 'STORAGE_CONTROLLER'],
      allow: (rd) => (bootDiskGen1 ? matchesKey(rd, 'ide') : vmbusOnly(rd)),
      emulatedOrder: ['ide'],
      ruleSupported: (rd) =>
        matchesKey(rd, 'ide')
          ? {
              rule: bootDiskGen1 ? 'hyperv.gen1-boots-from-ide' : 'storage.chipset-controller',
              reason: `${bootDiskGen1 ? 'generation 1 VMs boot only from IDE; ' : ''}emulated IDE, which every x86 guest drives`,
            }
          : null,
      prefer: bootDiskGen1 ? 'emulated' : 'auto',
      required: true,
      busOf: (rd) => (rd.device.bus === 'vmbus' ? 'scsi' : 'ide'),
    });
    attachDisk(device!, d, i, i === 0 ? 1 : null);
    // Hyper-V attaches VHD/VHDX files (or physical disks); a qcow2/raw/vmdk image is converted to VHDX first
    convertDisk(ctx, device!, 'vhdx', '.vhdx');
    devices.push(device!);
  }
  for (const [i, n] of nicSpecs(spec).entries()) {
    const { device } = chooseDevice(ctx.devctx, {
      role: 'nic',
      id: n.name ?? `nic${i}`,
      classes: ['NETWORK'],
      allow: vmbusOnly,
      emulatedOrder: ['tulip'],
      prefer: n.prefer,
      passthrough: n.passthrough,
      required: true,
      busOf: (rd) => rd.device.bus,
    });
    attachNic(ctx, device!, n, i, '00:15:5d');
    devices.push(device!);
  }
  const graphics = decideGraphics(ctx, 'other');
  if (graphics.type !== 'none') {
    const { device } = chooseDevice(ctx.devctx, {
      role: 'display',
      id: 'video0',
      classes: ['DISPLAY'],
      emulatedOrder: [],
      prefer: 'auto',
      required: false,
      busOf: (rd) => rd.device.bus,
    });
    if (device) devices.push(device);
  }
  const paravirt = paravirtChoices(ctx, 'HYPERV', null).map((c) =>
    c.enabled ? { ...c, because: { ...c.because, reason: `${c.because.reason}; native on Hyper-V` } } : c,
  );
  const required = spec.tpm === 'required' || guest.tpmRequired === true;
  let tpm: Plan['tpm'];
  if (spec.tpm === 'none' || !required)
    tpm = {
      present: false,
      model: null,
      version: null,
      backend: null,
      because: because(spec.tpm === 'none' ? 'the spec turns the TPM off' : `no TPM: ${label} does not require one`, 'tpm.hyperv', records),
    };
  else if (!gen2) throw new PlanError('TPM_UNAVAILABLE', 'vTPM (generation 2)', 'Hyper-V offers a vTPM on generation 2 VMs only', records);
  else
    tpm = {
      present: true,
      model: 'vTPM',
      version: '2.0',
      backend: null,
      because: because(`${label} requires a TPM 2.0; Hyper-V vTPM on generation 2 (key protector needed)`, 'tpm.guest-requires', records),
    };
  return {
    acceleration: {
      mode: 'hardware' as Acceleration,
      because: because(`${host.name} has the hardware virtualization Hyper-V requires`, 'acceleration.hardware', [release.id]),
    },
    backend: {
      key: gen2 ? 'hyperv-gen2' : 'hyperv-gen1',
      because: because(
        gen2
          ? `${label} boots UEFI: generation 2 (synthetic devices only, no legacy emulation)`
          : `${label} ${spec.firmware === 'bios' ? 'gets BIOS per the spec' : 'has no UEFI record'}: generation 1`,
        'backend.hyperv-generation',
        records,
      ),
    },
    machine: {
      type: gen2 ? 'generation-2' : 'generation-1',
      versioned: release.virtualHardwareVersion ? `${release.virtualHardwareVersion}.0` : null,
      because: because(`configuration version ${release.virtualHardwareVersion ?? '?'}.0 of ${release.name}`, 'machine.hyperv', records),
    },
    firmware,
    cpu: {
      mode: 'host' as const,
      model: null,
      disabledFeatures: [],
      vcpus,
      topology: { sockets: 1, cores: vcpus, threads: 1 },
      because: because(
        ctx.migrationHosts.length
          ? 'Hyper-V: enable processor compatibility mode for migration across hosts'
          : 'Hyper-V presents the host CPU',
        'cpu.hyperv',
        records,
      ),
    },
    clock: {
      offset: ctx.isWindows ? ('localtime' as const) : ('utc' as const),
      timers: [],
      because: because('Hyper-V time synchronisation integration service', 'clock.hyperv', records),
    },
    features: { acpi: true, apic: true, smm: false, vmport: null, because: because('ACPI and APIC', 'features.x86', records) },
    paravirt,
    tpm,
    graphics,
    devices,
    boot: null,
  };
}

export const hypervPlanner: FamilyPlanner = { native: ['HYPERV_VMBUS'], plan: decideHyperv };
