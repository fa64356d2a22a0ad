// Vendors publish what they own: guest releases (OS vendors), devices (hardware and hypervisor
// vendors), hypervisors and their releases with capabilities (hypervisor vendors), hardware
// features (hardware vendors). Same pattern for each: check shapes, lock the entity, refuse writes
// to what another vendor (or the curators) owns, check references, merge the input over what is
// stored (absent field: keep; null: clear; list: replace), and write only when something changed,
// with an audit entry (before/after) and a change-feed row.
//
// This file is that pattern (`publish`, driven by a `Spec`) and the helpers the entity files share;
// each entity's Spec is in its own file next to it.
import { classifyDbError } from '../../db/classify.ts';
import type { Sql } from '../../db/sql.ts';
import { appError, ErrorCode } from '../../errors.ts';
import { invalidEntry, writeAudit } from '../audit.ts';
import { authorize, gate, Refused, writingVendor, type WriteEnv } from '../authorize.ts';
import { appendChanges } from '../changes.ts';
import type { CatalogueEvent } from '../events.ts';
import { inTransaction } from '../tx.ts';
import { canonical, list, Problems, text, unique, type InputError, type TextRule } from '../validate.ts';

export interface PublishOutcome<S> {
  snapshot: S | null;
  created: boolean;
  changed: boolean;
  inputErrors: InputError[];
  events: CatalogueEvent[];
}

export type Owned = { id: string; ownerVendorId: string | null };

class Invalid extends Error {}

export const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Absent: keep the stored value (or the default for a new entity); present: the checked value or null. */
export function merge<T>(input: object, field: string, checked: T | undefined, stored: T | undefined, fallback: T | null = null): T | null {
  if (has(input, field)) return checked ?? null;
  return stored !== undefined ? stored : fallback;
}

const META = new Set(['ownerVendorId', 'source']);
const sameContent = (a: object, b: object) =>
  canonical(Object.fromEntries(Object.entries(a).filter(([k]) => !META.has(k)))) ===
  canonical(Object.fromEntries(Object.entries(b).filter(([k]) => !META.has(k))));

export interface Spec<S extends Owned> {
  action: string;
  entityType: string;
  /** Vendor kinds that may create a new entity of this type (ownership decides for existing ones). */
  kinds: string[];
  /** Runs first in every attempt of the transaction (lookups the other steps share). */
  prepare?(tx: Sql): Promise<void>;
  load(tx: Sql): Promise<S | null>;
  /** Refusal for a new entity beyond the vendor-kind rule (e.g. a release of someone else's hypervisor). */
  refuseNew?(tx: Sql, vendorId: string): Promise<string | null>;
  build(tx: Sql, stored: S | null, p: Problems): Promise<S>;
  write(tx: Sql, merged: S, stored: S | null, vendorId: string): Promise<void>;
}

export async function publish<S extends Owned>(env: WriteEnv, spec: Spec<S>, preProblems: Problems): Promise<PublishOutcome<S>> {
  await authorize(env, ['SUBMITTER'], spec.action, spec.entityType);
  const vendorId = writingVendor(env, spec.action);
  const none = (inputErrors: InputError[]): PublishOutcome<S> => ({
    snapshot: null,
    created: false,
    changed: false,
    inputErrors,
    events: [],
  });
  const invalidAudit = (problems: InputError[]) =>
    writeAudit(env.db.sql, env.actor, [invalidEntry(spec.action, spec.entityType, problems)]);
  if (preProblems.count) {
    await invalidAudit(preProblems.list);
    return none(preProblems.list);
  }
  const problems = new Problems([], ['input']);
  return gate(env, spec.action, async () => {
    try {
      return await inTransaction(env.db, async (tx) => {
        problems.list.length = 0;
        await spec.prepare?.(tx);
        const stored = await spec.load(tx);
        if (stored) {
          if (stored.ownerVendorId !== vendorId) {
            throw new Refused(
              `${spec.entityType} ${stored.id} is owned by ${stored.ownerVendorId ? `vendor ${stored.ownerVendorId}` : 'the curated catalogue (ask an admin to assign it)'}, not by ${vendorId}`,
              spec.entityType,
              stored.id,
            );
          }
        } else {
          const [v] = await tx.query<{ kinds: string[] }>(`SELECT kinds::text[] AS kinds FROM "Vendor" WHERE id = $1`, [vendorId]);
          if (!v || !v.kinds.some((k) => spec.kinds.includes(k))) {
            throw new Refused(
              `vendor ${vendorId} (${v?.kinds.join(', ') || 'no kinds'}) may not create a ${spec.entityType}: that needs a ${spec.kinds.join(' or ')} vendor`,
              spec.entityType,
              null,
            );
          }
          const refusal = await spec.refuseNew?.(tx, vendorId);
          if (refusal) throw new Refused(refusal, spec.entityType, null);
        }
        const merged = await spec.build(tx, stored, problems);
        if (problems.count) throw new Invalid();
        if (stored && sameContent(stored, merged)) {
          return { snapshot: stored, created: false, changed: false, inputErrors: [], events: [] };
        }
        await spec.write(tx, merged, stored, vendorId);
        const after = await spec.load(tx);
        if (!after) throw new Error(`${spec.entityType}: the row just written cannot be read back`);
        await writeAudit(tx, env.actor, [
          { action: spec.action, entityType: spec.entityType, entityId: after.id, outcome: 'OK', before: stored, after },
        ]);
        const events = await appendChanges(tx, [{ entityType: spec.entityType, entityId: after.id, op: 'UPSERT', data: after }]);
        return { snapshot: after, created: !stored, changed: true, inputErrors: [], events };
      });
    } catch (err) {
      if (err instanceof Invalid) {
        await invalidAudit(problems.list);
        return none([...problems.list]);
      }
      if (classifyDbError(err)?.kind === 'CONFLICT') {
        throw appError(ErrorCode.CONFLICT, `${spec.entityType}: another entity already has this id or key`, {}, err);
      }
      throw err;
    }
  });
}

/** Checks a list of strings with one rule, unique. */
export function strings(
  p: Problems,
  field: string,
  v: readonly string[] | null | undefined,
  rule: TextRule,
  max: number,
  what: string,
): string[] | undefined {
  const l = list(p, [field], v, max);
  if (!l) return undefined;
  const out = l.map((s, i) => text(p, [field, i], s, rule, true));
  unique(p, [field], l, (s) => s, what);
  return out.every((s) => s !== undefined) ? (out as string[]) : undefined;
}

export function dates(p: Problems, release: string | null, eol: string | null) {
  if (release && eol && eol < release) p.add(['eolDate'], 'OUT_OF_RANGE', `end of life ${eol} is before the release date ${release}`);
}

export async function paravirtIds(tx: Sql, keys: string[]): Promise<Map<string, string>> {
  const rows = await tx.query<{ id: string; key: string }>(`SELECT id, key FROM "ParavirtFeature" WHERE key = ANY($1::text[])`, [keys]);
  return new Map(rows.map((r) => [r.key, r.id]));
}

export async function existingDevices(tx: Sql, ids: string[]): Promise<Set<string>> {
  const rows = await tx.query<{ id: string }>(`SELECT id FROM "Device" WHERE id = ANY($1::text[])`, [ids]);
  return new Set(rows.map((r) => r.id));
}

/** Sorted by a string key, so stored and input lists compare equal in any order. */
export const byKey = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
