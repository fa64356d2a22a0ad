// Devices: by id, the releases that present one, its equivalents on other hypervisors.
// Registered with the others in src/schema/loaders.ts.
import DataLoader from 'dataloader';
import { prepared, type Sql } from '../../db/sql.ts';
import { DEVICE_COLS, type DeviceRow, type ReleaseDeviceRow } from '../../catalogue/rows.ts';
import { byId, groupBy } from '../common/loaders.ts';

export function deviceLoaders(sql: Sql) {
  const device = byId<DeviceRow>(sql, `SELECT ${DEVICE_COLS()} FROM "Device" d WHERE d.id = ANY($1::text[])`);
  const presentedBy = new DataLoader<string, ReleaseDeviceRow[]>(async (deviceIds) => {
    const rows = await sql.query<Omit<ReleaseDeviceRow, 'device'>>(
      prepared(`SELECT "releaseId", "deviceId", model, supported, notes, "sourceRef" FROM "HypervisorReleaseDevice"
        WHERE "deviceId" = ANY($1::text[]) ORDER BY "releaseId"`),
      [deviceIds],
    );
    return groupBy(deviceIds, rows as ReleaseDeviceRow[], (r) => r.deviceId);
  });
  const equivalents = new DataLoader<string, Array<{ group: string; deviceId: string; hypervisorKey: string | null }>>(
    async (deviceIds) => {
      const rows = await sql.query<{ of: string; group: string; deviceId: string; hypervisorKey: string | null }>(
        prepared(`SELECT m0."deviceId" AS of, m."groupKey" AS group, m."deviceId", m."hypervisorKey"
           FROM "DeviceEquivalenceMember" m0 JOIN "DeviceEquivalenceMember" m ON m."groupKey" = m0."groupKey" AND m."deviceId" <> m0."deviceId"
          WHERE m0."deviceId" = ANY($1::text[]) ORDER BY m."groupKey", m."deviceId"`),
        [deviceIds],
      );
      return groupBy(deviceIds, rows, (r) => r.of);
    },
  );

  return {
    device,
    presentedBy,
    equivalents,
  };
}
