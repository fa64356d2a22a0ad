// Devices: by id, the releases that present one, its equivalents on other hypervisors.
// Registered with the others in src/schema/loaders.ts (each loader is made on a request's first use).
import DataLoader from 'dataloader';
import { prepared, type Sql } from '../../db/sql.ts';
import { DEVICE_COLS, type DeviceRow, type ReleaseDeviceRow } from '../../catalogue/rows.ts';
import { byId, groupBy } from '../common/loaders.ts';

const DEVICE_BY_ID = `SELECT ${DEVICE_COLS()} FROM "Device" d WHERE d.id = ANY($1::text[])`;
const PRESENTED_BY = prepared(`SELECT "releaseId", "deviceId", model, supported, notes, "sourceRef" FROM "HypervisorReleaseDevice"
        WHERE "deviceId" = ANY($1::text[]) ORDER BY "releaseId"`);
const EQUIVALENTS = prepared(`SELECT m0."deviceId" AS of, m."groupKey" AS group, m."deviceId", m."hypervisorKey"
           FROM "DeviceEquivalenceMember" m0 JOIN "DeviceEquivalenceMember" m ON m."groupKey" = m0."groupKey" AND m."deviceId" <> m0."deviceId"
          WHERE m0."deviceId" = ANY($1::text[]) ORDER BY m."groupKey", m."deviceId"`);

export const deviceLoaders = {
  device: (sql: Sql) => byId<DeviceRow>(sql, DEVICE_BY_ID),
  presentedBy: (sql: Sql) =>
    new DataLoader<string, ReleaseDeviceRow[]>(async (deviceIds) => {
      const rows = await sql.query<Omit<ReleaseDeviceRow, 'device'>>(PRESENTED_BY, [deviceIds]);
      return groupBy(deviceIds, rows as ReleaseDeviceRow[], (r) => r.deviceId);
    }),
  equivalents: (sql: Sql) =>
    new DataLoader<string, Array<{ group: string; deviceId: string; hypervisorKey: string | null }>>(async (deviceIds) => {
      const rows = await sql.query<{ of: string; group: string; deviceId: string; hypervisorKey: string | null }>(EQUIVALENTS, [deviceIds]);
      return groupBy(deviceIds, rows, (r) => r.of);
    }),
};
