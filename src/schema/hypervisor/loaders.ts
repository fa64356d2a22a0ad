// Hypervisors, their releases, paravirt features, and what a release presents, offers and needs.
// Registered with the others in src/schema/loaders.ts (each loader is made on a request's first use).
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

const HYPERVISOR_BY_ID = `SELECT ${HYPERVISOR_COLS()} FROM "Hypervisor" h WHERE h.id = ANY($1::text[])`;
const HYPERVISOR_BY_KEY = `SELECT ${HYPERVISOR_COLS()} FROM "Hypervisor" h WHERE h.key = ANY($1::text[])`;
const RELEASE_BY_ID = `SELECT ${RELEASE_COLS()} FROM "HypervisorRelease" r WHERE r.id = ANY($1::text[])`;
const RELEASES_OF = prepared(`SELECT ${RELEASE_COLS()} FROM "HypervisorRelease" r WHERE r."hypervisorId" = ANY($1::text[])
        ORDER BY r."versionOrder", r."releaseDate" NULLS LAST, r.version`);
const PARAVIRT_BY_ID = `SELECT ${PARAVIRT_COLS()} FROM "ParavirtFeature" p WHERE p.id = ANY($1::text[])`;
const PARAVIRT_BY_KEY = `SELECT ${PARAVIRT_COLS()} FROM "ParavirtFeature" p WHERE p.key = ANY($1::text[])`;
const RELEASE_DEVICES =
  prepared(`SELECT x."releaseId", x."deviceId", x.model, x.supported, x.notes AS "linkNotes", x."sourceRef" AS "linkRef", ${DEVICE_COLS()}
         FROM "HypervisorReleaseDevice" x JOIN "Device" d ON d.id = x."deviceId"
        WHERE x."releaseId" = ANY($1::text[]) ORDER BY x."releaseId", d.class, x.model, x."deviceId"`);
const RELEASE_PARAVIRT = prepared(`SELECT "releaseId", "featureId", supported, notes, "sourceRef" FROM "HypervisorReleaseParavirt"
          WHERE "releaseId" = ANY($1::text[]) ORDER BY "featureId"`);
const RELEASE_HOST_FEATURES =
  prepared(`SELECT x."releaseId", x."featureId", f.key AS "featureKey", x.requirement::text AS requirement, x."anyOf", x.notes, x."sourceRef"
           FROM "HypervisorReleaseHostFeature" x JOIN "HardwareFeature" f ON f.id = x."featureId"
          WHERE x."releaseId" = ANY($1::text[]) ORDER BY x.requirement, f.key`);

export const hypervisorLoaders = {
  hypervisor: (sql: Sql) => byId<HypervisorRow>(sql, HYPERVISOR_BY_ID),
  hypervisorByKey: (sql: Sql, l: { hypervisor: DataLoader<string, HypervisorRow | null> }) =>
    byUniqueKey<HypervisorRow>(sql, HYPERVISOR_BY_KEY, (r) => r.key, l.hypervisor),
  release: (sql: Sql) => byId<ReleaseRow>(sql, RELEASE_BY_ID),
  releasesOf: (sql: Sql, l: { release: DataLoader<string, ReleaseRow | null> }) =>
    new DataLoader<string, ReleaseRow[]>(async (hypervisorIds) => {
      const rows = await sql.query<ReleaseRow>(RELEASES_OF, [hypervisorIds]);
      for (const r of rows) l.release.prime(r.id, r);
      return groupBy(hypervisorIds, rows, (r) => r.hypervisorId);
    }),
  paravirt: (sql: Sql) => byId<ParavirtRow>(sql, PARAVIRT_BY_ID),
  paravirtByKey: (sql: Sql, l: { paravirt: DataLoader<string, ParavirtRow | null> }) =>
    byUniqueKey<ParavirtRow>(sql, PARAVIRT_BY_KEY, (r) => r.key, l.paravirt),
  releaseDevices: (sql: Sql, l: { device: DataLoader<string, DeviceRow | null> }) =>
    new DataLoader<string, ReleaseDeviceRow[]>(async (releaseIds) => {
      const rows = await sql.query<ReleaseDeviceRow & { linkNotes: string | null; linkRef: string | null } & DeviceRow>(RELEASE_DEVICES, [
        releaseIds,
      ]);
      const out = rows.map((r) => {
        const { releaseId, deviceId, model, supported, linkNotes, linkRef, ...dev } = r;
        const d = dev as unknown as DeviceRow;
        l.device.prime(d.id, d);
        return { releaseId, deviceId, model, supported, notes: linkNotes, sourceRef: linkRef, device: d };
      });
      return groupBy(releaseIds, out, (r) => r.releaseId);
    }),
  releaseParavirt: (sql: Sql) =>
    new DataLoader<string, ReleaseParavirtRow[]>(async (releaseIds) =>
      groupBy(releaseIds, await sql.query<ReleaseParavirtRow>(RELEASE_PARAVIRT, [releaseIds]), (r) => r.releaseId),
    ),
  releaseHostFeatures: (sql: Sql) =>
    new DataLoader<string, HostFeatureReqRow[]>(async (releaseIds) =>
      groupBy(releaseIds, await sql.query<HostFeatureReqRow>(RELEASE_HOST_FEATURES, [releaseIds]), (r) => r.releaseId),
    ),
};
