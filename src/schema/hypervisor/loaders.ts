// Hypervisors, their releases, paravirt features, and what a release presents, offers and needs.
// Registered with the others in src/schema/loaders.ts.
import DataLoader from 'dataloader';
import { prepared, type Sql } from '../../db/sql.ts';
import {
  DEVICE_COLS,
  HYPERVISOR_COLS,
  PARAVIRT_COLS,
  RELEASE_COLS,
  type DeviceRow,
  type HostFeatureReqRow,
  type HypervisorRow,
  type ParavirtRow,
  type ReleaseDeviceRow,
  type ReleaseParavirtRow,
  type ReleaseRow,
} from '../../catalogue/rows.ts';
import { byId, byUniqueKey, groupBy } from '../common/loaders.ts';

export function hypervisorLoaders(sql: Sql, deps: { device: DataLoader<string, DeviceRow | null> }) {
  const { device } = deps;
  const hypervisor = byId<HypervisorRow>(sql, `SELECT ${HYPERVISOR_COLS()} FROM "Hypervisor" h WHERE h.id = ANY($1::text[])`);
  const hypervisorByKey = byUniqueKey<HypervisorRow>(
    sql,
    `SELECT ${HYPERVISOR_COLS()} FROM "Hypervisor" h WHERE h.key = ANY($1::text[])`,
    (r) => r.key,
    hypervisor,
  );
  const release = byId<ReleaseRow>(sql, `SELECT ${RELEASE_COLS()} FROM "HypervisorRelease" r WHERE r.id = ANY($1::text[])`);
  const releasesOf = new DataLoader<string, ReleaseRow[]>(async (hypervisorIds) => {
    const rows = await sql.query<ReleaseRow>(
      prepared(`SELECT ${RELEASE_COLS()} FROM "HypervisorRelease" r WHERE r."hypervisorId" = ANY($1::text[])
        ORDER BY r."versionOrder", r."releaseDate" NULLS LAST, r.version`),
      [hypervisorIds],
    );
    for (const r of rows) release.prime(r.id, r);
    return groupBy(hypervisorIds, rows, (r) => r.hypervisorId);
  });
  const paravirt = byId<ParavirtRow>(sql, `SELECT ${PARAVIRT_COLS()} FROM "ParavirtFeature" p WHERE p.id = ANY($1::text[])`);
  const paravirtByKey = byUniqueKey<ParavirtRow>(
    sql,
    `SELECT ${PARAVIRT_COLS()} FROM "ParavirtFeature" p WHERE p.key = ANY($1::text[])`,
    (r) => r.key,
    paravirt,
  );
  const releaseDevices = new DataLoader<string, ReleaseDeviceRow[]>(async (releaseIds) => {
    const rows = await sql.query<ReleaseDeviceRow & { linkNotes: string | null; linkRef: string | null } & DeviceRow>(
      prepared(`SELECT x."releaseId", x."deviceId", x.model, x.supported, x.notes AS "linkNotes", x."sourceRef" AS "linkRef", ${DEVICE_COLS()}
         FROM "HypervisorReleaseDevice" x JOIN "Device" d ON d.id = x."deviceId"
        WHERE x."releaseId" = ANY($1::text[]) ORDER BY x."releaseId", d.class, x.model, x."deviceId"`),
      [releaseIds],
    );
    const out = rows.map((r) => {
      const { releaseId, deviceId, model, supported, linkNotes, linkRef, ...dev } = r;
      const d = dev as unknown as DeviceRow;
      device.prime(d.id, d);
      return { releaseId, deviceId, model, supported, notes: linkNotes, sourceRef: linkRef, device: d };
    });
    return groupBy(releaseIds, out, (r) => r.releaseId);
  });
  const releaseParavirt = new DataLoader<string, ReleaseParavirtRow[]>(async (releaseIds) =>
    groupBy(
      releaseIds,
      await sql.query<ReleaseParavirtRow>(
        prepared(`SELECT "releaseId", "featureId", supported, notes, "sourceRef" FROM "HypervisorReleaseParavirt"
          WHERE "releaseId" = ANY($1::text[]) ORDER BY "featureId"`),
        [releaseIds],
      ),
      (r) => r.releaseId,
    ),
  );
  const releaseHostFeatures = new DataLoader<string, HostFeatureReqRow[]>(async (releaseIds) =>
    groupBy(
      releaseIds,
      await sql.query<HostFeatureReqRow>(
        prepared(`SELECT x."releaseId", x."featureId", f.key AS "featureKey", x.requirement::text AS requirement, x."anyOf", x.notes, x."sourceRef"
           FROM "HypervisorReleaseHostFeature" x JOIN "HardwareFeature" f ON f.id = x."featureId"
          WHERE x."releaseId" = ANY($1::text[]) ORDER BY x.requirement, f.key`),
        [releaseIds],
      ),
      (r) => r.releaseId,
    ),
  );

  return {
    hypervisor,
    hypervisorByKey,
    release,
    releasesOf,
    paravirt,
    paravirtByKey,
    releaseDevices,
    releaseParavirt,
    releaseHostFeatures,
  };
}
