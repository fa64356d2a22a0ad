// The compatibility verdict, derived purely from facts gathered by the caller (one pair for the
// `compatibility` query, a whole matrix at once for `matrix`). Every step appends a reason, so the
// answer reads like a review, and the function is unit-tested without a database.
//
// A verdict is given per backend the release offers (Hyper-V generation 1 and 2, Xen PV, PVH, HVM
// and PVHVM, KVM ...; a release without a choice of backend has one, `null`), each from the
// records about that backend (or about no backend in particular) or else derived by rule. The
// overall level is the best backend's, and when the backends disagree the first reason says which
// backend gets which level, so an UNSUPPORTED backend is never hidden behind a SUPPORTED one.
import { at } from '../../util/must.ts';

export type Status = 'CERTIFIED' | 'SUPPORTED' | 'WORKS' | 'PARTIAL' | 'BROKEN' | 'UNSUPPORTED';
export type Verdict = Status | 'CONFLICT' | 'LIKELY' | 'UNKNOWN';
export type Basis = 'RECORDS' | 'INHERITED_RECORDS' | 'CATALOGUE';
export type EvidenceLevel = 'VENDOR_CERTIFIED' | 'GUEST_VENDOR_TESTED' | 'USER_REPORTED' | 'DERIVED';
/** A matrix cell's basis: records (with their evidence level), a rule over the catalogue, or nothing known. */
export type CellBasis = 'RECORD' | 'DERIVED' | 'UNKNOWN';

const RANK: Status[] = ['CERTIFIED', 'SUPPORTED', 'WORKS', 'PARTIAL', 'BROKEN', 'UNSUPPORTED'];
const POLARITY: Record<Status, number> = { CERTIFIED: 1, SUPPORTED: 1, WORKS: 1, PARTIAL: 0, BROKEN: -1, UNSUPPORTED: -1 };
/** Strongest evidence first: conflicting records are ranked by it, then by date. */
export const EVIDENCE_ORDER: EvidenceLevel[] = ['VENDOR_CERTIFIED', 'GUEST_VENDOR_TESTED', 'USER_REPORTED', 'DERIVED'];
/** How good a level is for running the guest, best first: the overall level is the best backend's. */
export const LEVEL_ORDER: Verdict[] = [
  'CERTIFIED',
  'SUPPORTED',
  'WORKS',
  'LIKELY',
  'PARTIAL',
  'CONFLICT',
  'UNKNOWN',
  'BROKEN',
  'UNSUPPORTED',
];
const NEGATIVE_LEVELS = new Set<Verdict>(['BROKEN', 'UNSUPPORTED']);

/**
 * Backends where the guest must cooperate (a PV kernel, a PVH entry point, PV drivers, UEFI boot
 * from synthetic devices only): without a guest paravirt-support answer for them nothing can be
 * derived. The others (KVM, Xen HVM, Hyper-V generation 1, and releases without a choice of
 * backend) run an unmodified guest on an emulated PC, so the shared devices decide.
 * Sources: https://wiki.xenproject.org/wiki/Understanding_the_Virtualization_Spectrum,
 * https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/plan/should-i-create-a-generation-1-or-2-virtual-machine-in-hyper-v
 */
export const COOPERATIVE_BACKENDS = new Set(['xen-pv', 'xen-pvh', 'xen-pvhvm', 'hyperv-gen2']);

export interface VerdictRecord {
  id: string;
  guestId: string;
  status: Status;
  submitter: string; // vendor id, or the source for curated/imported records
  hostFeatureKey: string | null;
  evidenceDate: string | null;
  /** Strength of the evidence; USER_REPORTED when not given. */
  evidenceLevel?: EvidenceLevel;
  /** Paravirt backend the record is about; null: the release as a whole. */
  backend?: string | null;
  /**
   * A record about one device (the guest drives it or not) says nothing of the guest as a whole:
   * a negative one takes the device out of the match; neither decides the level.
   */
  deviceId?: string | null;
  createdAt?: string;
}

export interface HostRequirementFact {
  key: string;
  requirement: 'REQUIRED' | 'RECOMMENDED' | 'USED_IF_PRESENT';
  anyOf: string | null;
}

