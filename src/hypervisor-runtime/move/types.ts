// The move plan: what `virtcompat move` and the `movePlan` query return. Plain data (JSON-serialisable).
import type { Plan } from '../plan.ts';
import type { HypervisorKey } from '../spec.ts';

export const MOVE_SCHEMA = 'virtcompat-move/1';

/** Where a pre-flight item comes from: a catalogue record or known issue, a rule of the planner, a public source. */
export interface Evidence {
  /** Catalogue id (guest, device, release) or known-issue key. */
  record?: string;
  /** Stable rule id (move.*), one test per rule. */
  rule: string;
  /** Public URL that documents the fact. */
  source?: string;
}

export type PreflightKind = 'step' | 'risk' | 'conversion' | 'two-step';
export type Severity = 'info' | 'warning' | 'blocker';

export interface PreflightItem {
  /** Stable id inside the move: step:initramfs:disk0, risk:mac:net0 ... */
  id: string;
  kind: PreflightKind;
  severity: Severity;
  /** One sentence: what to do or what can happen. */
  title: string;
  /** What in this move triggers it (the device change, the firmware, the MAC ...). */
  trigger: string;
  /** Where it must happen: inside the guest before the move, on the host, after the first boot. */
  when: 'before-move' | 'on-host' | 'after-first-boot';
  /** Commands, when the item has any (one per line, each for the system the item names). */
  commands?: string[];
  /** The conversion's argv (kind conversion). */
  argv?: string[];
  /** The target needs this done before it can boot (a step the guest cannot do without). */
  bootCritical?: boolean;
  workaround?: string;
  evidence: Evidence[];
}

/** A source device and what it becomes on the target. */
export interface DeviceMapping {
  role: 'disk' | 'cdrom' | 'nic';
  /** The source's device, as the file names it (bus/controller or NIC model). */
  source: { index: number; key: string | null; describe: string; mac?: string | null; path?: string | null };
  /** The planned device on the target. */
  target: { id: string; key: string | null; model: string; bus: string; deviceId: string | null; mac?: string };
  /** The equivalence group both belong to, when the catalogue has one. */
  group: string | null;
  changed: boolean;
}

export interface MovePlan {
  schema: typeof MOVE_SCHEMA;
  name: string;
  from: { hypervisor: HypervisorKey; format: string };
  to: HypervisorKey;
  guest: { id: string; shortId: string | null; name: string; family: string | null };
  /** The guest-side preparation is declared done (--prepared): steps count as done. */
  prepared: boolean;
  mapping: DeviceMapping[];
  preflight: PreflightItem[];
  /** The target VM (after the preparation; the second step of a two-step move). */
  plan: Plan;
  /** Two-step move: the first boot, on a bus the guest drives now; null when one step is enough. */
  firstBoot: Plan | null;
  warnings: string[];
}

export type MoveErrorCode = 'TARGET_CANNOT_HOST' | 'PREPARATION_REQUIRED' | 'GUEST_UNKNOWN' | 'SOURCE_UNUSABLE';

/** The move cannot be planned: the exact reason, and the pre-flight gathered so far (the steps that would unblock it). */
export class MoveError extends Error {
  override name = 'MoveError';
  readonly code: MoveErrorCode;
  readonly requirement: string;
  readonly records: string[];
  readonly preflight: PreflightItem[];
  constructor(code: MoveErrorCode, requirement: string, message: string, records: string[] = [], preflight: PreflightItem[] = []) {
    super(message);
    this.code = code;
    this.requirement = requirement;
    this.records = records;
    this.preflight = preflight;
  }
  toJSON() {
    return { error: this.code, requirement: this.requirement, message: this.message, records: this.records, preflight: this.preflight };
  }
}

/**
 * A known issue on a transition: device A → device B, on guest G, hypervisor H → H'. Unset selectors match
 * anything. Device selectors are the runtime's device keys (virtio-blk, pvscsi, vmxnet3, e1000 ...).
 */
export interface KnownIssue {
  key: string;
  title: string;
  severity: Severity;
  fromHypervisor: string | null;
  toHypervisor: string | null;
  fromDevice: string | null;
  toDevice: string | null;
  /** Guest OS family (linux, winnt ...), or null. */
  guestFamily: string | null;
  /** Guest id or short id (its descendants match too), or null. */
  guest: string | null;
  /** A condition of the VM that must hold: tpm, secure-boot, static-mac, firmware-change; null for none. */
  condition: 'tpm' | 'secure-boot' | 'firmware-change' | 'nic-change' | 'disk-change' | null;
  trigger: string;
  workaround: string;
  evidenceUrl: string;
  /** Who stands behind it (a vendor slug, or `curated`). */
  source: string;
}
