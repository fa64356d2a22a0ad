// Known issues are data (seed/curated/known-issues.yaml, vendors' submissions): which ones a move meets.
import { z } from 'zod';
import type { GuestFacts } from '../facts.ts';
import { formatZodError, HYPERVISOR_KEYS, type HypervisorKey } from '../spec.ts';
import type { DeviceMapping, KnownIssue, PreflightItem } from './types.ts';

export interface IssueContext {
  from: HypervisorKey;
  to: HypervisorKey;
  guest: GuestFacts;
  mapping: DeviceMapping[];
  conditions: Set<NonNullable<KnownIssue['condition']>>;
}

/** The guest, its short ids and what it derives from (one level: the facts carry the parent's id). */
function guestNames(g: GuestFacts): string[] {
  return [g.id, ...g.shortIds, ...(g.derivesFrom ? [g.derivesFrom] : [])];
}

/** Does the issue apply to this move? Every selector the issue sets must hold; unset ones match anything. */
export function issueApplies(issue: KnownIssue, c: IssueContext): boolean {
  if (issue.fromHypervisor && issue.fromHypervisor !== c.from) return false;
  if (issue.toHypervisor && issue.toHypervisor !== c.to) return false;
  if (issue.guestFamily && issue.guestFamily !== c.guest.family) return false;
  if (issue.guest && !guestNames(c.guest).includes(issue.guest)) return false;
  if (issue.condition && !c.conditions.has(issue.condition)) return false;
  if (issue.fromDevice || issue.toDevice) {
    const hit = c.mapping.some(
      (m) =>
        (!issue.fromDevice || m.source.key === issue.fromDevice) &&
        (!issue.toDevice || m.target.key === issue.toDevice) &&
        // a device selector names a transition: a device kept as it is meets no transition issue
        m.changed,
    );
    if (!hit) return false;
  }
  return true;
}

/** The issues that apply, as pre-flight risks citing the issue and its public source. */
export function knownIssueItems(issues: KnownIssue[], c: IssueContext): PreflightItem[] {
  return issues
    .filter((i) => issueApplies(i, c))
    .map((i) => ({
      id: `issue:${i.key}`,
      kind: 'risk' as const,
      severity: i.severity,
      title: i.title,
      trigger: i.trigger,
      when: 'before-move' as const,
      workaround: i.workaround,
      evidence: [{ record: i.key, rule: 'move.known-issue', source: i.evidenceUrl }],
    }));
}

const Issue = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, . and -'),
    title: z.string().min(1),
    severity: z.enum(['info', 'warning', 'blocker']),
    fromHypervisor: z.enum(HYPERVISOR_KEYS).nullable().default(null),
    toHypervisor: z.enum(HYPERVISOR_KEYS).nullable().default(null),
    fromDevice: z.string().min(1).nullable().default(null),
    toDevice: z.string().min(1).nullable().default(null),
    guestFamily: z.string().min(1).nullable().default(null),
    guest: z.string().min(1).nullable().default(null),
    condition: z.enum(['tpm', 'secure-boot', 'firmware-change', 'nic-change', 'disk-change']).nullable().default(null),
    trigger: z.string().min(1),
    workaround: z.string().min(1),
    evidenceUrl: z.url({ protocol: /^https?$/ }),
    source: z.string().min(1).default('curated'),
  })
  .strict();

export class KnownIssueError extends Error {
  override name = 'KnownIssueError';
  readonly code = 'KNOWN_ISSUE_INVALID';
}

/** `{ issues: [...] }` (the seed file, a vendor's submission) → issues; every bad field named by its path. */
export function parseKnownIssues(value: unknown, source = 'known issues'): KnownIssue[] {
  const r = z
    .object({ issues: z.array(Issue) })
    .strict()
    .safeParse(value);
  if (!r.success) throw new KnownIssueError(`${source}: ${formatZodError(r.error)}`);
  const keys = new Set<string>();
  for (const [i, issue] of r.data.issues.entries()) {
    if (keys.has(issue.key)) throw new KnownIssueError(`${source}: issues[${i}].key: duplicate key ${issue.key}`);
    keys.add(issue.key);
    if (!issue.fromHypervisor && !issue.toHypervisor && !issue.fromDevice && !issue.toDevice && !issue.condition)
      throw new KnownIssueError(
        `${source}: issues[${i}]: a known issue names a transition: set a hypervisor or a device on either side, or a condition`,
      );
  }
  return r.data.issues;
}
