// Corrections as callers read them (issue 12, item 2): each stored CatalogueCorrection (the seed's,
// seed/provenance.ts) with the entity it corrects as the catalogue holds it now, so a reader sees
// what was replaced (the value and whose it was), the new value, who corrects it and why, and
// whether the correction is in force.
import type { Sql } from '../db/sql.ts';

/** Entity kinds a correction names (CatalogueCorrection.entityType). */
export const CORRECTION_ENTITY_TABLES = {
  GuestOS: '"GuestOS"',
  Device: '"Device"',
  HypervisorRelease: '"HypervisorRelease"',
} as const;
export type CorrectionEntityType = keyof typeof CORRECTION_ENTITY_TABLES;

/** Fields that add to a list of parents instead of replacing a value (seed/provenance.ts). */
const ADDITIVE_FIELDS = new Set(['extraDerivesFromIds', 'extraClonedFromIds']);

/**
 * APPLIED: the entity is another source's row and carries the corrected value. STALE: that source
 * no longer says what the correction replaces, so its value stands. UNUSED: no other source's value
 * to correct (the entity is the correcting source's own row, or is not in the catalogue).
 */
export type CorrectionStatus = 'APPLIED' | 'STALE' | 'UNUSED';

export interface CorrectionView {
  entityType: CorrectionEntityType;
  entityId: string;
  field: string;
  value: unknown;
  replaces: unknown;
  /** Whose value the correction replaces: the entity's source, where another source owns it. */
  replacesSource: string | null;
  reason: string;
  source: string;
  sourceRef: string | null;
  /** The entity's value of the field now. */
  current: unknown;
  status: CorrectionStatus;
}

export interface CorrectionQuery {
  entityType?: CorrectionEntityType | null;
  /** Entity ids (of entityType when given). */
  entityIds?: readonly string[] | null;
  source?: string | null;
  field?: string | null;
}

interface Row {
  entityType: CorrectionEntityType;
  entityId: string;
  field: string;
  value: unknown;
  replaces: unknown;
  reason: string;
  source: string;
  sourceRef: string | null;
  entitySource: string | null;
  current: unknown;
  parents: unknown[] | null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function statusOf(r: Row): CorrectionStatus {
  if (r.entitySource === null || r.entitySource === r.source) return 'UNUSED';
  if (ADDITIVE_FIELDS.has(r.field)) {
    const parents = new Set(r.parents ?? []);
    return ((r.value as unknown[] | null) ?? []).every((p) => parents.has(p)) ? 'APPLIED' : 'STALE';
  }
  return same(r.current, r.value) ? 'APPLIED' : 'STALE';
}

/** The entity each correction names, as one lateral row: its source, its value of the field, its parents. */
const ENTITY = Object.entries(CORRECTION_ENTITY_TABLES)
  .map(
    ([type, table]) =>
      `SELECT e.source, to_jsonb(e) -> c.field AS current,
              ${type === 'GuestOS' ? `jsonb_build_array(e."derivesFromId", e."clonedFromId") || to_jsonb(e."extraDerivesFromIds") || to_jsonb(e."extraClonedFromIds")` : 'NULL::jsonb'} AS parents
         FROM ${table} e WHERE c."entityType" = '${type}' AND e.id = c."entityId"`,
  )
  .join('\n UNION ALL\n');

/** Corrections matching `q`, by entity kind, id and field; one statement. */
export async function readCorrections(sql: Sql, q: CorrectionQuery = {}): Promise<CorrectionView[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (cond: string, v: unknown) => {
    params.push(v);
    where.push(cond.replace('$?', `$${params.length}`));
  };
  if (q.entityType != null) add('c."entityType" = $?', q.entityType);
  if (q.entityIds != null) add('c."entityId" = ANY($?::text[])', q.entityIds);
  if (q.source != null) add('c.source = $?', q.source);
  if (q.field != null) add('c.field = $?', q.field);
  const rows = await sql.query<Row>(
    `SELECT c."entityType", c."entityId", c.field, c.value, c.replaces, c.reason, c.source, c."sourceRef",
            x.source AS "entitySource", x.current, x.parents
       FROM "CatalogueCorrection" c
       LEFT JOIN LATERAL (${ENTITY}) x ON true
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY c."entityType", c."entityId", c.field`,
    params,
  );
  return rows.map((r) => {
    const status = statusOf(r);
    return {
      entityType: r.entityType,
      entityId: r.entityId,
      field: r.field,
      value: r.value,
      replaces: r.replaces,
      replacesSource: status === 'UNUSED' ? null : r.entitySource,
      reason: r.reason,
      source: r.source,
      sourceRef: r.sourceRef,
      current: r.current ?? null,
      status,
    };
  });
}
