// Guest OS releases: by id / short id, and what they drive, use and need, own or inherited
// through derivesFrom (the effective lists).
// Registered with the others in src/schema/loaders.ts.
import DataLoader from 'dataloader';
import { prepared, type Sql } from '../../db/sql.ts';
import { EFFECTIVE_DEVICES_SQL, ANCESTORS_CTE, EFFECTIVE_PARAVIRT_SQL, effectiveDeviceCountsSql } from '../../catalogue/effective.ts';
import {
  DEVICE_COLS,
  GUEST_COLS,
  type DeviceRow,
  type EffectiveDevice,
  type EffectiveParavirt,
  type FirmwareRow,
  type GuestRow,
  type ResourceRow,
} from '../../catalogue/rows.ts';
import { byId, byKey, groupBy } from '../common/loaders.ts';
import type { ParavirtRuleSetData } from '../../catalogue/paravirt-derive.ts';

const EFFECTIVE_DEVICE_COUNTS = prepared(effectiveDeviceCountsSql());

/** A guest's effective device counts per class (effectiveDeviceCountsSql's JSON object) as the loader holds them. */
export function deviceCountMap(counts: Record<string, number> | null | undefined): Map<string, number> {
  return new Map(Object.entries(counts ?? {}));
}

export interface AnswerFeatures {
  hypervisorId: string;
  hypervisorKey: string;
  featureIds: string[];
  requiredIds: string[];
}

