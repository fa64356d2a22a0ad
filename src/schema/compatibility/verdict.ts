// The compatibility verdict, derived purely from facts gathered by the resolver. Every step appends
// a reason, so the answer reads like a review, and the function is unit-tested without a database.
import { at } from '../../util/must.ts';

export type Status = 'CERTIFIED' | 'SUPPORTED' | 'WORKS' | 'PARTIAL' | 'BROKEN' | 'UNSUPPORTED';
export type Verdict = Status | 'CONFLICT' | 'LIKELY' | 'UNKNOWN';
export type Basis = 'RECORDS' | 'INHERITED_RECORDS' | 'CATALOGUE';

const RANK: Status[] = ['CERTIFIED', 'SUPPORTED', 'WORKS', 'PARTIAL', 'BROKEN', 'UNSUPPORTED'];
const POLARITY: Record<Status, number> = { CERTIFIED: 1, SUPPORTED: 1, WORKS: 1, PARTIAL: 0, BROKEN: -1, UNSUPPORTED: -1 };

export interface VerdictRecord {
  id: string;
  guestId: string;
  status: Status;
  submitter: string; // vendor id, or the source for curated/imported records
  hostFeatureKey: string | null;
  evidenceDate: string | null;
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
}

export interface DeviceMatch {
  class: string;
  deviceId: string | null;
  model: string | null;
  paravirtual: boolean;
}

export interface VerdictResult {
  verdict: Verdict;
  basis: Basis;
  reasons: string[];
  recordIds: string[];
  conflicts: Array<{ a: string; b: string; reason: string }>;
  missingHostFeatures: string[];
  devices: DeviceMatch[];
}

const MATCH_CLASSES = ['NETWORK', 'STORAGE', 'DISPLAY', 'INPUT', 'RNG', 'BALLOON', 'CONSOLE', 'SOUND', 'USB_CONTROLLER', 'TPM'];
const KIND_ORDER: Record<string, number> = { PARAVIRTUAL: 0, EMULATED: 1, PHYSICAL: 2 };

/**
 * Best device per class that the guest drives and the release presents: paravirtual first; among
 * those the hypervisor's own paravirt family (the interface most of its paravirtual devices use:
 * virtio on KVM, netfront/blkfront on Xen, VMBus on Hyper-V), then an inbox driver before an
 * add-on one, virtio 1.0 before transitional; emulated devices last.
 */
