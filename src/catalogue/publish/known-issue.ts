// Known issues on moves between hypervisors (device A → device B, on guest G, hypervisor H → H'),
// submitted by any vendor like its other entities: the steps every publish shares (ownership, merge,
// audit, change feed) are in engine.ts. Curated ones come from seed/curated/known-issues.yaml.
import type { WriteEnv } from '../authorize.ts';
import { Problems, RULES, text, url } from '../validate.ts';
import { publish, merge, type Owned, type PublishOutcome } from './engine.ts';

export const KNOWN_ISSUE_SEVERITIES = ['INFO', 'WARNING', 'BLOCKER'] as const;
export const KNOWN_ISSUE_CONDITIONS = ['tpm', 'secure-boot', 'firmware-change', 'nic-change', 'disk-change'] as const;

export interface KnownIssueInput {
  key: string;
  title: string;
  severity: string;
  fromHypervisor?: string | null;
  toHypervisor?: string | null;
  fromDevice?: string | null;
  toDevice?: string | null;
  guestFamily?: string | null;
  guest?: string | null;
  condition?: string | null;
  trigger: string;
  workaround: string;
  evidenceUrl: string;
}

export interface KnownIssueSnapshot extends Owned {
  key: string;
  title: string;
  severity: string;
  fromHypervisor: string | null;
  toHypervisor: string | null;
  fromDevice: string | null;
  toDevice: string | null;
  guestFamily: string | null;
  guestId: string | null;
  condition: string | null;
  trigger: string;
  workaround: string;
  evidenceUrl: string;
  source: string;
}

export const knownIssueId = (key: string) => `http://virtcompat.org/known-issue/${key}`;

const COLUMNS = `id, key, title, severity::text AS severity, "fromHypervisor", "toHypervisor", "fromDevice", "toDevice",
  "guestFamily", "guestId", condition, trigger, workaround, "evidenceUrl", source, "ownerVendorId"`;

export async function publishKnownIssue(env: WriteEnv, input: KnownIssueInput): Promise<PublishOutcome<KnownIssueSnapshot>> {
  const pre = new Problems([], ['input']);
  const key = text(pre, ['key'], input.key, RULES.key, true);
  return publish<KnownIssueSnapshot>(
    env,
    {
      action: 'publishKnownIssue',
      entityType: 'KnownIssue',
      kinds: ['HYPERVISOR', 'OS', 'HARDWARE', 'OTHER'],
      async load(tx) {
        const [k] = await tx.query<KnownIssueSnapshot>(`SELECT ${COLUMNS} FROM "KnownIssue" WHERE key = $1 FOR UPDATE`, [key]);
        return k ?? null;
      },
      async build(tx, stored, p) {
        const title = text(p, ['title'], input.title, RULES.name, true);
        if (!(KNOWN_ISSUE_SEVERITIES as readonly string[]).includes(input.severity))
          p.add(['severity'], 'INVALID_FORMAT', `one of ${KNOWN_ISSUE_SEVERITIES.join(', ')}`);
        const hv = { fromHypervisor: input.fromHypervisor, toHypervisor: input.toHypervisor };
        const keys = Object.values(hv).filter((x): x is string => typeof x === 'string');
        const known = new Set(
          keys.length
            ? (await tx.query<{ key: string }>(`SELECT key FROM "Hypervisor" WHERE key = ANY($1::text[])`, [keys])).map((r) => r.key)
            : [],
        );
        for (const [field, v] of Object.entries(hv))
          if (typeof v === 'string' && !known.has(v)) p.add([field], 'UNKNOWN_REFERENCE', `no hypervisor ${JSON.stringify(v)}`);
        const fromDevice = text(p, ['fromDevice'], input.fromDevice, RULES.key);
        const toDevice = text(p, ['toDevice'], input.toDevice, RULES.key);
        const guestFamily = text(p, ['guestFamily'], input.guestFamily, RULES.key);
        const guest = text(p, ['guest'], input.guest, RULES.ref);
        if (typeof guest === 'string') {
          const [g] = await tx.query<{ id: string }>(`SELECT id FROM "GuestOS" WHERE id = $1 OR $1 = ANY("shortIds") LIMIT 1`, [guest]);
          if (!g) p.add(['guest'], 'UNKNOWN_REFERENCE', `no guest OS ${JSON.stringify(guest)}`);
        }
        if (input.condition != null && !(KNOWN_ISSUE_CONDITIONS as readonly string[]).includes(input.condition))
          p.add(['condition'], 'INVALID_FORMAT', `one of ${KNOWN_ISSUE_CONDITIONS.join(', ')}`);
        const trigger = text(p, ['trigger'], input.trigger, RULES.notes, true);
        const workaround = text(p, ['workaround'], input.workaround, RULES.notes, true);
        const evidenceUrl = url(p, ['evidenceUrl'], input.evidenceUrl);
        if (input.evidenceUrl === undefined || input.evidenceUrl === null)
          p.add(['evidenceUrl'], 'EVIDENCE_REQUIRED', 'a known issue cites its public source');
        const m = <T>(field: string, checked: T | undefined, was: T | undefined) => merge(input, field, checked, was);
        const built: KnownIssueSnapshot = {
          id: stored?.id ?? knownIssueId(key ?? ''),
          key: key ?? '',
          title: title ?? '',
          severity: input.severity,
          fromHypervisor: m('fromHypervisor', input.fromHypervisor ?? undefined, stored?.fromHypervisor ?? undefined),
          toHypervisor: m('toHypervisor', input.toHypervisor ?? undefined, stored?.toHypervisor ?? undefined),
          fromDevice: m('fromDevice', fromDevice, stored?.fromDevice ?? undefined),
          toDevice: m('toDevice', toDevice, stored?.toDevice ?? undefined),
          guestFamily: m('guestFamily', guestFamily, stored?.guestFamily ?? undefined),
          guestId: m('guest', guest, stored?.guestId ?? undefined),
          condition: m('condition', input.condition ?? undefined, stored?.condition ?? undefined),
          trigger: trigger ?? '',
          workaround: workaround ?? '',
          evidenceUrl: evidenceUrl ?? '',
          source: stored?.source ?? '',
          ownerVendorId: stored?.ownerVendorId ?? null,
        };
        if (!built.fromHypervisor && !built.toHypervisor && !built.fromDevice && !built.toDevice && !built.condition)
          p.add([], 'REQUIRED', 'a known issue names a transition: fromHypervisor, toHypervisor, fromDevice, toDevice or condition');
        return built;
      },
      table: 'KnownIssue',
      row: (k, vendorId) => ({ ...k, source: `vendor:${vendorId}`, ownerVendorId: vendorId }),
      casts: { severity: '"KnownIssueSeverity"' },
      keep: ['key', 'source', 'ownerVendorId'],
    },
    pre,
  );
}
