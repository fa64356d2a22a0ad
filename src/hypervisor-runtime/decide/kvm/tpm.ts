import { PlanError, type FirmwareChoice, type Plan } from '../../plan.ts';
import { type Ctx, because } from '../context.ts';
import { byName } from '../attach.ts';

export function decideKvmTpm(ctx: Ctx, firmware: FirmwareChoice, machine: 'q35' | 'pc'): Plan['tpm'] {
  const { spec, guest, host, release, label } = ctx;
  const records = [guest.id, release.id];
  const required = spec.tpm === 'required' || guest.tpmRequired === true;
  if (spec.tpm === 'none') {
    if (guest.tpmRequired) ctx.warnings.push(`${label} requires a TPM 2.0 but the spec turns the TPM off; its installer will refuse`);
    return {
      present: false,
      model: null,
      version: null,
      backend: null,
      because: because('the spec turns the TPM off', 'tpm.from-spec', records),
    };
  }
  const wanted = required || firmware.type === 'uefi';
  if (!wanted)
    return {
      present: false,
      model: null,
      version: null,
      backend: null,
      because: because(
        `no TPM: ${label} does not require one and boots with BIOS (virt-install adds a TPM only with UEFI)`,
        'tpm.with-uefi',
        records,
      ),
    };
  const model = machine === 'q35' && byName(release, 'tpm-crb') ? 'tpm-crb' : byName(release, 'tpm-tis') ? 'tpm-tis' : null;
  const why = !host.swtpm
    ? `${host.name} has no swtpm (Debian package swtpm) to emulate it`
    : !model
      ? `${release.name} offers no TPM model`
      : null;
  if (why) {
    if (required)
      throw new PlanError(
        'TPM_UNAVAILABLE',
        'an emulated TPM 2.0',
        `${guest.tpmRequired ? `${label} requires a TPM 2.0` : 'the spec requires a TPM'} but ${why}`,
        records,
      );
    return { present: false, model: null, version: null, backend: null, because: because(`no TPM: ${why}`, 'tpm.unavailable', records) };
  }
  const tpmRd = byName(release, model!);
  return {
    present: true,
    model,
    version: '2.0',
    backend: 'emulator',
    because: because(
      `${guest.tpmRequired ? `${label} requires a TPM 2.0` : 'a UEFI guest targets a modern platform, which virt-install gives a TPM'}; ${model} emulated by swtpm (${host.swtpm!.binary})`,
      guest.tpmRequired ? 'tpm.guest-requires' : 'tpm.with-uefi',
      [...records, ...(tpmRd ? [tpmRd.device.id] : [])],
    ),
  };
}