export function matchDevices(guestDevices: DeviceFact[], releaseDevices: Array<DeviceFact & { model: string }>): DeviceMatch[] {
  const guest = new Map(guestDevices.map((d) => [d.id, d]));
  const native = new Map<string, number>();
  for (const d of releaseDevices) {
    if (d.kind === 'PARAVIRTUAL' && d.paravirtInterface) {
      const family = d.paravirtInterface.startsWith('VIRTIO') ? 'VIRTIO' : d.paravirtInterface;
      native.set(family, (native.get(family) ?? 0) + 1);
    }
  }
  const familyScore = (d: DeviceFact) => {
    const iface = d.paravirtInterface ?? 'NONE';
    return native.get(iface.startsWith('VIRTIO') ? 'VIRTIO' : iface) ?? 0;
  };
  const IFACE_ORDER = ['VIRTIO_1_0', 'VIRTIO_TRANSITIONAL', 'VIRTIO_LEGACY'];
  const ifaceRank = (d: DeviceFact) => {
    const i = IFACE_ORDER.indexOf(d.paravirtInterface ?? '');
    return i < 0 ? IFACE_ORDER.length : i;
  };
  const out: DeviceMatch[] = [];
  for (const cls of MATCH_CLASSES) {
    const both = releaseDevices
      .filter((d) => d.class === cls && guest.has(d.id))
      .sort(
        (a, b) =>
          (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) ||
          familyScore(b) - familyScore(a) ||
          Number(guest.get(a.id)!.driverSource === 'ADDON') - Number(guest.get(b.id)!.driverSource === 'ADDON') ||
          ifaceRank(a) - ifaceRank(b) ||
          a.id.localeCompare(b.id),
      );
    const best = both[0];
    out.push({ class: cls, deviceId: best?.id ?? null, model: best?.model ?? null, paravirtual: best?.kind === 'PARAVIRTUAL' });
  }
  return out;
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

export function deriveVerdict(input: VerdictInput): VerdictResult {
  const reasons: string[] = [];
  const missing = missingRequirements(input.hostRequirements, input.hostFeatures);
  for (const keys of missing) {
    reasons.push(
      `${input.release.name} requires ${keys.join(' or ')} for hardware-assisted operation; the host has ${keys.length > 1 ? 'none of them' : 'not got it'}`,
    );
  }
  const devices = matchDevices(input.guestDevices, input.releaseDevices);

  const hostSet = input.hostFeatures ? new Set(input.hostFeatures) : null;
  const applicable = input.records.filter((r) => {
    if (r.hostFeatureKey == null) return true;
    if (hostSet == null) return true;
    return hostSet.has(r.hostFeatureKey);
  });
  const skipped = input.records.length - applicable.length;
  if (skipped > 0) reasons.push(`${skipped} record(s) left out: they hold only on hosts with a feature this host lacks`);

  let chosen: VerdictRecord[] = [];
  let basis: Basis = 'CATALOGUE';
  for (const [i, g] of input.chain.entries()) {
    const mine = applicable.filter((r) => r.guestId === g.id);
    if (mine.length) {
      chosen = mine;
      basis = i === 0 ? 'RECORDS' : 'INHERITED_RECORDS';
      reasons.push(
        i === 0
          ? `${mine.length} accepted record(s) for ${g.name} on ${input.release.name}`
          : `no record for ${input.guest.name}; ${mine.length} accepted record(s) for its ancestor ${g.name} apply`,
      );
      break;
    }
  }

  const conflicts: VerdictResult['conflicts'] = [];
  for (const [i, a] of chosen.entries()) {
    for (const b of chosen.slice(i + 1)) {
      if (a.submitter !== b.submitter && POLARITY[a.status] !== POLARITY[b.status]) {
        conflicts.push({ a: a.id, b: b.id, reason: `${a.submitter} says ${a.status}, ${b.submitter} says ${b.status}` });
      }
    }
  }

  let verdict: Verdict;
  if (chosen.length === 0) {
    const net = devices.find((d) => d.class === 'NETWORK');
    const disk = devices.find((d) => d.class === 'STORAGE');
    reasons.push(`no accepted record for ${input.guest.name} or its ancestors on ${input.release.name}`);
    if (net?.deviceId && disk?.deviceId) {
      verdict = 'LIKELY';
      reasons.push(
        `the guest drives ${disk.model} (storage, ${disk.paravirtual ? 'paravirtual' : 'emulated'}) and ${net.model} (network, ${net.paravirtual ? 'paravirtual' : 'emulated'}), which the hypervisor presents`,
      );
    } else {
      verdict = 'UNKNOWN';
      const lacking = [!disk?.deviceId && 'storage', !net?.deviceId && 'network'].filter(Boolean).join(' and ');
      reasons.push(`no ${lacking} device that both the guest drives and the hypervisor presents is known`);
    }
    if (missing.length && verdict === 'LIKELY') {
      verdict = 'PARTIAL';
      reasons.push('without the required host features only software emulation is possible, where the hypervisor offers it');
    }
  } else if (conflicts.length) {
    verdict = 'CONFLICT';
    reasons.push(`vendors disagree: ${conflicts.map((c) => c.reason).join('; ')}`);
  } else {
    const best = at(
      [...chosen].sort((a, b) => RANK.indexOf(a.status) - RANK.indexOf(b.status)),
      0,
      'a chosen record (this branch runs only when some are chosen)',
    );
    verdict = best.status;
    reasons.push(`verdict ${best.status} from record ${best.id} (${best.submitter})`);
  }

  return {
    verdict,
    basis,
    reasons,
    recordIds: chosen.map((r) => r.id),
    conflicts,
    missingHostFeatures: missing.map((keys) => keys.join('|')),
    devices,
  };
}