export interface DeviceFact {
  id: string;
  class: string;
  kind: string;
  paravirtInterface?: string;
  /** Guest side: INBOX or ADDON driver. */
  driverSource?: string;
}

export interface VerdictInput {
  guest: { id: string; name: string };
  /** The guest then its ancestors, nearest first. */
  chain: Array<{ id: string; name: string }>;
  release: { id: string; name: string };
  records: VerdictRecord[];
  /** Keys the host has; null when the caller did not say. */
  hostFeatures: string[] | null;
  hostRequirements: HostRequirementFact[];
  guestDevices: DeviceFact[];
  releaseDevices: Array<DeviceFact & { model: string }>;
  /** Paravirt backends the release offers (keys); empty: the release has no choice of backend. */
  releaseBackends?: string[];
  /** The guest's effective paravirt-support answers for backends (inheritance resolved). */
  guestBackends?: Array<{ key: string; supported: boolean }>;
}

export interface DeviceMatch {
  class: string;
  deviceId: string | null;
  model: string | null;
  paravirtual: boolean;
}

export interface Conflict {
  a: string;
  b: string;
  reason: string;
}

export interface BackendVerdict {
  /** Null: the release offers no choice of backend. */
  backend: string | null;
  level: Verdict;
  basis: Basis;
  cellBasis: CellBasis;
  /** The evidence level of the record the level comes from (null when derived or unknown). */
  evidenceLevel: EvidenceLevel | null;
  recordIds: string[];
  conflicts: Conflict[];
  reasons: string[];
}

export interface VerdictResult {
  verdict: Verdict;
  basis: Basis;
  cellBasis: CellBasis;
  evidenceLevel: EvidenceLevel | null;
  reasons: string[];
  recordIds: string[];
  conflicts: Conflict[];
  missingHostFeatures: string[];
  devices: DeviceMatch[];
  backends: BackendVerdict[];
}

const MATCH_CLASSES = [
  'NETWORK',
  'STORAGE',
  'STORAGE_CONTROLLER',
  'DISPLAY',
  'INPUT',
  'RNG',
  'BALLOON',
  'CONSOLE',
  'SOUND',
  'USB_CONTROLLER',
  'TPM',
];
const KIND_ORDER: Record<string, number> = { PARAVIRTUAL: 0, EMULATED: 1, PHYSICAL: 2 };

/**
 * Best device per class that the guest drives and the release presents: paravirtual first; among
 * those the hypervisor's own paravirt family (the interface most of its paravirtual devices use:
 * virtio on KVM, netfront/blkfront on Xen, VMBus on Hyper-V), then an inbox driver before an
 * add-on one, virtio 1.0 before transitional; emulated devices last.
 */
export function matchDevices(guestDevices: DeviceFact[], releaseDevices: Array<DeviceFact & { model: string }>): DeviceMatch[] {
  const guest = guestIndex(guestDevices);
  const { byClass, native } = releaseIndex(releaseDevices);
  const familyScore = (d: DeviceFact) => {
    const iface = d.paravirtInterface ?? 'NONE';
    return native.get(iface.startsWith('VIRTIO') ? 'VIRTIO' : iface) ?? 0;
  };
  const ifaceRank = (d: DeviceFact) => {
    const i = IFACE_ORDER.indexOf(d.paravirtInterface ?? '');
    return i < 0 ? IFACE_ORDER.length : i;
  };
  const addon = (d: DeviceFact) => Number(guest.get(d.id)?.driverSource === 'ADDON');
  const out: DeviceMatch[] = [];
  for (const cls of MATCH_CLASSES) {
    let best: (DeviceFact & { model: string }) | undefined;
    for (const d of byClass.get(cls) ?? []) {
      if (!guest.has(d.id)) continue;
      if (
        !best ||
        ((KIND_ORDER[d.kind] ?? 9) - (KIND_ORDER[best.kind] ?? 9) ||
          familyScore(best) - familyScore(d) ||
          addon(d) - addon(best) ||
          ifaceRank(d) - ifaceRank(best) ||
          (d.id < best.id ? -1 : 1)) < 0
      ) {
        best = d;
      }
    }
    out.push({ class: cls, deviceId: best?.id ?? null, model: best?.model ?? null, paravirtual: best?.kind === 'PARAVIRTUAL' });
  }
  return out;
}

