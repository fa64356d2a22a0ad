// Per-request batching: every lookup by key goes through a DataLoader, so a page of 50 guests with
// their devices costs one statement per kind of thing, not one per guest.
import DataLoader from 'dataloader';
import type { Sql } from '../db/sql.ts';
import { EFFECTIVE_DEVICES_SQL, ANCESTORS_CTE, EFFECTIVE_PARAVIRT_SQL } from '../catalogue/effective.ts';
import {
  DEVICE_COLS,
  GUEST_COLS,
  HW_FEATURE_COLS,
  HYPERVISOR_COLS,
  PARAVIRT_COLS,
  RECORD_COLS,
  RELEASE_COLS,
  type DeviceRow,
  type GuestRow,
  type HwFeatureRow,
  type HypervisorRow,
  type ParavirtRow,
  type RecordRow,
  type ReleaseRow,
} from '../catalogue/rows.ts';

export interface EffectiveDevice {
  guestId: string;
  deviceId: string;
  supported: boolean;
  driverSource: string;
  driverName: string | null;
  minDriverVersion: string | null;
  notes: string | null;
  source: string;
  fromGuestId: string;
  device: DeviceRow;
}

export interface EffectiveParavirt {
  guestId: string;
  featureId: string;
  supported: boolean;
  minKernel: string | null;
  minDriverVersion: string | null;
  notes: string | null;
  fromGuestId: string;
}

export interface ResourceRow {
  guestId: string;
  arch: string;
  kind: string;
  cpus: number | null;
  cpuHz: number | null;
  ramBytes: number | null;
  storageBytes: number | null;
  fromGuestId: string;
}

export interface FirmwareRow {
  guestId: string;
  arch: string;
  type: string;
  supported: boolean;
  secureBoot: boolean | null;
  fromGuestId: string;
}

export interface ReleaseDeviceRow {
  releaseId: string;
  deviceId: string;
  model: string;
  supported: boolean;
  notes: string | null;
  sourceRef: string | null;
  device: DeviceRow;
}

export interface ReleaseParavirtRow {
  releaseId: string;
  featureId: string;
  supported: boolean;
  notes: string | null;
  sourceRef: string | null;
}

export interface HostFeatureReqRow {
  releaseId: string;
  featureId: string;
  featureKey: string;
  requirement: string;
  anyOf: string | null;
  notes: string | null;
  sourceRef: string | null;
}

function byKey<K, R>(keys: readonly K[], rows: R[], key: (r: R) => K): (R | null)[] {
  const m = new Map<K, R>();
  for (const r of rows) m.set(key(r), r);
  return keys.map((k) => m.get(k) ?? null);
}

function groupBy<K, R>(keys: readonly K[], rows: R[], key: (r: R) => K): R[][] {
  const m = new Map<K, R[]>();
  for (const k of keys) m.set(k, []);
  for (const r of rows) m.get(key(r))?.push(r);
  return keys.map((k) => m.get(k)!);
}

