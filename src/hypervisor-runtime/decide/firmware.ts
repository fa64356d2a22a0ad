import type { FirmwareDescriptorInfo, HostProfile } from '../host.ts';
import { PlanError, type Because } from '../plan.ts';
import { type Ctx, because } from './context.ts';

export function guestFirmware(ctx: Ctx) {
  const fw = ctx.guest.firmware.filter((f) => f.arch === ctx.guestArch);
  const uefi = fw.find((f) => f.type === 'UEFI') ?? null;
  const bios = fw.find((f) => f.type === 'BIOS') ?? null;
  return {
    uefiSupported: uefi ? uefi.supported : null,
    biosSupported: bios ? bios.supported : null,
    secureBoot: uefi?.secureBoot ?? null,
    // virtinst osdict.requires_firmware_efi: efi supported and bios explicitly unsupported
    requiresUefi: uefi?.supported === true && bios?.supported === false,
  };
}

export type FirmwareWish = 'bios' | 'uefi' | 'uefi-secure-boot';

/** Firmware the guest and release allow, from the spec or the guest's needs. */
export function firmwareWish(ctx: Ctx, canUefi: boolean): { wish: FirmwareWish; because: Because } {
  const g = guestFirmware(ctx);
  const { spec, label, guest, release } = ctx;
  const records = [guest.id, release.id];
  const offers = (k: string) => release.firmware.includes(k);
  if (spec.firmware === 'bios') {
    if (g.biosSupported === false)
      throw new PlanError(
        'NO_FIRMWARE',
        'BIOS boot',
        `${label} does not boot with BIOS on ${ctx.arch} (firmware record: bios supported=false); the spec asks for bios`,
        records,
      );
    if (!offers('bios'))
      throw new PlanError(
        'NO_FIRMWARE',
        'BIOS boot',
        `${release.name} offers no BIOS firmware (offers ${release.firmware.join(', ')})`,
        records,
      );
    return { wish: 'bios', because: because('the spec asks for BIOS', 'firmware.from-spec', records) };
  }
  if (spec.firmware === 'uefi' || spec.firmware === 'uefi-secure-boot') {
    if (g.uefiSupported === false)
      throw new PlanError(
        'NO_FIRMWARE',
        'UEFI boot',
        `${label} does not boot with UEFI on ${ctx.arch} (firmware record: efi supported=false)`,
        records,
      );
    if (spec.firmware === 'uefi-secure-boot' && g.secureBoot === false)
      throw new PlanError(
        'NO_FIRMWARE',
        'UEFI Secure Boot',
        `${label} does not boot with Secure Boot enforced (firmware record: secureBoot=false)`,
        records,
      );
    if (!offers(spec.firmware))
      throw new PlanError(
        'NO_FIRMWARE',
        spec.firmware,
        `${release.name} offers no ${spec.firmware} firmware (offers ${release.firmware.join(', ')})`,
        records,
      );
    if (!canUefi) throw new PlanError('NO_FIRMWARE', spec.firmware, `the chosen backend cannot boot UEFI`, records);
    if (g.uefiSupported === null) ctx.warnings.push(`no record that ${label} boots with UEFI; the spec asks for it`);
    return { wish: spec.firmware, because: because(`the spec asks for ${spec.firmware}`, 'firmware.from-spec', records) };
  }
  if (g.requiresUefi) {
    if (!canUefi || !offers('uefi'))
      throw new PlanError('NO_FIRMWARE', 'UEFI boot', `${label} boots only with UEFI and ${release.name} cannot give it`, records);
    const sb = g.secureBoot === true && offers('uefi-secure-boot');
    return {
      wish: sb ? 'uefi-secure-boot' : 'uefi',
      because: because(
        `${label} boots only with UEFI (firmware records: efi supported, bios supported=false)${sb ? ' and is recorded to boot with Secure Boot enforced, so Secure Boot is on' : ''}`,
        'firmware.guest-requires-uefi',
        records,
      ),
    };
  }
  if (g.biosSupported === false)
    throw new PlanError('NO_FIRMWARE', 'a firmware the guest boots', `${label} boots neither BIOS nor (recorded) UEFI`, records);
  if (!offers('bios')) {
    if (canUefi && offers('uefi') && g.uefiSupported !== false)
      return { wish: 'uefi', because: because(`${release.name} offers only UEFI`, 'firmware.only-uefi', records) };
    throw new PlanError('NO_FIRMWARE', 'BIOS boot', `${release.name} offers no firmware ${label} boots`, records);
  }
  return {
    wish: 'bios',
    because: because(
      `${label} boots with BIOS${g.uefiSupported ? ' or UEFI' : ''}; BIOS is preferred when the guest does not need UEFI (faster start, QEMU internal snapshots work), as virt-install does`,
      'firmware.prefer-bios',
      records,
    ),
  };
}

export function machineGlobMatches(glob: string, machine: string): boolean {
  const re = new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(machine);
}

/** Picks a QEMU firmware descriptor the way its priority order (file name) and features allow. */
export function pickFirmwareDescriptor(
  host: HostProfile,
  arch: string,
  machine: string,
  secureBoot: boolean,
): { d: FirmwareDescriptorInfo | null; considered: string[] } {
  const considered: string[] = [];
  const candidates = host.firmware.filter((d) => {
    if (!d.interfaceTypes.includes('uefi')) return false;
    const target = d.targets.find((t) => t.architecture === arch && t.machines.some((m) => machineGlobMatches(m, machine)));
    if (!target) {
      considered.push(`${d.file}: not for ${arch} ${machine}`);
      return false;
    }
    return true;
  });
  if (secureBoot) {
    const d = candidates.find((x) => x.features.includes('secure-boot') && x.features.includes('enrolled-keys'));
    for (const c of candidates)
      if (c !== d) considered.push(`${c.file}: ${c.features.includes('secure-boot') ? 'no keys enrolled' : 'no secure-boot'}`);
    return { d: d ?? null, considered };
  }
  const d =
    candidates.find((x) => !x.features.includes('secure-boot') && !x.features.includes('requires-smm')) ??
    candidates.find((x) => !x.features.includes('enrolled-keys')) ??
    null;
  for (const c of candidates) if (c !== d) considered.push(`${c.file}: has secure-boot`);
  return { d, considered };
}