const IFACE_ORDER = ['VIRTIO_1_0', 'VIRTIO_TRANSITIONAL', 'VIRTIO_LEGACY'];
// A matrix derives many cells from the same device lists: their indexes are built once per list.
const guestIndexes = new WeakMap<DeviceFact[], Map<string, DeviceFact>>();
const releaseIndexes = new WeakMap<object, { byClass: Map<string, Array<DeviceFact & { model: string }>>; native: Map<string, number> }>();

function guestIndex(devices: DeviceFact[]): Map<string, DeviceFact> {
  let m = guestIndexes.get(devices);
  if (!m) {
    m = new Map(devices.map((d) => [d.id, d]));
    guestIndexes.set(devices, m);
  }
  return m;
}

function releaseIndex(devices: Array<DeviceFact & { model: string }>) {
  let ix = releaseIndexes.get(devices);
  if (!ix) {
    const byClass = new Map<string, Array<DeviceFact & { model: string }>>();
    const native = new Map<string, number>();
    for (const d of devices) {
      byClass.set(d.class, [...(byClass.get(d.class) ?? []), d]);
      if (d.kind === 'PARAVIRTUAL' && d.paravirtInterface) {
        const family = d.paravirtInterface.startsWith('VIRTIO') ? 'VIRTIO' : d.paravirtInterface;
        native.set(family, (native.get(family) ?? 0) + 1);
      }
    }
    ix = { byClass, native };
    releaseIndexes.set(devices, ix);
  }
  return ix;
}

/**
 * The device a disk attaches through: a block device (virtio-blk, blkfront) or a storage controller
 * (pvscsi, storvsc, virtio-scsi, AHCI, IDE), whichever is paravirtual; a block device on a tie.
 */
export function diskPath(devices: DeviceMatch[]): DeviceMatch | null {
  const candidates = devices.filter((d) => (d.class === 'STORAGE' || d.class === 'STORAGE_CONTROLLER') && d.deviceId);
  candidates.sort((a, b) => Number(b.paravirtual) - Number(a.paravirtual) || Number(a.class !== 'STORAGE') - Number(b.class !== 'STORAGE'));
  return candidates[0] ?? null;
}

export function missingRequirements(reqs: HostRequirementFact[], host: string[] | null): string[][] {
  if (host == null) return [];
  const have = new Set(host);
  const groups = new Map<string, string[]>();
  for (const r of reqs) {
    if (r.requirement !== 'REQUIRED') continue;
    const g = r.anyOf ?? `#${r.key}`;
    groups.set(g, [...(groups.get(g) ?? []), r.key]);
  }
  return [...groups.values()].filter((keys) => !keys.some((k) => have.has(k)));
}

const evidenceRank = (r: VerdictRecord) => EVIDENCE_ORDER.indexOf(r.evidenceLevel ?? 'USER_REPORTED');
/** Strongest evidence first, then the newest evidence (then the newest record), then the best status. */
export function rankRecords(records: VerdictRecord[]): VerdictRecord[] {
  return [...records].sort(
    (a, b) =>
      evidenceRank(a) - evidenceRank(b) ||
      (b.evidenceDate ?? '').localeCompare(a.evidenceDate ?? '') ||
      (b.createdAt ?? '').localeCompare(a.createdAt ?? '') ||
      RANK.indexOf(a.status) - RANK.indexOf(b.status) ||
      a.id.localeCompare(b.id),
  );
}

const backendLabel = (b: string | null) => b ?? 'the release as a whole';
const describe = (r: VerdictRecord) =>
  `${r.submitter} (${r.evidenceLevel ?? 'USER_REPORTED'}${r.evidenceDate ? `, ${r.evidenceDate}` : ''})`;

interface Shared {
  input: VerdictInput;
  applicable: VerdictRecord[];
  devices: DeviceMatch[];
  missing: string[][];
  guestBackends: Map<string, boolean>;
}