export function createLoaders(sql: Sql) {
  const guest = new DataLoader<string, GuestRow | null>(async (ids) =>
    byKey(ids, await sql.query<GuestRow>(`SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g.id = ANY($1::text[])`, [ids]), (r) => r.id),
  );
  const guestByShortId = new DataLoader<string, GuestRow | null>(async (shortIds) => {
    const rows = await sql.query<GuestRow>(
      `SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g."shortIds" && $1::text[] ORDER BY g.id`,
      [shortIds],
    );
    for (const r of rows) guest.prime(r.id, r);
    return shortIds.map((s) => rows.find((r) => r.shortIds.includes(s)) ?? null);
  });
  /** By id or short id, in one statement. */
  const guestByKey = new DataLoader<string, GuestRow | null>(async (keys) => {
    const rows = await sql.query<GuestRow>(
      `SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g.id = ANY($1::text[]) OR g."shortIds" && $1::text[] ORDER BY g.id`,
      [keys],
    );
    for (const r of rows) guest.prime(r.id, r);
    return keys.map((k) => rows.find((r) => r.id === k) ?? rows.find((r) => r.shortIds.includes(k)) ?? null);
  });
  const device = new DataLoader<string, DeviceRow | null>(async (ids) =>
    byKey(ids, await sql.query<DeviceRow>(`SELECT ${DEVICE_COLS()} FROM "Device" d WHERE d.id = ANY($1::text[])`, [ids]), (r) => r.id),
  );
  const hypervisor = new DataLoader<string, HypervisorRow | null>(async (ids) =>
    byKey(
      ids,
      await sql.query<HypervisorRow>(`SELECT ${HYPERVISOR_COLS()} FROM "Hypervisor" h WHERE h.id = ANY($1::text[])`, [ids]),
      (r) => r.id,
    ),
  );
  const hypervisorByKey = new DataLoader<string, HypervisorRow | null>(async (keys) => {
    const rows = await sql.query<HypervisorRow>(`SELECT ${HYPERVISOR_COLS()} FROM "Hypervisor" h WHERE h.key = ANY($1::text[])`, [keys]);
    for (const r of rows) hypervisor.prime(r.id, r);
    return byKey(keys, rows, (r) => r.key);
  });
  const release = new DataLoader<string, ReleaseRow | null>(async (ids) =>
    byKey(
      ids,
      await sql.query<ReleaseRow>(`SELECT ${RELEASE_COLS()} FROM "HypervisorRelease" r WHERE r.id = ANY($1::text[])`, [ids]),
      (r) => r.id,
    ),
  );
  const releasesOf = new DataLoader<string, ReleaseRow[]>(async (hypervisorIds) => {
    const rows = await sql.query<ReleaseRow>(
      `SELECT ${RELEASE_COLS()} FROM "HypervisorRelease" r WHERE r."hypervisorId" = ANY($1::text[])
        ORDER BY r."versionOrder", r."releaseDate" NULLS LAST, r.version`,
      [hypervisorIds],
    );
    for (const r of rows) release.prime(r.id, r);
    return groupBy(hypervisorIds, rows, (r) => r.hypervisorId);
  });
  const hwFeature = new DataLoader<string, HwFeatureRow | null>(async (ids) =>
    byKey(
      ids,
      await sql.query<HwFeatureRow>(`SELECT ${HW_FEATURE_COLS()} FROM "HardwareFeature" f WHERE f.id = ANY($1::text[])`, [ids]),
      (r) => r.id,
    ),
  );
  const hwFeatureByKey = new DataLoader<string, HwFeatureRow | null>(async (keys) => {
    const rows = await sql.query<HwFeatureRow>(`SELECT ${HW_FEATURE_COLS()} FROM "HardwareFeature" f WHERE f.key = ANY($1::text[])`, [keys]);
    for (const r of rows) hwFeature.prime(r.id, r);
    return byKey(keys, rows, (r) => r.key);
  });
  const paravirt = new DataLoader<string, ParavirtRow | null>(async (ids) =>
    byKey(
      ids,
      await sql.query<ParavirtRow>(`SELECT ${PARAVIRT_COLS()} FROM "ParavirtFeature" p WHERE p.id = ANY($1::text[])`, [ids]),
      (r) => r.id,
    ),
  );
  const paravirtByKey = new DataLoader<string, ParavirtRow | null>(async (keys) => {
    const rows = await sql.query<ParavirtRow>(`SELECT ${PARAVIRT_COLS()} FROM "ParavirtFeature" p WHERE p.key = ANY($1::text[])`, [keys]);
    for (const r of rows) paravirt.prime(r.id, r);
    return byKey(keys, rows, (r) => r.key);
  });
  const vendor = new DataLoader<string, { id: string; name: string; url: string | null } | null>(async (ids) =>
    byKey(ids, await sql.query<{ id: string; name: string; url: string | null }>(`SELECT id, name, url FROM "Vendor" WHERE id = ANY($1::text[])`, [ids]), (r) => r.id),
  );
  const record = new DataLoader<string, RecordRow | null>(async (ids) =>
    byKey(
      ids,
      await sql.query<RecordRow>(`SELECT ${RECORD_COLS()} FROM "CompatibilityRecord" c WHERE c.id = ANY($1::text[])`, [ids]),
      (r) => r.id,
    ),
  );

  const loadEffectiveDevices = (includeRemoved: boolean) =>
    new DataLoader<string, EffectiveDevice[]>(async (guestIds) => {
      type Row = Pick<EffectiveDevice, 'guestId' | 'deviceId' | 'supported' | 'driverSource' | 'driverName' | 'minDriverVersion' | 'fromGuestId'> &
        DeviceRow & { linkNotes: string | null; linkSource: string };
      const rows = await sql.query<Row>(
        `SELECT e."guestId", e."deviceId", e.supported, e."driverSource", e."driverName", e."minDriverVersion",
                e.notes AS "linkNotes", e.source AS "linkSource", e."fromGuestId", ${DEVICE_COLS()}
           FROM (${EFFECTIVE_DEVICES_SQL(includeRemoved)}) e JOIN "Device" d ON d.id = e."deviceId"
          ORDER BY e."guestId", d.class, d.id`,
        [guestIds],
      );
      const out = rows.map(({ guestId, deviceId, supported, driverSource, driverName, minDriverVersion, linkNotes, linkSource, fromGuestId, ...dev }) => {
        device.prime(dev.id, dev);
        return { guestId, deviceId, supported, driverSource, driverName, minDriverVersion, notes: linkNotes, source: linkSource, fromGuestId, device: dev };
      });
      return groupBy(guestIds, out, (r) => r.guestId);
    });
  const effectiveDevices = loadEffectiveDevices(false);
  const effectiveDevicesWithRemoved = loadEffectiveDevices(true);

  const effectiveDeviceCount = new DataLoader<string, Map<string, number>>(async (guestIds) => {
    const rows = await sql.query<{ guestId: string; class: string; n: number }>(
      `SELECT e."guestId", d.class::text AS class, count(*)::int AS n
         FROM (${EFFECTIVE_DEVICES_SQL(false)}) e JOIN "Device" d ON d.id = e."deviceId"
        GROUP BY e."guestId", d.class`,
      [guestIds],
    );
    return groupBy(guestIds, rows, (r) => r.guestId).map((rs) => new Map(rs.map((r) => [r.class, r.n])));
  });

  const ownDevices = new DataLoader<string, EffectiveDevice[]>(async (guestIds) => {
    const rows = await sql.query<EffectiveDevice & { deviceJson: DeviceRow }>(
      `SELECT l."guestId", l."deviceId", l.supported, l."driverSource"::text AS "driverSource", l."driverName",
              l."minDriverVersion", l.notes, l.source, l."guestId" AS "fromGuestId"
         FROM "GuestOSDevice" l WHERE l."guestId" = ANY($1::text[]) ORDER BY l."guestId", l."deviceId"`,
      [guestIds],
    );
    const devs = await device.loadMany(rows.map((r) => r.deviceId));
    rows.forEach((r, i) => (r.device = devs[i] as DeviceRow));
    return groupBy(guestIds, rows, (r) => r.guestId);
  });

  const effectiveParavirt = new DataLoader<string, EffectiveParavirt[]>(async (guestIds) =>
    groupBy(guestIds, await sql.query<EffectiveParavirt>(EFFECTIVE_PARAVIRT_SQL, [guestIds]), (r) => r.guestId),
  );
  const ownParavirt = new DataLoader<string, EffectiveParavirt[]>(async (guestIds) =>
    groupBy(
      guestIds,
      await sql.query<EffectiveParavirt>(
        `SELECT p."guestId", p."featureId", p.supported, p."minKernel", p."minDriverVersion", p.notes, p."guestId" AS "fromGuestId"
           FROM "GuestParavirtSupport" p WHERE p."guestId" = ANY($1::text[])`,
        [guestIds],
      ),
      (r) => r.guestId,
    ),
  );

  const resources = (effective: boolean) =>
    new DataLoader<string, ResourceRow[]>(async (guestIds) =>
      groupBy(
        guestIds,
        await sql.query<ResourceRow>(
          effective
            ? `WITH RECURSIVE ${ANCESTORS_CTE}
               SELECT DISTINCT ON (a.root, r.arch, r.kind) a.root AS "guestId", r.arch, r.kind::text AS kind, r.cpus,
                      r."cpuHz"::float8 AS "cpuHz", r."ramBytes"::float8 AS "ramBytes", r."storageBytes"::float8 AS "storageBytes",
                      a.node AS "fromGuestId"
                 FROM anc a JOIN "GuestOSResources" r ON r."guestId" = a.node
                ORDER BY a.root, r.arch, r.kind, a.depth, a.rank`
            : `SELECT r."guestId", r.arch, r.kind::text AS kind, r.cpus, r."cpuHz"::float8 AS "cpuHz",
                      r."ramBytes"::float8 AS "ramBytes", r."storageBytes"::float8 AS "storageBytes", r."guestId" AS "fromGuestId"
                 FROM "GuestOSResources" r WHERE r."guestId" = ANY($1::text[]) ORDER BY r.arch, r.kind`,
          [guestIds],
        ),
        (r) => r.guestId,
      ),
    );
  const firmware = (effective: boolean) =>
    new DataLoader<string, FirmwareRow[]>(async (guestIds) =>
      groupBy(
        guestIds,
        await sql.query<FirmwareRow>(
          effective
            ? `WITH RECURSIVE ${ANCESTORS_CTE}
               SELECT DISTINCT ON (a.root, f.arch, f.type) a.root AS "guestId", f.arch, f.type::text AS type, f.supported,
                      f."secureBoot", a.node AS "fromGuestId"
                 FROM anc a JOIN "GuestOSFirmware" f ON f."guestId" = a.node
                ORDER BY a.root, f.arch, f.type, a.depth, a.rank`
            : `SELECT f."guestId", f.arch, f.type::text AS type, f.supported, f."secureBoot", f."guestId" AS "fromGuestId"
                 FROM "GuestOSFirmware" f WHERE f."guestId" = ANY($1::text[]) ORDER BY f.arch, f.type`,
          [guestIds],
        ),
        (r) => r.guestId,
      ),
    );

  const ancestors = new DataLoader<string, string[]>(async (guestIds) => {
    const rows = await sql.query<{ root: string; node: string }>(
      `WITH RECURSIVE ${ANCESTORS_CTE}
       SELECT DISTINCT ON (root, node) root, node, depth, rank FROM anc WHERE depth > 0 ORDER BY root, node, depth, rank`,
      [guestIds],
    );
    const sorted = (rows as Array<{ root: string; node: string; depth: number; rank: string }>).sort(
      (a, b) => a.depth - b.depth || (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0),
    );
    return groupBy(guestIds, sorted, (r) => r.root).map((rs) => rs.map((r) => r.node));
  });
  const derivedBy = new DataLoader<string, string[]>(async (guestIds) =>
    groupBy(
      guestIds,
      await sql.query<{ id: string; derivesFromId: string }>(
        `SELECT id, "derivesFromId" FROM "GuestOS" WHERE "derivesFromId" = ANY($1::text[]) ORDER BY id`,
        [guestIds],
      ),
      (r) => r.derivesFromId,
    ).map((rs) => rs.map((r) => r.id)),
  );

  const releaseDevices = new DataLoader<string, ReleaseDeviceRow[]>(async (releaseIds) => {
    const rows = await sql.query<ReleaseDeviceRow & { linkNotes: string | null; linkRef: string | null } & DeviceRow>(
      `SELECT x."releaseId", x."deviceId", x.model, x.supported, x.notes AS "linkNotes", x."sourceRef" AS "linkRef", ${DEVICE_COLS()}
         FROM "HypervisorReleaseDevice" x JOIN "Device" d ON d.id = x."deviceId"
        WHERE x."releaseId" = ANY($1::text[]) ORDER BY x."releaseId", d.class, x.model`,
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
        `SELECT "releaseId", "featureId", supported, notes, "sourceRef" FROM "HypervisorReleaseParavirt"
          WHERE "releaseId" = ANY($1::text[]) ORDER BY "featureId"`,
        [releaseIds],
      ),
      (r) => r.releaseId,
    ),
  );
  const releaseHostFeatures = new DataLoader<string, HostFeatureReqRow[]>(async (releaseIds) =>
    groupBy(
      releaseIds,
      await sql.query<HostFeatureReqRow>(
        `SELECT x."releaseId", x."featureId", f.key AS "featureKey", x.requirement::text AS requirement, x."anyOf", x.notes, x."sourceRef"
           FROM "HypervisorReleaseHostFeature" x JOIN "HardwareFeature" f ON f.id = x."featureId"
          WHERE x."releaseId" = ANY($1::text[]) ORDER BY x.requirement, f.key`,
        [releaseIds],
      ),
      (r) => r.releaseId,
    ),
  );
  const presentedBy = new DataLoader<string, ReleaseDeviceRow[]>(async (deviceIds) => {
    const rows = await sql.query<Omit<ReleaseDeviceRow, 'device'>>(
      `SELECT "releaseId", "deviceId", model, supported, notes, "sourceRef" FROM "HypervisorReleaseDevice"
        WHERE "deviceId" = ANY($1::text[]) ORDER BY "releaseId"`,
      [deviceIds],
    );
    return groupBy(deviceIds, rows as ReleaseDeviceRow[], (r) => r.deviceId);
  });
  const equivalents = new DataLoader<string, Array<{ group: string; deviceId: string; hypervisorKey: string | null }>>(
    async (deviceIds) => {
      const rows = await sql.query<{ of: string; group: string; deviceId: string; hypervisorKey: string | null }>(
        `SELECT m0."deviceId" AS of, m."groupKey" AS group, m."deviceId", m."hypervisorKey"
           FROM "DeviceEquivalenceMember" m0 JOIN "DeviceEquivalenceMember" m ON m."groupKey" = m0."groupKey" AND m."deviceId" <> m0."deviceId"
          WHERE m0."deviceId" = ANY($1::text[]) ORDER BY m."groupKey", m."deviceId"`,
        [deviceIds],
      );
      return groupBy(deviceIds, rows, (r) => r.of);
    },
  );
  const guestRecords = new DataLoader<string, RecordRow[]>(async (guestIds) =>
    groupBy(
      guestIds,
      await sql.query<RecordRow>(
        `SELECT ${RECORD_COLS()} FROM "CompatibilityRecord" c
          WHERE c."guestId" = ANY($1::text[]) AND c."reviewState" = 'ACCEPTED'
            AND NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = c.id)
          ORDER BY c."createdAt" DESC, c.id`,
        [guestIds],
      ),
      (r) => r.guestId,
    ),
  );

  return {
    guest,
    guestByShortId,
    guestByKey,
    device,
    hypervisor,
    hypervisorByKey,
    release,
    releasesOf,
    hwFeature,
    hwFeatureByKey,
    paravirt,
    paravirtByKey,
    vendor,
    record,
    effectiveDevices,
    effectiveDevicesWithRemoved,
    effectiveDeviceCount,
    ownDevices,
    effectiveParavirt,
    ownParavirt,
    effectiveResources: resources(true),
    ownResources: resources(false),
    effectiveFirmware: firmware(true),
    ownFirmware: firmware(false),
    ancestors,
    derivedBy,
    releaseDevices,
    releaseParavirt,
    releaseHostFeatures,
    presentedBy,
    equivalents,
    guestRecords,
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
