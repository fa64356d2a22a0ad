// The move path every caller shares (the CLI, the service's movePlan): facts for the guest on the target
// (the same planning query `plan` uses, snapshot fall-back included), the target host, then planMove.
// A library: resolved options in, no argv, no environment.
import { createHash } from 'node:crypto';
import type { InspectedVm } from '../inspect/types.ts';
import { fetchFacts, GraphQLClient, type FetchFactsResult } from '../client.ts';
import { loadHostProfile, type HostProfile } from '../host.ts';
import { localHost, type FactsSourceOptions, type HostSource } from '../plan-vm.ts';
import type { HypervisorKey, VmSpec } from '../spec.ts';
import { type EquivalenceGroup, planMove, sourceHypervisor } from './plan-move.ts';
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
  /**
   * Known issues and equivalence groups when the service does not answer (or offline): the service's
   * `knownIssues` and `deviceEquivalenceGroups` are used whenever it does.
   */
  knownIssues: KnownIssue[];
  groups: EquivalenceGroup[];
  prepared?: boolean;
  /** Injected for tests; defaults to global fetch. */
  fetchImpl?: typeof fetch;
  name?: string;
  hypervisorRelease?: string;
  boot?: VmSpec['boot'];
}

export interface MovedVm {
  move: MovePlan;
  fetched: FetchFactsResult;
  host: HostProfile;
  /** Where the known issues and equivalence groups came from. */
  moveData: 'service' | 'local';
}

export const MOVE_DATA_QUERY = `query MoveData($from: String, $to: String) {
  knownIssues(fromHypervisor: $from, toHypervisor: $to) {
    key title severity fromHypervisor toHypervisor fromDevice toDevice guestFamily guest condition trigger workaround evidenceUrl source
  }
  deviceEquivalenceGroups { key members { device { id } hypervisorKey } }
}`;
const MOVE_DATA_HASH = createHash('sha256').update(MOVE_DATA_QUERY).digest('hex');

type ServiceIssue = Omit<KnownIssue, 'severity'> & { severity: 'INFO' | 'WARNING' | 'BLOCKER' };

/** The service's known issues for a move between two hypervisors, and its equivalence groups. Throws when it does not answer. */
export async function fetchMoveData(o: {
  service: string;
  from: HypervisorKey;
  to: HypervisorKey;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}): Promise<{ knownIssues: KnownIssue[]; groups: EquivalenceGroup[] }> {
  const client = new GraphQLClient(o.service, o.timeoutMs ?? 3000, o.fetchImpl);
  const r = await client.request('MoveData', MOVE_DATA_QUERY, MOVE_DATA_HASH, { from: o.from, to: o.to });
  if (!r.data || r.errors?.length) throw new Error(r.errors?.map((e) => e.message).join('; ') ?? 'no data');
  const d = r.data as {
    knownIssues: ServiceIssue[];
    deviceEquivalenceGroups: { key: string; members: { device: { id: string }; hypervisorKey: string | null }[] }[];
  };
  return {
    knownIssues: d.knownIssues.map((i) => ({ ...i, severity: i.severity.toLowerCase() as KnownIssue['severity'] })),
    groups: d.deviceEquivalenceGroups.map((g) => ({
      key: g.key,
      members: g.members.map((m) => ({ deviceId: m.device.id, hypervisorKey: m.hypervisorKey })),
    })),
  };
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
    fetchImpl: o.fetchImpl,
  });
  let data = { knownIssues: o.knownIssues, groups: o.groups };
  let moveData: MovedVm['moveData'] = 'local';
  const warnings: string[] = [];
  if (!o.offline) {
    try {
      data = await fetchMoveData({
        service: o.service,
        from: sourceHypervisor(o.vm),
        to: o.to,
        timeoutMs: o.timeoutMs,
        fetchImpl: o.fetchImpl,
      });
      moveData = 'service';
    } catch (err) {
      warnings.push(`known issues and equivalence groups from the local copy: ${o.service} did not give them (${(err as Error).message})`);
    }
  }
  const move = planMove({
    vm: o.vm,
    to: o.to,
    facts: fetched.facts,
    provenance: fetched.provenance,
    host,
    knownIssues: data.knownIssues,
    groups: data.groups,
    prepared: o.prepared,
    name: o.name,
    hypervisorRelease: o.hypervisorRelease,
    boot: o.boot,
  });
  move.warnings.push(...warnings);
  return { move, fetched, host, moveData };
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