function backendVerdict(s: Shared, backend: string | null, several: boolean): BackendVerdict {
  const { input } = s;
  const reasons: string[] = [];
  const on = several ? ` as ${backend}` : '';
  const mineAll = s.applicable.filter((r) => (r.backend ?? null) === null || r.backend === backend);
  let chosen: VerdictRecord[] = [];
  let basis: Basis = 'CATALOGUE';
  for (const [i, g] of input.chain.entries()) {
    const mine = mineAll.filter((r) => r.guestId === g.id);
    if (mine.length) {
      chosen = rankRecords(mine);
      basis = i === 0 ? 'RECORDS' : 'INHERITED_RECORDS';
      reasons.push(
        i === 0
          ? `${mine.length} accepted record(s) for ${g.name} on ${input.release.name}${on}`
          : `no record for ${input.guest.name}${on}; ${mine.length} accepted record(s) for its ancestor ${g.name} apply`,
      );
      break;
    }
  }

  const conflicts: Conflict[] = [];
  for (const [i, a] of chosen.entries()) {
    for (const b of chosen.slice(i + 1)) {
      if (a.submitter !== b.submitter && POLARITY[a.status] !== POLARITY[b.status]) {
        conflicts.push({ a: a.id, b: b.id, reason: `${a.submitter} says ${a.status}, ${b.submitter} says ${b.status}` });
      }
    }
  }

  if (chosen.length) {
    const top = at(chosen, 0, 'a chosen record (this branch runs only when some are chosen)');
    const topLevel = top.evidenceLevel ?? 'USER_REPORTED';
    const peers = chosen.filter((r) => (r.evidenceLevel ?? 'USER_REPORTED') === topLevel);
    const peerConflicts = conflicts.filter((c) => peers.some((p) => p.id === c.a) && peers.some((p) => p.id === c.b));
    if (peerConflicts.length) {
      reasons.push(`vendors disagree at the same evidence level (${topLevel}): ${peerConflicts.map((c) => c.reason).join('; ')}`);
      return {
        backend,
        level: 'CONFLICT',
        basis,
        cellBasis: 'RECORD',
        evidenceLevel: topLevel,
        recordIds: chosen.map((r) => r.id),
        conflicts,
        reasons,
      };
    }
    const best = at(
      [...peers].sort((a, b) => RANK.indexOf(a.status) - RANK.indexOf(b.status)),
      0,
      'the top record is among its peers',
    );
    if (conflicts.length) {
      const outranked = chosen.filter((r) => !peers.includes(r) && POLARITY[r.status] !== POLARITY[best.status]);
      reasons.push(
        `${outranked.map((r) => `${describe(r)} says ${r.status}`).join('; ')}: outranked by ${describe(best)}, stronger evidence`,
      );
    }
    reasons.push(`${best.status}${on} from record ${best.id} by ${describe(best)}`);
    return {
      backend,
      level: best.status,
      basis,
      cellBasis: 'RECORD',
      evidenceLevel: best.evidenceLevel ?? 'USER_REPORTED',
      recordIds: chosen.map((r) => r.id),
      conflicts,
      reasons,
    };
  }

  reasons.push(`no accepted record for ${input.guest.name} or its ancestors on ${input.release.name}${on}`);
  const derived = (level: Verdict, cellBasis: CellBasis): BackendVerdict => ({
    backend,
    level,
    basis,
    cellBasis,
    evidenceLevel: null,
    recordIds: [],
    conflicts,
    reasons,
  });
  const guestSays = backend == null ? undefined : s.guestBackends.get(backend);
  if (guestSays === false) {
    reasons.push(`the catalogue says ${input.guest.name} cannot run as ${backend}`);
    return derived('UNSUPPORTED', 'DERIVED');
  }
  if (guestSays === undefined && backend != null && COOPERATIVE_BACKENDS.has(backend)) {
    reasons.push(`${backend} needs the guest's cooperation and the catalogue does not say whether ${input.guest.name} has it`);
    return derived('UNKNOWN', 'UNKNOWN');
  }
  if (guestSays === true) reasons.push(`the catalogue says ${input.guest.name} runs as ${backend}`);
  const net = s.devices.find((d) => d.class === 'NETWORK');
  const disk = diskPath(s.devices);
  if (!(net?.deviceId && disk)) {
    const lacking = [!disk && 'storage', !net?.deviceId && 'network'].filter(Boolean).join(' and ');
    reasons.push(`no ${lacking} device that both the guest drives and the hypervisor presents is known`);
    return derived('UNKNOWN', 'UNKNOWN');
  }
  reasons.push(
    `the guest drives ${disk.model} (${disk.class === 'STORAGE' ? 'storage' : 'storage controller'}, ${disk.paravirtual ? 'paravirtual' : 'emulated'}) and ${net.model} (network, ${net.paravirtual ? 'paravirtual' : 'emulated'}), which the hypervisor presents`,
  );
  if (s.missing.length) {
    reasons.push('without the required host features only software emulation is possible, where the hypervisor offers it');
    return derived('PARTIAL', 'DERIVED');
  }
  return derived('LIKELY', 'DERIVED');
}

