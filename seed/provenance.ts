// How the curated seed and osinfo-db merge, whichever is applied first (issue 12, item 2).
//
// - A guest osinfo-db has is osinfo-db's row: its columns (names, dates, parents, media ...) are
//   osinfo-db's whether the seed ran before the import (the import takes the curated row over) or
//   after (the seed leaves those columns alone). The seed adds what osinfo-db has no column for
//   (CURATED_GUEST_COLUMNS), and child facts (resources, firmware, devices, paravirt) under keys
//   osinfo-db does not use; on a key both use, osinfo-db's fact stands.
// - The seed changes an osinfo-db value only through a correction (CatalogueCorrection): the field,
//   the value, the value it replaces and why. A correction applies only while osinfo-db still says
//   what it replaces; otherwise osinfo-db's value stands and the correction is reported stale.
// - A curated parent (derivesFrom / clones) of an osinfo-db guest that osinfo-db does not list is
//   an addition: recorded like a correction of the extra-parents list (replaces: null), and added
//   to the parents osinfo-db gives, never replacing them.
// - Devices merge the same way: a device osinfo-db has stays osinfo-db's row; the curated entry
//   changes one of its values only through a stated correction (name, class ... with what it
//   replaces and why), and adds a value osinfo-db leaves empty (vendor name, description ...) as a
//   correction that replaces nothing. A curated value where osinfo-db says something else, without
//   a correction, does not apply: osinfo-db's value stands and the seed and the import report it.
// Pure: the seed (seed/load.ts) and the importer (importers/osinfo/import.ts) both call it.

/** GuestOS columns osinfo-db has no element for: only the seed (or a vendor) writes them. */
export const CURATED_GUEST_COLUMNS = ['kernel', 'tpmRequired', 'ownerVendorId'] as const;

/** Correction fields that add to a list instead of replacing a value. */
export const ADDITIVE_FIELDS = new Set(['extraDerivesFromIds', 'extraClonedFromIds']);

export interface StoredCorrection {
  entityType: string;
  entityId: string;
  field: string;
  value: unknown;
  replaces: unknown;
  reason: string;
  sourceRef: string | null;
  source: string;
}

export interface CorrectionOutcome {
  applied: StoredCorrection[];
  /** The other source no longer says what the correction replaces: its value stands. */
  stale: { correction: StoredCorrection; now: unknown }[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Applies the corrections of one entity to `row` (the other source's values) in place. Idempotent:
 * a row that already carries the corrected value stays as it is.
 */
export function applyCorrections(row: Record<string, unknown>, corrections: readonly StoredCorrection[]): CorrectionOutcome {
  const out: CorrectionOutcome = { applied: [], stale: [] };
  for (const c of corrections) {
    const now = row[c.field];
    if (ADDITIVE_FIELDS.has(c.field)) {
      const list = Array.isArray(now) ? [...(now as string[])] : [];
      const parents = new Set([row.derivesFromId, row.clonedFromId, ...list]);
      for (const v of (c.value as string[]) ?? []) if (!parents.has(v)) list.push(v);
      row[c.field] = list;
      out.applied.push(c);
    } else if (same(now, c.replaces) || same(now, c.value)) {
      row[c.field] = c.value;
      out.applied.push(c);
    } else {
      out.stale.push({ correction: c, now });
    }
  }
  return out;
}

/** Corrections grouped by entity id. */
export function byEntity(list: readonly StoredCorrection[]): Map<string, StoredCorrection[]> {
  const m = new Map<string, StoredCorrection[]>();
  for (const c of list) {
    const l = m.get(c.entityId);
    if (l) l.push(c);
    else m.set(c.entityId, [c]);
  }
  return m;
}

/**
 * Values a curated entry gives that differ from the other source's row (after the corrections) and
 * that no correction states: the other source's value stands, and the caller reports them.
 */
export function overruledValues(
  row: Record<string, unknown>,
  entry: Record<string, unknown>,
  fields: readonly string[],
  corrections: readonly StoredCorrection[],
): { field: string; value: unknown; now: unknown }[] {
  const stated = new Set(corrections.map((c) => c.field));
  const out: { field: string; value: unknown; now: unknown }[] = [];
  for (const field of fields) {
    const value = entry[field];
    if (value === undefined || value === null || stated.has(field)) continue;
    if (!same(row[field], value)) out.push({ field, value, now: row[field] });
  }
  return out;
}
