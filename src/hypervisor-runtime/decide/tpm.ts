import { PlanError, type Plan } from '../plan.ts';
import { type Ctx, because } from './context.ts';

/** No TPM on this hypervisor: an error when the guest or spec requires one. */
export function decideOtherTpm(ctx: Ctx, why: string): Plan['tpm'] {
  const { spec, guest, label, release } = ctx;
  const required = spec.tpm === 'required' || guest.tpmRequired === true;
  if (spec.tpm === 'none')
    return {
      present: false,
      model: null,
      version: null,
      backend: null,
      because: because('the spec turns the TPM off', 'tpm.from-spec', [guest.id]),
    };
  if (required)
    throw new PlanError(
      'TPM_UNAVAILABLE',
      'a virtual TPM 2.0',
      `${guest.tpmRequired ? `${label} requires a TPM 2.0` : 'the spec requires a TPM'}: ${why}`,
      [guest.id, release.id],
    );
  return {
    present: false,
    model: null,
    version: null,
    backend: null,
    because: because(`no TPM: ${why}`, 'tpm.unavailable', [guest.id, release.id]),
  };
}
