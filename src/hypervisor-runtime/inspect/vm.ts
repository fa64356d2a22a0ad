// The one place an InspectedVm is put together, so every reader's `--json` lists its fields in the
// same order (the shape is a contract: see types.ts). PURE.
import type { InspectedVm, SourceFormat } from './types.ts';

export type VmParts = Omit<InspectedVm, 'sourceFormat' | 'name'>;

/** The reader's findings as an InspectedVm; `name` only when the file gives one. */
export function inspectedVm(sourceFormat: SourceFormat, name: string | undefined, p: VmParts): InspectedVm {
  const vm: InspectedVm = {
    sourceFormat,
    guest: p.guest,
    firmware: p.firmware,
    secureBoot: p.secureBoot,
    tpm: p.tpm,
    cpus: p.cpus,
    memoryMiB: p.memoryMiB,
    disks: p.disks,
    nics: p.nics,
    platform: p.platform,
    unknown: p.unknown,
    notes: p.notes,
  };
  if (name !== undefined) vm.name = name;
  return vm;
}