export function deriveVerdict(input: VerdictInput): VerdictResult {
  const reasons: string[] = [];
  const missing = missingRequirements(input.hostRequirements, input.hostFeatures);
  for (const keys of missing) {
    reasons.push(
      `${input.release.name} requires ${keys.join(' or ')} for hardware-assisted operation; the host has ${keys.length > 1 ? 'none of them' : 'not got it'}`,
    );
  }
  const hostSet = input.hostFeatures ? new Set(input.hostFeatures) : null;
  const holding = input.records.filter((r) => r.hostFeatureKey == null || hostSet == null || hostSet.has(r.hostFeatureKey));
  const skipped = input.records.length - holding.length;
  if (skipped > 0) reasons.push(`${skipped} record(s) left out: they hold only on hosts with a feature this host lacks`);
  const applicable = holding.filter((r) => !r.deviceId);
  const deviceRecords = holding.filter((r) => r.deviceId);
  const cannot = new Set<string>();
  for (const r of deviceRecords) {
    if (POLARITY[r.status] < 0 && r.deviceId) {
      cannot.add(r.deviceId);
      reasons.push(`record ${r.id} by ${describe(r)}: ${r.status} with device ${r.deviceId}, so it is left out of the device match`);
    }
  }
  const devices = matchDevices(
    cannot.size ? input.guestDevices.filter((d) => !cannot.has(d.id)) : input.guestDevices,
    input.releaseDevices,
  );

  // The release's backends, and any a record names that the release does not list.
  const names: Array<string | null> = [...new Set(input.releaseBackends ?? [])].sort();
  for (const r of applicable) if (r.backend && !names.includes(r.backend)) names.push(r.backend);
  if (names.length === 0) names.push(null);
  const shared: Shared = {
    input,
    applicable,
    devices,
    missing,
    guestBackends: new Map((input.guestBackends ?? []).map((b) => [b.key, b.supported])),
  };
  const several = names.length > 1;
  const backends = names.map((b) => backendVerdict(shared, b, several));
  const ordered = [...backends].sort((a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level));
  const best = at(ordered, 0, 'at least one backend');

  if (several && new Set(backends.map((b) => b.level)).size > 1) {
    const byLevel = new Map<Verdict, string[]>();
    for (const b of ordered) byLevel.set(b.level, [...(byLevel.get(b.level) ?? []), backendLabel(b.backend)]);
    const parts = [...byLevel].map(([level, bs]) => `${level} as ${bs.join(', ')}`);
    const negative = ordered.filter((b) => NEGATIVE_LEVELS.has(b.level));
    reasons.push(
      `backends differ: ${parts.join('; ')}${negative.length ? ` (use ${backendLabel(best.backend)}, not ${negative.map((b) => backendLabel(b.backend)).join(', ')})` : ''}`,
    );
  }
  for (const b of backends) reasons.push(...b.reasons);

  const recordIds = [...new Set([...backends.flatMap((b) => b.recordIds), ...deviceRecords.map((r) => r.id)])];
  const seen = new Set<string>();
  const conflicts = backends
    .flatMap((b) => b.conflicts)
    .filter((c) => {
      const k = `${c.a}\u0000${c.b}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  return {
    verdict: best.level,
    basis: best.basis,
    cellBasis: best.cellBasis,
    evidenceLevel: best.evidenceLevel,
    reasons,
    recordIds,
    conflicts,
    missingHostFeatures: missing.map((keys) => keys.join('|')),
    devices,
    backends,
  };
}
