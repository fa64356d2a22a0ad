// Move tests: inspected VMs built directly (the shape src/hypervisor-runtime/inspect/types.ts fixes), the
// fixtures' facts and example hosts, and planMove with the curated equivalence groups and known issues.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import type { InspectedDisk, InspectedNic, InspectedVm } from '../../src/hypervisor-runtime/inspect/types.ts';
import { loadHostProfile, type HostProfile } from '../../src/hypervisor-runtime/host.ts';
import { type EquivalenceGroup, type MoveInput, planMove } from '../../src/hypervisor-runtime/move/plan-move.ts';
import { parseKnownIssues } from '../../src/hypervisor-runtime/move/known-issues.ts';
import { TYPICAL_HOSTS } from '../../src/hypervisor-runtime/move/service.ts';
import type { KnownIssue, MovePlan } from '../../src/hypervisor-runtime/move/types.ts';
import type { HypervisorKey } from '../../src/hypervisor-runtime/spec.ts';
import { FIXED_PROVENANCE, loadFacts, ROOT } from '../fixtures/runtime/load.ts';

/** The example host each hypervisor is planned for, as the service's movePlan plans it. */
export const TARGET_HOSTS = TYPICAL_HOSTS;

export function exampleHost(to: HypervisorKey): HostProfile {
  return loadHostProfile(join(ROOT, 'examples', 'hosts', `${TARGET_HOSTS[to]}.json`));
}

export function curatedGroups(): EquivalenceGroup[] {
  const doc = YAML.parse(readFileSync(join(ROOT, 'seed', 'curated', 'equivalence.yaml'), 'utf8')) as { groups: EquivalenceGroup[] };
  return doc.groups;
}

export function curatedIssues(): KnownIssue[] {
  return parseKnownIssues(YAML.parse(readFileSync(join(ROOT, 'seed', 'curated', 'known-issues.yaml'), 'utf8')), 'known-issues.yaml');
}

/** A VM as inspect would read it. */
export function inspected(p: Partial<InspectedVm> & { disks: InspectedDisk[]; nics: InspectedNic[] }): InspectedVm {
  return {
    sourceFormat: 'vmx',
    name: 'web01',
    guest: { native: null, candidates: [] },
    firmware: 'bios',
    secureBoot: false,
    tpm: false,
    cpus: 2,
    memoryMiB: 2048,
    unknown: [],
    notes: [],
    ...p,
  };
}

/** The usual VMware Linux VM: two PVSCSI disks, one VMXNET3 NIC with a manual MAC. */
export function vmwareVm(extra: Partial<InspectedVm> = {}): InspectedVm {
  return inspected({
    disks: [
      { device: 'disk', bus: 'scsi', controllerModel: 'pvscsi', address: 'scsi0:0', path: '/vms/web01/web01.vmdk', format: 'vmdk' },
      { device: 'disk', bus: 'scsi', controllerModel: 'pvscsi', address: 'scsi0:1', path: '/vms/web01/data.vmdk', format: 'vmdk' },
    ],
    nics: [{ model: 'vmxnet3', mac: '00:50:56:01:02:03', macSource: 'static' }],
    ...extra,
  });
}

export function move(guest: string, vm: InspectedVm, to: HypervisorKey, extra: Partial<MoveInput> = {}): MovePlan {
  return planMove({
    vm,
    to,
    facts: loadFacts(guest, to),
    provenance: FIXED_PROVENANCE,
    host: exampleHost(to),
    groups: curatedGroups(),
    knownIssues: curatedIssues(),
    ...extra,
  });
}
