import { guestSupport } from '../../devices.ts';
import { PlanError, type Because, type FirmwareChoice } from '../../plan.ts';
import { type Ctx, because } from '../context.ts';
import { firmwareWish, pickFirmwareDescriptor } from '../firmware.ts';
import { OSINFO, virtInstallDrives } from './virt-install.ts';

/** Machine type (virtinst guest._set_default_machine + osdict.supports_chipset_q35) and the firmware on it (Secure Boot forces q35). */
export function decideKvmMachine(ctx: Ctx): {
  machine: 'q35' | 'pc';
  versioned: string | null;
  because: Because;
  firmware: FirmwareChoice;
  smm: boolean;
} {
  const { guest, release, host, spec, label } = ctx;
  const records = [guest.id, release.id];
  // ── machine type (virtinst guest._set_default_machine + osdict.supports_chipset_q35) ──
  const drives = (id: string) => guestSupport(ctx.devctx, id).ok;
  const drivesVirtioNet = OSINFO.virtioNet.some(drives);
  const drivesVirtio1 = drives(OSINFO.virtio1Net);
  const q35Record = drives(OSINFO.q35);
  const q35Ok = q35Record && !(drivesVirtioNet && !drivesVirtio1);
  const offersQ35 = release.machineTypes.includes('q35');
  let machine: 'q35' | 'pc';
  let machineBecause: Because;
  if (spec.machine === 'q35' || spec.machine === 'pc') {
    machine = spec.machine;
    machineBecause = because(`the spec asks for ${machine}`, 'machine.from-spec', records);
    if (machine === 'q35' && !q35Record) ctx.warnings.push(`no record that ${label} drives the q35 (ICH9) chipset; the spec asks for q35`);
  } else if (q35Ok && offersQ35) {
    machine = 'q35';
    machineBecause = because(
      `${label} drives the q35 chipset (record ${OSINFO.q35})${drivesVirtioNet ? ' and virtio 1.0' : ''}; q35 gives PCIe, AHCI and SMM`,
      'machine.q35-when-guest-drives-it',
      [...records, OSINFO.q35],
    );
  } else {
    machine = 'pc';
    const why = !q35Record
      ? `no record that ${label} drives the q35 chipset`
      : drivesVirtioNet && !drivesVirtio1
        ? `${label} drives only legacy virtio, and virtio devices on q35's PCIe ports are virtio 1.0 only`
        : `${release.name} offers no q35`;
    machineBecause = because(`${why}: i440FX (pc)`, 'machine.pc-fallback', records);
  }
  // firmware (may force q35 for Secure Boot)
  const fwWish = firmwareWish(ctx, true);
  if (fwWish.wish === 'uefi-secure-boot' && machine !== 'q35') {
    if (!offersQ35)
      throw new PlanError(
        'NO_FIRMWARE',
        'q35 for Secure Boot (SMM)',
        `Secure Boot needs SMM, which needs q35; ${release.name} offers no q35`,
        records,
      );
    machine = 'q35';
    machineBecause = because(`Secure Boot needs SMM, which QEMU offers on q35 only`, 'machine.q35-for-secure-boot', records);
  }
  const versioned = release.machineTypes.find((m) => m.startsWith(machine === 'q35' ? 'pc-q35-' : 'pc-i440fx-')) ?? null;
  if (ctx.migrationHosts.length && versioned) {
    const lacking = ctx.migrationHosts.filter((h) => h.qemu && !h.qemu.machines.includes(versioned));
    if (lacking.length)
      throw new PlanError(
        'MIGRATION_CONSTRAINT',
        `machine type ${versioned} on every host`,
        `${versioned} is missing on ${lacking.map((h) => `${h.name} (QEMU ${h.qemu!.version})`).join(', ')}; plan with the oldest host's QEMU release (hypervisorRelease)`,
        records,
      );
    machineBecause.reason += `; pinned to ${versioned} so the guest's hardware stays the same on every host`;
  }

  // virtinst guest._set_default_machine: q35 when osdict.supports_chipset_q35 (osinfo-db's records), else pc
  const viVirtio = virtInstallDrives(ctx.devctx, OSINFO.virtioNet);
  const viQ35 = offersQ35 && virtInstallDrives(ctx.devctx, OSINFO.q35) && !(viVirtio && !virtInstallDrives(ctx.devctx, OSINFO.virtio1Net));
  const theirs = viQ35 ? 'q35' : 'pc';
  if (theirs !== machine && spec.machine === 'auto')
    machineBecause.differsFrom = {
      tool: 'virt-install',
      theirs,
      why:
        machine === 'q35' && fwWish.wish === 'uefi-secure-boot'
          ? 'Secure Boot needs SMM, which QEMU offers on q35 only'
          : `osinfo-db, which virt-install reads, ${viQ35 ? 'records' : 'has no record of'} ${label} driving the q35 chipset${viQ35 ? '' : ' (or only legacy virtio)'}; the catalogue's records say otherwise (${machineBecause.reason})`,
    };

  // firmware images
  let firmware: FirmwareChoice;
  let smm = false;
  if (spec.boot && fwWish.wish === 'bios') {
    firmware = {
      type: 'bios',
      secureBoot: false,
      code: null,
      varsTemplate: null,
      descriptor: null,
      because: because(
        `direct kernel boot (${spec.boot.kernel}) through SeaBIOS; ${fwWish.because.reason}`,
        'firmware.direct-kernel-bios',
        records,
      ),
    };
  } else if (fwWish.wish === 'bios') {
    firmware = { type: 'bios', secureBoot: false, code: null, varsTemplate: null, descriptor: null, because: fwWish.because };
  } else {
    const sb = fwWish.wish === 'uefi-secure-boot';
    const target = versioned ?? (machine === 'q35' ? 'pc-q35-' : 'pc-i440fx-') + release.version;
    const { d, considered } = pickFirmwareDescriptor(host, ctx.arch, target, sb);
    if (!d)
      throw new PlanError(
        'NO_FIRMWARE',
        `UEFI firmware for ${ctx.arch} ${target}${sb ? ' with secure-boot and enrolled-keys' : ''} on ${host.name}`,
        `${host.name} has no QEMU firmware descriptor for UEFI on ${ctx.arch} ${target}${sb ? ' with Secure Boot and enrolled keys' : ''} (install ovmf)${considered.length ? `; considered ${considered.join('; ')}` : ''}`,
        records,
      );
    smm = d.features.includes('requires-smm');
    firmware = {
      type: 'uefi',
      secureBoot: sb,
      code: d.code,
      varsTemplate: d.varsTemplate,
      descriptor: d.file,
      because: {
        ...fwWish.because,
        reason: `${fwWish.because.reason}; images from ${d.file} (${d.description})`,
        rejected: considered.map((c) => ({ option: c.split(':')[0] ?? c, why: c.split(': ').slice(1).join(': ') })),
      },
    };
  }
  return { machine, versioned, because: machineBecause, firmware, smm };
}
