// What every family planner works from (Ctx), the part of a plan a family decides, and because():
// every choice names its rule, the records behind it and what was passed over.
import type { ParavirtInterface, GuestFacts, HypervisorReleaseFacts, PlanningFacts } from '../facts.ts';
import type { HostProfile } from '../host.ts';
import { type DeviceContext } from '../devices.ts';
import { type Because, type Plan } from '../plan.ts';
import { type VmSpec } from '../spec.ts';

/** The part of a plan each hypervisor family decides. */
export type FamilyPlan = Omit<
  Plan,
  | 'schema'
  | 'name'
  | 'arch'
  | 'guest'
  | 'hypervisor'
  | 'host'
  | 'facts'
  | 'warnings'
  | 'memory'
  | 'resources'
  | 'migration'
  | 'omitted'
  | 'drivers'
>;

export interface Ctx {
  facts: PlanningFacts;
  guest: GuestFacts;
  label: string;
  release: HypervisorReleaseFacts;
  host: HostProfile;
  spec: VmSpec;
  arch: string;
  /** The guest architecture whose records apply: `arch`, or i686 for a 32-bit x86 guest on an x86_64 VM. */
  guestArch: string;
  name: string;
  warnings: string[];
  devctx: DeviceContext;
  migrationHosts: HostProfile[];
  isWindows: boolean;
  omitted: Plan['omitted'];
}

export const because = (reason: string, rule: string, records: string[], extra: Partial<Because> = {}): Because => ({
  reason,
  rule,
  records: [...new Set(records)],
  ...extra,
});

/** A hypervisor family's planner, registered in PLANNERS (decide/index.ts). */
export interface FamilyPlanner {
  /** Paravirtual device interfaces the family presents natively (others it offers are emulations). */
  native: ParavirtInterface[];
  /** The family's part of the plan; resources are already checked (vcpus is the VM's count). */
  plan(ctx: Ctx, vcpus: number): FamilyPlan;
}
