// Verdicts for many (guest, release) pairs from one batch of facts: the `compatibility` field (one
// pair), `matrix`, `guestSupport` and `releaseGuests` all go through cellsFor(), so they agree and
// each costs a fixed number of statements.
import type { Sql } from '../../db/sql.ts';
import { loadVerdictFacts, type VerdictFacts } from '../../catalogue/compatibility/facts.ts';
import type { RecordRow } from '../../catalogue/rows.ts';
import {
  deriveVerdict,
  LEVEL_ORDER,
  type DeviceFact,
  type EvidenceLevel,
  type Status,
  type Verdict,
  type VerdictRecord,
  type VerdictResult,
} from './verdict.ts';

export interface Named {
  id: string;
  name: string;
}

type Prepared = {
  records: Map<string, VerdictRecord[]>;
  guestDevices: Map<string, DeviceFact[]>;
  releaseDevices: Map<string, Array<DeviceFact & { model: string }>>;
};
// The facts in the derivation's shapes, built once per batch (a matrix derives many cells from them).
const prepared = new WeakMap<VerdictFacts, Prepared>();

function prepare(facts: VerdictFacts): Prepared {
  let p = prepared.get(facts);
  if (p) return p;
  p = { records: new Map(), guestDevices: new Map(), releaseDevices: new Map() };
  for (const r of facts.records) {
    const list = p.records.get(r.hypervisorReleaseId) ?? [];
    list.push({
      id: r.id,
      guestId: r.guestId,
      status: r.status as Status,
      submitter: r.submitterVendorId ?? r.source,
      hostFeatureKey: r.hostFeatureKey,
      evidenceDate: r.evidenceDate,
      evidenceLevel: r.evidenceLevel as EvidenceLevel,
      backend: r.backend,
      deviceId: r.deviceId,
      createdAt: r.createdAt,
    });
    p.records.set(r.hypervisorReleaseId, list);
  }
  for (const [g, ds] of facts.guestDevices) {
    p.guestDevices.set(
      g,
      ds.map((d) => ({
        id: d.deviceId,
        class: d.class,
        kind: d.kind,
        paravirtInterface: d.paravirtInterface,
        driverSource: d.driverSource,
      })),
    );
  }
  for (const [r, ds] of facts.releaseDevices) {
    p.releaseDevices.set(
      r,
      ds.map((d) => ({ id: d.deviceId, class: d.class, kind: d.kind, paravirtInterface: d.paravirtInterface, model: d.model })),
    );
  }
  prepared.set(facts, p);
  return p;
}

const NONE: never[] = [];

/** The verdict of one pair, from facts that cover it. */
export function verdictFromFacts(facts: VerdictFacts, guest: Named, release: Named, hostFeatures: string[] | null): VerdictResult {
  const p = prepare(facts);
  const chain = facts.chains.get(guest.id) ?? [{ id: guest.id, name: guest.name }];
  const onRelease = p.records.get(release.id) ?? NONE;
  return deriveVerdict({
    guest: { id: guest.id, name: guest.name },
    chain,
    release: { id: release.id, name: release.name },
    records: onRelease.length ? onRelease.filter((r) => chain.some((c) => c.id === r.guestId)) : NONE,
    hostFeatures,
    hostRequirements: facts.hostRequirements.get(release.id) ?? NONE,
    guestDevices: p.guestDevices.get(guest.id) ?? NONE,
    releaseDevices: p.releaseDevices.get(release.id) ?? NONE,
    releaseBackends: facts.releaseBackends.get(release.id) ?? NONE,
    guestBackends: facts.guestBackends.get(guest.id) ?? NONE,
  });
}

/** Records by id from the facts, so verdicts hand out rows without another statement. */
export function recordIndex(facts: VerdictFacts): Map<string, RecordRow> {
  return new Map(facts.records.map((r) => [r.id, r]));
}

/** A cell as GraphQL returns it: rows for guest, release and records, the rest from the verdict. */
export function toCell<G extends Named, R extends Named>(v: VerdictResult, guest: G, release: R, records: Map<string, RecordRow>) {
  const rec = (id: string) => {
    const r = records.get(id);
    if (!r) throw new Error(`record ${id} is not among the facts the verdict was derived from`);
    return r;
  };
  const conflicts = (cs: VerdictResult['conflicts']) => cs.map((c) => ({ a: rec(c.a), b: rec(c.b), reason: c.reason }));
  return {
    guest,
    hypervisorRelease: release,
    level: v.verdict,
    basis: v.cellBasis,
    evidenceLevel: v.evidenceLevel,
    conflicts: conflicts(v.conflicts),
    reasons: v.reasons,
    backends: v.backends.map((b) => ({
      backend: b.backend,
      level: b.level,
      basis: b.cellBasis,
      inherited: b.basis === 'INHERITED_RECORDS',
      evidenceLevel: b.evidenceLevel,
      records: b.recordIds.map(rec),
      conflicts: conflicts(b.conflicts),
      reasons: b.reasons,
    })),
  };
}

export type Cell<G extends Named, R extends Named> = ReturnType<typeof toCell<G, R>>;

/** Cells for every guest on every release, row-major, from one batch of facts. */
export async function cellsFor<G extends Named, R extends Named>(sql: Sql, guests: G[], releases: R[]): Promise<Array<Cell<G, R>>> {
  if (guests.length === 0 || releases.length === 0) return [];
  const facts = await loadVerdictFacts(
    sql,
    guests.map((g) => g.id),
    releases.map((r) => r.id),
  );
  const records = recordIndex(facts);
  return guests.flatMap((g) => releases.map((r) => toCell(verdictFromFacts(facts, g, r, null), g, r, records)));
}

/** How many cells have each level, best level first; levels no cell has are left out. */
export function levelCounts(cells: Array<{ level: Verdict }>): Array<{ level: Verdict; count: number }> {
  const n = new Map<Verdict, number>();
  for (const c of cells) n.set(c.level, (n.get(c.level) ?? 0) + 1);
  return LEVEL_ORDER.filter((l) => n.has(l)).map((level) => ({ level, count: n.get(level) ?? 0 }));
}
