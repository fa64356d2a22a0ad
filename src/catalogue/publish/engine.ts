// Vendors publish what they own: guest releases (OS vendors), devices (hardware and hypervisor
// vendors), hypervisors and their releases with capabilities (hypervisor vendors), hardware
// features (hardware vendors). Same pattern for each: check shapes, lock the entity, refuse writes
// to what another vendor (or the curators) owns, check references, merge the input over what is
// stored (absent field: keep; null: clear; list: replace), and write only when something changed,
// with an audit entry (before/after) and a change-feed row.
//
// This file is that pattern (`publish`, driven by a `Spec`), the write (one upsert of the entity's
// row, its child tables replaced when their list changed) and the helpers the entity files share.
// Each entity's Spec is in its own file next to it: its input checks, its row mapping, and its
// conflict rule (the columns an update keeps).
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
  /** The entity's table, written by one `INSERT … ON CONFLICT (id) DO UPDATE` (see `upsert`). */
  table: string;
  /** The row to write: column → value (the new row's id, owner and source included). */
  row(merged: S, vendorId: string): Record<string, unknown>;
  /** Casts the SQL needs on a column's parameter (`text[]`, `date`, an enum's quoted name). */
  casts?: Record<string, string>;
  /** The conflict rule: columns an update leaves as stored (id always stays). */
  keep: string[];
  /** Lists kept in tables of their own, replaced whole when they changed. */
  children?: ChildTable<S>[];
  /** Runs after the rows are written, in the same transaction. */
  afterWrite?(tx: Sql): Promise<unknown>;
}

/** A list of the snapshot kept in a child table: its rows are replaced whole when the list changed. */
export interface ChildTable<S> {
  field: keyof S & string;
  /** Deletes the entity's rows: $1 the entity id, then `deleteArgs`. */
  delete: string;
  deleteArgs?(merged: S): unknown[];
  /** Inserts the list: $1 the entity id, $2 the list as JSON (for jsonb_to_recordset), then `insertArgs`. */
  insert: string;
  insertArgs?(merged: S, vendorId: string): unknown[];
}

/**
 * INSERT of `row` into `table`, and on a conflict on id an UPDATE of every column but id and
 * `keep`; "updatedAt" is the transaction's time either way.
 */
export async function upsert(tx: Sql, table: string, row: Record<string, unknown>, casts: Record<string, string>, keep: string[]) {
  const columns = Object.keys(row);
  const quoted = columns.map((c) => `"${c}"`);
  const values = columns.map((c, i) => (casts[c] ? `$${i + 1}::${casts[c]}` : `$${i + 1}`));
  const updates = columns.filter((c) => c !== 'id' && !keep.includes(c)).map((c) => `"${c}" = excluded."${c}"`);
  await tx.query(
    `INSERT INTO "${table}" (${quoted.join(', ')}, "updatedAt") VALUES (${values.join(', ')}, CURRENT_TIMESTAMP)
     ON CONFLICT (id) DO UPDATE SET ${[...updates, `"updatedAt" = CURRENT_TIMESTAMP`].join(', ')}`,
    Object.values(row),
  );
}

async function write<S extends Owned>(tx: Sql, spec: Spec<S>, merged: S, stored: S | null, vendorId: string) {
  await upsert(tx, spec.table, spec.row(merged, vendorId), spec.casts ?? {}, spec.keep);
  for (const child of spec.children ?? []) {
    if (stored && canonical(stored[child.field]) === canonical(merged[child.field])) continue;
    await tx.query(child.delete, [merged.id, ...(child.deleteArgs?.(merged) ?? [])]);
    await tx.query(child.insert, [merged.id, JSON.stringify(merged[child.field]), ...(child.insertArgs?.(merged, vendorId) ?? [])]);
  }
  await spec.afterWrite?.(tx);
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
        await write(tx, spec, merged, stored, vendorId);
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

/** releaseDate and eolDate merged over the stored ones; the end of life may not come before the release. */
export function lifecycle(
  p: Problems,
  input: { releaseDate?: string | null; eolDate?: string | null },
  stored: { releaseDate: string | null; eolDate: string | null } | null,
) {
  const releaseDate = merge(input, 'releaseDate', input.releaseDate ?? undefined, stored?.releaseDate);
  const eolDate = merge(input, 'eolDate', input.eolDate ?? undefined, stored?.eolDate);
  if (releaseDate && eolDate && eolDate < releaseDate)
    p.add(['eolDate'], 'OUT_OF_RANGE', `end of life ${eolDate} is before the release date ${releaseDate}`);
  return { releaseDate, eolDate };
}

// The catalogue rows a published list may refer to: the list's field, the key each entry names, the
// query for the keys that exist, and what an unknown one is called.
const REFERENCES = {
  devices: { key: 'device', known: `SELECT id AS ref FROM "Device" WHERE id = ANY($1::text[])`, what: 'device' },
  paravirt: {
    key: 'feature',
    known: `SELECT key AS ref FROM "ParavirtFeature" WHERE key = ANY($1::text[])`,
    what: 'paravirt feature with key',
  },
  hostFeatures: {
    key: 'feature',
    known: `SELECT key AS ref FROM "HardwareFeature" WHERE key = ANY($1::text[])`,
    what: 'hardware feature with key',
  },
} as const;

/** UNKNOWN_REFERENCE at field[i].<key> for each entry of a given list whose key the catalogue does not have. */
export async function checkReferences<F extends keyof typeof REFERENCES>(
  tx: Sql,
  p: Problems,
  field: F,
  given: readonly Record<(typeof REFERENCES)[F]['key'], string>[] | undefined,
) {
  if (!given) return;
  const { key, known, what } = REFERENCES[field];
  const keys = given.map((x) => x[key as (typeof REFERENCES)[F]['key']]);
  const found = new Set((await tx.query<{ ref: string }>(known, [keys])).map((r) => r.ref));
  keys.forEach((k, i) => {
    if (!found.has(k)) p.add([field, i, key], 'UNKNOWN_REFERENCE', `no ${what} ${JSON.stringify(k)}`);
  });
}

/** A list given replaces the stored one (sorted by key, so the two compare equal in any order); absent, the stored one stays. */
export const replaced = <I, R>(given: readonly I[] | undefined, stored: R[] | undefined, row: (x: I) => R, key: (r: R) => string): R[] =>
  given ? byKey(given.map(row), key) : (stored ?? []);

/** Sorted by a string key, so stored and input lists compare equal in any order. */
export const byKey = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
