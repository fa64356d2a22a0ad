// Inheritance resolution for guest support, shared by the GraphQL API, the importers' checks and the
// exporters. A guest that says nothing about a device has the answer of its nearest ancestor along
// derivesFrom / clonedFrom (derivesFrom first at equal distance); an explicit `supported = false`
// row removes what an ancestor supplied. Set-based: one statement for any number of guests.
// (`WITH RECURSIVE` below is harmless: the closure is precomputed; the keyword keeps callers that
// add recursive CTEs of their own working.)
import type { Sql } from '../db/sql.ts';

/**
 * Ancestors of each guest in $1 (text[]), the guest itself at depth 0, from the closure table the
 * GuestOS triggers maintain (see the guest_ancestry_closure migration). Nearest first is
 * `ORDER BY depth, rank`.
 */
export const ANCESTORS_CTE = `
  anc(root, node, depth, rank) AS (
    SELECT "guestId", "ancestorId", depth, rank FROM "GuestOSAncestor" WHERE "guestId" = ANY($1::text[])
  )`;

export interface EffectiveDeviceRow {
  guestId: string;
  deviceId: string;
  supported: boolean;
  driverSource: 'INBOX' | 'ADDON';
  driverName: string | null;
  minDriverVersion: string | null;
  notes: string | null;
  source: string;
  /** The guest whose row decided; equals guestId when not inherited. */
  fromGuestId: string;
}

/**
 * Effective device support for each guest: one row per (guest, device), the nearest answer.
 * `includeRemoved` keeps the explicit negatives (supported = false) in the result.
 */
export const EFFECTIVE_DEVICES_SQL = (includeRemoved: boolean) => `
  WITH RECURSIVE ${ANCESTORS_CTE},
  nearest AS (
    SELECT DISTINCT ON (a.root, d."deviceId")
           a.root AS "guestId", d."deviceId", d.supported, d."driverSource"::text AS "driverSource",
           d."driverName", d."minDriverVersion", d.notes, d.source, a.node AS "fromGuestId"
      FROM anc a JOIN "GuestOSDevice" d ON d."guestId" = a.node
     ORDER BY a.root, d."deviceId", a.depth, a.rank
  )
  SELECT * FROM nearest ${includeRemoved ? '' : 'WHERE supported'}
  ORDER BY "guestId", "deviceId"`;

/**
 * Per guest (the ids in the text[] expression `ids`), how many devices it effectively supports,
 * per device class, as a JSON object (`{"NETWORK": 3, ...}`); a guest with none has no row. The
 * same answer as counting EFFECTIVE_DEVICES_SQL(false)'s rows by class, sorting only the columns
 * the nearest answer needs. `ids` may be a sub-select, so a page of guests and its counts are one
 * statement (the guest list's `deviceCount`).
 */
export const effectiveDeviceCountsSql = (ids = '$1::text[]') => `
  SELECT x."guestId", json_object_agg(x.class, x.n) AS "deviceCounts" FROM (
    SELECT e."guestId", dv.class::text AS class, count(*)::int AS n FROM (
      SELECT DISTINCT ON (a."guestId", l."deviceId") a."guestId", l."deviceId", l.supported
        FROM "GuestOSAncestor" a JOIN "GuestOSDevice" l ON l."guestId" = a."ancestorId"
       WHERE a."guestId" = ANY(${ids})
       ORDER BY a."guestId", l."deviceId", a.depth, a.rank
    ) e JOIN "Device" dv ON dv.id = e."deviceId"
     WHERE e.supported
     GROUP BY e."guestId", dv.class
  ) x GROUP BY x."guestId"`;

export async function effectiveDevices(
  sql: Sql,
  guestIds: readonly string[],
  opts: { includeRemoved?: boolean } = {},
): Promise<EffectiveDeviceRow[]> {
  if (guestIds.length === 0) return [];
  return sql.query<EffectiveDeviceRow>(EFFECTIVE_DEVICES_SQL(!!opts.includeRemoved), [guestIds]);
}

export interface EffectiveParavirtRow {
  guestId: string;
  featureId: string;
  supported: boolean;
  minKernel: string | null;
  minDriverVersion: string | null;
  notes: string | null;
  fromGuestId: string;
  /** RECORD, CURATED or DERIVED (paravirt-derive.ts); with the rule, reason and inputs of a derived row. */
  basis: 'RECORD' | 'CURATED' | 'DERIVED';
  rule: string | null;
  reason: string | null;
  inputs: unknown;
  source: string;
  sourceRef: string | null;
}

/**
 * The nearest answer per (guest, feature), where any record or curated answer along the chain
 * comes before every derived one: a rule never overrides what a vendor or the curated seed says.
 * A derived "no" is the guest's own or nothing: a rule found an older release lacking a feature,
 * which says nothing of a newer release that derives from it (the derivation takes an ancestor's
 * kernel as a lower bound, positives only, for the same reason). A derived "yes" marked
 * `releaseOnly` (a feature later kernels removed, or one only some architectures have; see
 * paravirt-derive.ts) is the guest's own or nothing too.
 */
export const EFFECTIVE_PARAVIRT_SQL = `
  WITH RECURSIVE ${ANCESTORS_CTE}
  SELECT DISTINCT ON (a.root, p."featureId")
         a.root AS "guestId", p."featureId", p.supported, p."minKernel", p."minDriverVersion", p.notes,
         a.node AS "fromGuestId", p.basis::text AS basis, p.rule, p.reason, p.inputs, p.source, p."sourceRef"
    FROM anc a JOIN "GuestParavirtSupport" p ON p."guestId" = a.node
   WHERE a.depth = 0 OR p.basis <> 'DERIVED' OR (p.supported AND p.inputs->>'releaseOnly' IS NULL)
   ORDER BY a.root, p."featureId", (p.basis = 'DERIVED'), a.depth, a.rank`;

export async function effectiveParavirt(sql: Sql, guestIds: readonly string[]): Promise<EffectiveParavirtRow[]> {
  if (guestIds.length === 0) return [];
  return sql.query<EffectiveParavirtRow>(EFFECTIVE_PARAVIRT_SQL, [guestIds]);
}
