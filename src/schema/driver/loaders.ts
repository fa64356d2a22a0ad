// Add-on driver packages and their builds. Registered with the others in src/schema/loaders.ts
// (each loader is made on a request's first use).
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

const DRIVERS_OF_GUEST = `SELECT s."buildId", s."guestId", s.arch, s.status::text AS status, s.reason, s."sourceRef",
              json_build_object('id', b.id, 'packageKey', b."packageKey", 'version', b.version, 'releaseDate', ${date('b."releaseDate"')},
                                'notes', b.notes, 'source', b.source, 'sourceRef', b."sourceRef") AS build
         FROM "DriverBuildGuest" s JOIN "DriverBuild" b ON b.id = s."buildId"
        WHERE s."guestId" = ANY($1::text[]) ORDER BY s."buildId", s.arch`;

export const driverLoaders = {
  // every package (a handful, and only curated ones: vendors publish builds of them): one statement answers
  // any package lookup, Hypervisor.driverPackages and drivers(hypervisor:) alike
  allDriverPackages: (sql: Sql) =>
    new DataLoader<'all', DriverPackageRow[]>(async (keys) => {
      const rows = await sql.query<DriverPackageRow>(
        `SELECT key, name, family::text AS family, "featureKey", vendor, homepage, source, "sourceRef" FROM "DriverPackage" ORDER BY key`,
      );
      return keys.map(() => rows);
    }),
  driverPackage: (_sql: Sql, l: { allDriverPackages: DataLoader<'all', DriverPackageRow[]> }) =>
    new DataLoader<string, DriverPackageRow | null>(async (keys) => {
      const rows = await l.allDriverPackages.load('all');
      return keys.map((k) => rows.find((r) => r.key === k) ?? null);
    }),
  driverBuild: (sql: Sql) =>
    new DataLoader<string, DriverBuildRow | null>(async (ids) => {
      const rows = await sql.query<DriverBuildRow>(`SELECT ${BUILD_COLS} FROM "DriverBuild" WHERE id = ANY($1::text[])`, [ids]);
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    }),
  driverBuildsOfPackage: (sql: Sql) =>
    new DataLoader<string, DriverBuildRow[]>(async (keys) =>
      groupBy(
        keys,
        await sql.query<DriverBuildRow>(`SELECT ${BUILD_COLS} FROM "DriverBuild" WHERE "packageKey" = ANY($1::text[]) ORDER BY id`, [keys]),
        (r) => r.packageKey,
      ),
    ),
  driverBuildGuests: (sql: Sql) =>
    new DataLoader<string, DriverBuildGuestRow[]>(async (ids) =>
      groupBy(
        ids,
        await sql.query<DriverBuildGuestRow>(
          `SELECT "buildId", "guestId", arch, status::text AS status, reason, "sourceRef" FROM "DriverBuildGuest"
          WHERE "buildId" = ANY($1::text[]) ORDER BY "guestId", arch`,
          [ids],
        ),
        (r) => r.buildId,
      ),
    ),
  // with each row's build, which primes driverBuild (the planning operation asks both: one statement)
  driversOfGuest: (sql: Sql, l: { driverBuild: DataLoader<string, DriverBuildRow | null> }) =>
    new DataLoader<string, DriverBuildGuestRow[]>(async (guestIds) => {
      const rows = await sql.query<DriverBuildGuestRow & { build: DriverBuildRow }>(DRIVERS_OF_GUEST, [guestIds]);
      for (const r of rows) l.driverBuild.prime(r.build.id, r.build);
      return groupBy(
        guestIds,
        rows.map(({ build: _, ...r }) => r),
        (r) => r.guestId,
      );
    }),
};
