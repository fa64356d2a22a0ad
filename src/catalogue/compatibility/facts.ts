// What a compatibility verdict is derived from, for any number of guests and hypervisor releases
// at once: a fixed set of statements (run together) whatever the size, so a single verdict, a
// guest's row, a release's column and a whole matrix cost the same number of round trips.
// Shared by the GraphQL `compatibility`, `matrix`, `guestSupport` and `releaseGuests` fields and
// the matrix benchmark; the verdict itself is derived purely from these facts.
import { prepared, type Sql } from '../../db/sql.ts';
import { EFFECTIVE_DEVICES_SQL, EFFECTIVE_PARAVIRT_SQL } from '../effective.ts';
import { RECORD_COLS, RELEASE_COLS, type RecordRow, type ReleaseRow } from '../rows.ts';

export type RecordFact = RecordRow & { hostFeatureKey: string | null };

export interface GuestDeviceFact {
  guestId: string;
  deviceId: string;
  driverSource: string;
  class: string;
  kind: string;
  paravirtInterface: string;
}

export interface ReleaseDeviceFact {
  releaseId: string;
  deviceId: string;
  model: string;
  class: string;
  kind: string;
  paravirtInterface: string;
}

export interface VerdictFacts {
  /** Each guest, then its ancestors, nearest first (the guest itself included). */
  chains: Map<string, Array<{ id: string; name: string }>>;
  /** Accepted, current records about the guests or their ancestors on the releases, newest first. */
  records: RecordFact[];
  guestDevices: Map<string, GuestDeviceFact[]>;
  releaseDevices: Map<string, ReleaseDeviceFact[]>;
  /** Backend keys each release offers. */
  releaseBackends: Map<string, string[]>;
  /** Each guest's effective answers for backends (inheritance resolved). */
  guestBackends: Map<string, Array<{ key: string; supported: boolean }>>;
  hostRequirements: Map<string, Array<{ key: string; requirement: 'REQUIRED' | 'RECOMMENDED' | 'USED_IF_PRESENT'; anyOf: string | null }>>;
}

function group<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

export async function loadVerdictFacts(sql: Sql, guestIds: readonly string[], releaseIds: readonly string[]): Promise<VerdictFacts> {
  const g = [...new Set(guestIds)];
  const r = [...new Set(releaseIds)];
  const [chains, records, guestDevices, releaseDevices, releaseBackends, guestBackends, reqs] = await Promise.all([
    sql.query<{ guestId: string; id: string; name: string }>(
      prepared(`SELECT a."guestId", a."ancestorId" AS id, g.name FROM "GuestOSAncestor" a JOIN "GuestOS" g ON g.id = a."ancestorId"
        WHERE a."guestId" = ANY($1::text[]) ORDER BY a."guestId", a.depth, a.rank`),
      [g],
    ),
    sql.query<RecordFact>(
      prepared(`SELECT ${RECORD_COLS()}, f.key AS "hostFeatureKey" FROM "CompatibilityRecord" c
         LEFT JOIN "HardwareFeature" f ON f.id = c."hostFeatureId"
        WHERE c."guestId" IN (SELECT "ancestorId" FROM "GuestOSAncestor" WHERE "guestId" = ANY($1::text[]))
          AND c."hypervisorReleaseId" = ANY($2::text[]) AND c."reviewState" = 'ACCEPTED'
          AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)
        ORDER BY c."createdAt" DESC, c.id`),
      [g, r],
    ),
    sql.query<GuestDeviceFact>(
      prepared(`SELECT e."guestId", e."deviceId", e."driverSource", d.class::text AS class, d.kind::text AS kind,
              d."paravirtInterface"::text AS "paravirtInterface"
         FROM (${EFFECTIVE_DEVICES_SQL(false)}) e JOIN "Device" d ON d.id = e."deviceId"`),
      [g],
    ),
    sql.query<ReleaseDeviceFact>(
      prepared(`SELECT x."releaseId", x."deviceId", x.model, d.class::text AS class, d.kind::text AS kind,
              d."paravirtInterface"::text AS "paravirtInterface"
         FROM "HypervisorReleaseDevice" x JOIN "Device" d ON d.id = x."deviceId"
        WHERE x."releaseId" = ANY($1::text[]) AND x.supported ORDER BY x."releaseId", x."deviceId"`),
      [r],
    ),
    sql.query<{ releaseId: string; key: string }>(
      prepared(`SELECT rp."releaseId", p.key FROM "HypervisorReleaseParavirt" rp JOIN "ParavirtFeature" p ON p.id = rp."featureId"
        WHERE rp."releaseId" = ANY($1::text[]) AND rp.supported AND p.kind = 'BACKEND' ORDER BY rp."releaseId", p.key`),
      [r],
    ),
    sql.query<{ guestId: string; key: string; supported: boolean }>(
      prepared(`SELECT e."guestId", p.key, e.supported FROM (${EFFECTIVE_PARAVIRT_SQL}) e
         JOIN "ParavirtFeature" p ON p.id = e."featureId" WHERE p.kind = 'BACKEND'`),
      [g],
    ),
    sql.query<{ releaseId: string; key: string; requirement: 'REQUIRED'; anyOf: string | null }>(
      prepared(`SELECT x."releaseId", f.key, x.requirement::text AS requirement, x."anyOf"
         FROM "HypervisorReleaseHostFeature" x JOIN "HardwareFeature" f ON f.id = x."featureId"
        WHERE x."releaseId" = ANY($1::text[]) ORDER BY x."releaseId", x.requirement, f.key`),
      [r],
    ),
  ]);
  return {
    chains: new Map([...group(chains, (c) => c.guestId)].map(([k, rows]) => [k, rows.map(({ id, name }) => ({ id, name }))])),
    records,
    guestDevices: group(guestDevices, (d) => d.guestId),
    releaseDevices: group(releaseDevices, (d) => d.releaseId),
    releaseBackends: new Map([...group(releaseBackends, (b) => b.releaseId)].map(([k, rows]) => [k, rows.map((b) => b.key)])),
    guestBackends: group(guestBackends, (b) => b.guestId),
    hostRequirements: group(reqs, (q) => q.releaseId),
  };
}

export type ReleaseWithRef = ReleaseRow & { ref: string };

const RELEASE_SELECT = `SELECT ${RELEASE_COLS()}, h.key || ':' || r.version AS ref
  FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId"`;

/** Hypervisor releases by id or `key:version`, in one statement; the map answers each ref given. */
export async function releasesByRef(sql: Sql, refs: readonly string[]): Promise<Map<string, ReleaseWithRef>> {
  if (refs.length === 0) return new Map();
  const rows = await sql.query<ReleaseWithRef>(
    prepared(`${RELEASE_SELECT} WHERE r.id = ANY($1::text[]) OR h.key || ':' || r.version = ANY($1::text[])`),
    [refs],
  );
  const out = new Map<string, ReleaseWithRef>();
  for (const row of rows) out.set(row.id, row);
  for (const row of rows) if (!out.has(row.ref)) out.set(row.ref, row);
  return out;
}

/** Every hypervisor release, by hypervisor key then version order. */
export async function allReleases(sql: Sql): Promise<ReleaseWithRef[]> {
  return sql.query<ReleaseWithRef>(prepared(`${RELEASE_SELECT} ORDER BY h.key, r."versionOrder", r.version, r.id`));
}