export function guestOSLoaders(sql: Sql, deps: { device: DataLoader<string, DeviceRow | null> }) {
  const { device } = deps;
  const guest = byId<GuestRow>(sql, `SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g.id = ANY($1::text[])`);
  const guestByShortId = new DataLoader<string, GuestRow | null>(async (shortIds) => {
    const rows = await sql.query<GuestRow>(
      prepared(`SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g."shortIds" && $1::text[] ORDER BY g.id`),
      [shortIds],
    );
    for (const r of rows) guest.prime(r.id, r);
    return shortIds.map((s) => rows.find((r) => r.shortIds.includes(s)) ?? null);
  });
  /** By id or short id, in one statement. */
  const guestByKey = new DataLoader<string, GuestRow | null>(async (keys) => {
    const rows = await sql.query<GuestRow>(
      prepared(`SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g.id = ANY($1::text[]) OR g."shortIds" && $1::text[] ORDER BY g.id`),
      [keys],
    );
    for (const r of rows) guest.prime(r.id, r);
    return keys.map((k) => rows.find((r) => r.id === k) ?? rows.find((r) => r.shortIds.includes(k)) ?? null);
  });
  const loadEffectiveDevices = (includeRemoved: boolean) =>
    new DataLoader<string, EffectiveDevice[]>(async (guestIds) => {
      type Row = Pick<
        EffectiveDevice,
        'guestId' | 'deviceId' | 'supported' | 'driverSource' | 'driverName' | 'minDriverVersion' | 'fromGuestId'
      > &
        DeviceRow & { linkNotes: string | null; linkSource: string };
      const rows = await sql.query<Row>(
        prepared(`SELECT e."guestId", e."deviceId", e.supported, e."driverSource", e."driverName", e."minDriverVersion",
                e.notes AS "linkNotes", e.source AS "linkSource", e."fromGuestId", ${DEVICE_COLS()}
           FROM (${EFFECTIVE_DEVICES_SQL(includeRemoved)}) e JOIN "Device" d ON d.id = e."deviceId"
          ORDER BY e."guestId", d.class, d.id`),
        [guestIds],
      );
      const out = rows.map(
        ({ guestId, deviceId, supported, driverSource, driverName, minDriverVersion, linkNotes, linkSource, fromGuestId, ...dev }) => {
          device.prime(dev.id, dev);
          return {
            guestId,
            deviceId,
            supported,
            driverSource,
            driverName,
            minDriverVersion,
            notes: linkNotes,
            source: linkSource,
            fromGuestId,
            device: dev,
          };
        },
      );
      return groupBy(guestIds, out, (r) => r.guestId);
    });
  const effectiveDevices = loadEffectiveDevices(false);
  const effectiveDevicesWithRemoved = loadEffectiveDevices(true);
  const effectiveDeviceCount = new DataLoader<string, Map<string, number>>(async (guestIds) => {
    const rows = await sql.query<{ guestId: string; deviceCounts: Record<string, number> }>(EFFECTIVE_DEVICE_COUNTS, [guestIds]);
    return byKey(guestIds, rows, (r) => r.guestId).map((r) => deviceCountMap(r?.deviceCounts));
  });
  const ownDevices = new DataLoader<string, EffectiveDevice[]>(async (guestIds) => {
    const rows = await sql.query<EffectiveDevice & { deviceJson: DeviceRow }>(
      prepared(`SELECT l."guestId", l."deviceId", l.supported, l."driverSource"::text AS "driverSource", l."driverName",
              l."minDriverVersion", l.notes, l.source, l."guestId" AS "fromGuestId"
         FROM "GuestOSDevice" l WHERE l."guestId" = ANY($1::text[]) ORDER BY l."guestId", l."deviceId"`),
      [guestIds],
    );
    const devs = await device.loadMany(rows.map((r) => r.deviceId));
    rows.forEach((r, i) => {
      r.device = devs[i] as DeviceRow;
    });
    return groupBy(guestIds, rows, (r) => r.guestId);
  });
  const effectiveParavirt = new DataLoader<string, EffectiveParavirt[]>(async (guestIds) =>
    groupBy(guestIds, await sql.query<EffectiveParavirt>(prepared(EFFECTIVE_PARAVIRT_SQL), [guestIds]), (r) => r.guestId),
  );
  const ownParavirt = new DataLoader<string, EffectiveParavirt[]>(async (guestIds) =>
    groupBy(
      guestIds,
      await sql.query<EffectiveParavirt>(
        prepared(`SELECT p."guestId", p."featureId", p.supported, p."minKernel", p."minDriverVersion", p.notes, p."guestId" AS "fromGuestId",
                p.basis::text AS basis, p.rule, p.reason, p.inputs, p.source, p."sourceRef"
           FROM "GuestParavirtSupport" p WHERE p."guestId" = ANY($1::text[])`),
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
          prepared(
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
          ),
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
          prepared(
            effective
              ? `WITH RECURSIVE ${ANCESTORS_CTE}
               SELECT DISTINCT ON (a.root, f.arch, f.type) a.root AS "guestId", f.arch, f.type::text AS type, f.supported,
                      f."secureBoot", a.node AS "fromGuestId"
                 FROM anc a JOIN "GuestOSFirmware" f ON f."guestId" = a.node
                ORDER BY a.root, f.arch, f.type, a.depth, a.rank`
              : `SELECT f."guestId", f.arch, f.type::text AS type, f.supported, f."secureBoot", f."guestId" AS "fromGuestId"
                 FROM "GuestOSFirmware" f WHERE f."guestId" = ANY($1::text[]) ORDER BY f.arch, f.type`,
          ),
          [guestIds],
        ),
        (r) => r.guestId,
      ),
    );
  const ancestors = new DataLoader<string, string[]>(async (guestIds) => {
    const rows = await sql.query<{ root: string; node: string }>(
      prepared(`WITH RECURSIVE ${ANCESTORS_CTE}
       SELECT DISTINCT ON (root, node) root, node, depth, rank FROM anc WHERE depth > 0 ORDER BY root, node, depth, rank`),
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
        prepared(`SELECT id, "derivesFromId" FROM "GuestOS" WHERE "derivesFromId" = ANY($1::text[]) ORDER BY id`),
        [guestIds],
      ),
      (r) => r.derivesFromId,
    ).map((rs) => rs.map((r) => r.id)),
  );

  /**
   * Per hypervisor key: the features that make up a guest's paravirt answer there (offered by any
   * of its releases, or added by the answer rules) and which of them are required. One statement.
   */
  const answerFeatures = new DataLoader<'all', AnswerFeatures[]>(async (keys) => {
    const rows = await sql.query<AnswerFeatures>(
      prepared(`WITH f AS (
         SELECT h.key AS "hypervisorKey", rp."featureId", false AS required
           FROM "HypervisorReleaseParavirt" rp JOIN "HypervisorRelease" r ON r.id = rp."releaseId" JOIN "Hypervisor" h ON h.id = r."hypervisorId"
          WHERE rp.supported
         UNION ALL
         SELECT a."hypervisorKey", p.id, a.required FROM "ParavirtAnswerFeature" a JOIN "ParavirtFeature" p ON p.key = a."featureKey"
       )
       SELECT h.id AS "hypervisorId", h.key AS "hypervisorKey",
              coalesce(array_agg(DISTINCT f."featureId") FILTER (WHERE f."featureId" IS NOT NULL), '{}') AS "featureIds",
              coalesce(array_agg(DISTINCT f."featureId") FILTER (WHERE f.required), '{}') AS "requiredIds"
         FROM "Hypervisor" h LEFT JOIN f ON f."hypervisorKey" = h.key
        GROUP BY h.id, h.key ORDER BY h.key`),
    );
    return keys.map(() => rows);
  });

  // The curated kernels and rules, read only when an answer is UNKNOWN (to name what is missing).
  const paravirtRuleSet = new DataLoader<'curated', ParavirtRuleSetData | null>(async (keys) => {
    const [row] = await sql.query<{ data: ParavirtRuleSetData }>(prepared(`SELECT data FROM "ParavirtRuleSet" WHERE id = 'curated'`));
    return keys.map(() => row?.data ?? null);
  });

  return {
    answerFeatures,
    paravirtRuleSet,
    guest,
    guestByShortId,
    guestByKey,
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
  };
}
