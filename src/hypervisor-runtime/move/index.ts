// The move path every caller shares (the CLI, the service's movePlan): facts for the guest on the target
// (the same planning query `plan` uses, snapshot fall-back included), the target host, then planMove.
// A library: resolved options in, no argv, no environment.
import type { InspectedVm } from '../inspect/types.ts';
import { fetchFacts, type FetchFactsResult } from '../client.ts';
import { loadHostProfile, type HostProfile } from '../host.ts';
import { localHost, type FactsSourceOptions, type HostSource } from '../plan-vm.ts';
import type { HypervisorKey, VmSpec } from '../spec.ts';
import { type EquivalenceGroup, planMove } from './plan-move.ts';
import { type KnownIssue, MoveError, type MovePlan, type PreflightItem } from './types.ts';

export { planMove, sourceHypervisor, type EquivalenceGroup, type MoveInput } from './plan-move.ts';
export { parseKnownIssues, KnownIssueError } from './known-issues.ts';
export { MoveError, MOVE_SCHEMA, type KnownIssue, type MovePlan, type PreflightItem } from './types.ts';

/** The target formats each hypervisor's own tools read. */
export const NATIVE_FORMAT: Record<HypervisorKey, 'libvirt' | 'xl' | 'vmx' | 'hyperv-ps' | 'cloud-hypervisor' | 'firecracker'> = {
  kvm: 'libvirt',
  xen: 'xl',
  vmware: 'vmx',
  hyperv: 'hyperv-ps',
  'cloud-hypervisor': 'cloud-hypervisor',
  firecracker: 'firecracker',
};

export interface MoveVmOptions extends FactsSourceOptions {
  vm: InspectedVm;
  to: HypervisorKey;
  /** Guest id or short id; default: the one the file names (vm.guest.id). */
  guest?: string;
  host: HostSource;
  knownIssues: KnownIssue[];
  groups: EquivalenceGroup[];
  prepared?: boolean;
  name?: string;
  hypervisorRelease?: string;
  boot?: VmSpec['boot'];
}

export interface MovedVm {
  move: MovePlan;
  fetched: FetchFactsResult;
  host: HostProfile;
}

/** Throws MoveError (refused, or the guest unknown), FactsError (no facts), HostProfileError. */
export async function moveVm(o: MoveVmOptions): Promise<MovedVm> {
  const guest = o.guest ?? o.vm.guest.id;
  if (!guest)
    throw new MoveError(
      'GUEST_UNKNOWN',
      'the guest OS',
      `the file names the guest as ${o.vm.guest.native ? `'${o.vm.guest.native}'` : 'nothing'}${o.vm.guest.candidates.length ? `, which could be ${o.vm.guest.candidates.join(', ')}` : ''}: give --guest`,
    );
  const host = 'file' in o.host ? loadHostProfile(o.host.file) : (await localHost(o.host.probe)).host;
  const fetched = await fetchFacts({
    service: o.service,
    guest,
    hypervisor: o.to,
    snapshotDir: o.snapshotDir,
    timeoutMs: o.timeoutMs,
    offline: o.offline,
    maxAgeSeconds: o.maxSnapshotAgeSeconds,
  });
  const move = planMove({
    vm: o.vm,
    to: o.to,
    facts: fetched.facts,
    provenance: fetched.provenance,
    host,
    knownIssues: o.knownIssues,
    groups: o.groups,
    prepared: o.prepared,
    name: o.name,
    hypervisorRelease: o.hypervisorRelease,
    boot: o.boot,
  });
  return { move, fetched, host };
}

const ORDER: Record<PreflightItem['kind'], number> = { step: 0, conversion: 1, risk: 2, 'two-step': 3 };

/** The pre-flight report as text: each item with its trigger, commands and evidence. */
export function formatPreflight(items: PreflightItem[], header: string): string {
  const L = [header];
  const sorted = [...items].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  for (const it of sorted) {
    L.push(`  [${it.kind} ${it.severity}${it.bootCritical ? ', boot-critical' : ''}, ${it.when}] ${it.title}`);
    L.push(`      trigger: ${it.trigger}`);
    for (const c of it.commands ?? []) L.push(`      $ ${c}`);
    if (it.workaround) L.push(`      workaround: ${it.workaround}`);
    for (const e of it.evidence)
      L.push(`      evidence: rule ${e.rule}${e.record ? `; record ${e.record}` : ''}${e.source ? `; ${e.source}` : ''}`);
  }
  return `${L.join('\n')}\n`;
}

export function formatMove(m: MovePlan): string {
  const L = [
    `Move ${m.name}: ${m.guest.shortId ?? m.guest.id} from ${m.from.hypervisor} (${m.from.format}) to ${m.to} ${m.plan.hypervisor.version}${m.prepared ? ', guest prepared' : ''}`,
    'Devices:',
    ...m.mapping.map(
      (x) =>
        `  ${x.role} ${x.source.index}: ${x.source.describe} → ${x.target.id} ${x.target.model} (${x.target.bus})${x.group ? ` [${x.group}]` : ''}${x.changed ? '' : ' (kept)'}${x.target.mac ? ` mac ${x.target.mac}` : ''}`,
    ),
  ];
  if (m.firstBoot)
    L.push(
      `Two steps: first boot with ${m.firstBoot.devices
        .filter((d) => d.role === 'disk' || d.role === 'nic')
        .map((d) => `${d.id} ${d.model}`)
        .join(', ')} (--first-boot prints that configuration)`,
    );
  return `${L.join('\n')}\n${formatPreflight(m.preflight, 'Pre-flight:')}`;
}
