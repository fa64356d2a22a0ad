// Add-on driver packages and their builds. Registered with the others in src/schema/loaders.ts.
import DataLoader from 'dataloader';
import type { Sql } from '../../db/sql.ts';
import { date } from '../../catalogue/rows.ts';
import { groupBy } from '../common/loaders.ts';

export interface DriverPackageRow {
  key: string;
  name: string;
  family: string;
  featureKey: string;
  vendor: string | null;
  homepage: string | null;
  source: string;
  sourceRef: string | null;
}
export interface DriverBuildRow {
  id: string;
  packageKey: string;
  version: string;
  releaseDate: string | null;
  notes: string | null;
  source: string;
  sourceRef: string | null;
}
export interface DriverBuildGuestRow {
  buildId: string;
  guestId: string;
  arch: string;
  status: string;
  reason: string | null;
  sourceRef: string | null;
}

const BUILD_COLS = `id, "packageKey", version, ${date('"releaseDate"')} AS "releaseDate", notes, source, "sourceRef"`;

export function driverLoaders(sql: Sql) {
  const driverPackage = new DataLoader<string, DriverPackageRow | null>(async (keys) => {
    const rows = await sql.query<DriverPackageRow>(
      `SELECT key, name, family::text AS family, "featureKey", vendor, homepage, source, "sourceRef" FROM "DriverPackage" WHERE key = ANY($1::text[])`,
      [keys],
    );
    return keys.map((k) => rows.find((r) => r.key === k) ?? null);
  });
  // every package (a handful): what Hypervisor.driverPackages and drivers(hypervisor:) choose from, one statement
  const allDriverPackages = new DataLoader<'all', DriverPackageRow[]>(async (keys) => {
    const rows = await sql.query<DriverPackageRow>(
      `SELECT key, name, family::text AS family, "featureKey", vendor, homepage, source, "sourceRef" FROM "DriverPackage" ORDER BY key`,
    );
    for (const r of rows) driverPackage.prime(r.key, r);
    return keys.map(() => rows);
  });
  const driverBuild = new DataLoader<string, DriverBuildRow | null>(async (ids) => {
    const rows = await sql.query<DriverBuildRow>(`SELECT ${BUILD_COLS} FROM "DriverBuild" WHERE id = ANY($1::text[])`, [ids]);
    return ids.map((id) => rows.find((r) => r.id === id) ?? null);
  });
  const driverBuildsOfPackage = new DataLoader<string, DriverBuildRow[]>(async (keys) =>
    groupBy(
      keys,
      await sql.query<DriverBuildRow>(`SELECT ${BUILD_COLS} FROM "DriverBuild" WHERE "packageKey" = ANY($1::text[]) ORDER BY id`, [keys]),
      (r) => r.packageKey,
    ),
  );
  const driverBuildGuests = new DataLoader<string, DriverBuildGuestRow[]>(async (ids) =>
    groupBy(
      ids,
      await sql.query<DriverBuildGuestRow>(
        `SELECT "buildId", "guestId", arch, status::text AS status, reason, "sourceRef" FROM "DriverBuildGuest"
          WHERE "buildId" = ANY($1::text[]) ORDER BY "guestId", arch`,
        [ids],
      ),
      (r) => r.buildId,
    ),
  );
  const driversOfGuest = new DataLoader<string, DriverBuildGuestRow[]>(async (guestIds) =>
    groupBy(
      guestIds,
      await sql.query<DriverBuildGuestRow>(
        `SELECT s."buildId", s."guestId", s.arch, s.status::text AS status, s.reason, s."sourceRef" FROM "DriverBuildGuest" s
          WHERE s."guestId" = ANY($1::text[]) ORDER BY s."buildId", s.arch`,
        [guestIds],
      ),
      (r) => r.guestId,
    ),
  );
  return { driverPackage, allDriverPackages, driverBuild, driverBuildsOfPackage, driverBuildGuests, driversOfGuest };
}
