// Guest OS releases: by id / short id, and what they drive, use and need, own or inherited
// through derivesFrom (the effective lists).
// Registered with the others in src/schema/loaders.ts (each loader is made on a request's first use).
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

type DeviceLoader = DataLoader<string, DeviceRow | null>;
type GuestLoader = DataLoader<string, GuestRow | null>;

const GUEST_BY_ID = `SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g.id = ANY($1::text[])`;
const GUEST_BY_SHORT_ID = prepared(`SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g."shortIds" && $1::text[] ORDER BY g.id`);
const GUEST_BY_KEY = prepared(
  `SELECT ${GUEST_COLS()} FROM "GuestOS" g WHERE g.id = ANY($1::text[]) OR g."shortIds" && $1::text[] ORDER BY g.id`,
);
const effectiveDevicesSql = (includeRemoved: boolean, deviceCols = DEVICE_COLS()) =>
  prepared(`SELECT e."guestId", e."deviceId", e.supported, e."driverSource", e."driverName", e."minDriverVersion",
                e.notes AS "linkNotes", e.source AS "linkSource", e."fromGuestId", ${deviceCols}
           FROM (${EFFECTIVE_DEVICES_SQL(includeRemoved)}) e JOIN "Device" d ON d.id = e."deviceId"
          ORDER BY e."guestId", d.class, d.id`);
const EFFECTIVE_DEVICES = effectiveDevicesSql(false);
const EFFECTIVE_DEVICES_WITH_REMOVED = effectiveDevicesSql(true);
/**
 * The device fields a guest's effective devices can be answered with from NARROW_DEVICE_COLS (the
 * fields named like a column, busId from vendorId and productId, and those resolved from the id);
 * src/schema/guest-os/resolvers.ts reads the narrow rows when the client asks no others.
 */
export const NARROW_DEVICE_FIELDS: ReadonlySet<string> = new Set([
  '__typename',
  'id',
  'name',
  'bus',
  'busId',
  'class',
  'kind',
  'paravirtInterface',
  'corrections',
  'equivalents',
  'presentedBy',
]);
const NARROW_DEVICE_COLS = `d.id, d.name, d.bus, d."vendorId", d."productId", d.class::text AS class, d.kind::text AS kind,
  d."paravirtInterface"::text AS "paravirtInterface"`;
const EFFECTIVE_DEVICES_NARROW = effectiveDevicesSql(false, NARROW_DEVICE_COLS);
const OWN_DEVICES = prepared(`SELECT l."guestId", l."deviceId", l.supported, l."driverSource"::text AS "driverSource", l."driverName",
              l."minDriverVersion", l.notes, l.source, l."guestId" AS "fromGuestId"
         FROM "GuestOSDevice" l WHERE l."guestId" = ANY($1::text[]) ORDER BY l."guestId", l."deviceId"`);
const EFFECTIVE_PARAVIRT = prepared(EFFECTIVE_PARAVIRT_SQL);
const OWN_PARAVIRT =
  prepared(`SELECT p."guestId", p."featureId", p.supported, p."minKernel", p."minDriverVersion", p.notes, p."guestId" AS "fromGuestId",
                p.basis::text AS basis, p.rule, p.reason, p.inputs, p.source, p."sourceRef"
           FROM "GuestParavirtSupport" p WHERE p."guestId" = ANY($1::text[])`);
const EFFECTIVE_RESOURCES = prepared(`WITH RECURSIVE ${ANCESTORS_CTE}
               SELECT DISTINCT ON (a.root, r.arch, r.kind) a.root AS "guestId", r.arch, r.kind::text AS kind, r.cpus,
                      r."cpuHz"::float8 AS "cpuHz", r."ramBytes"::float8 AS "ramBytes", r."storageBytes"::float8 AS "storageBytes",
                      a.node AS "fromGuestId"
                 FROM anc a JOIN "GuestOSResources" r ON r."guestId" = a.node
                ORDER BY a.root, r.arch, r.kind, a.depth, a.rank`);
const OWN_RESOURCES = prepared(`SELECT r."guestId", r.arch, r.kind::text AS kind, r.cpus, r."cpuHz"::float8 AS "cpuHz",
                      r."ramBytes"::float8 AS "ramBytes", r."storageBytes"::float8 AS "storageBytes", r."guestId" AS "fromGuestId"
                 FROM "GuestOSResources" r WHERE r."guestId" = ANY($1::text[]) ORDER BY r.arch, r.kind`);
const EFFECTIVE_FIRMWARE = prepared(`WITH RECURSIVE ${ANCESTORS_CTE}
               SELECT DISTINCT ON (a.root, f.arch, f.type) a.root AS "guestId", f.arch, f.type::text AS type, f.supported,
                      f."secureBoot", a.node AS "fromGuestId"
                 FROM anc a JOIN "GuestOSFirmware" f ON f."guestId" = a.node
                ORDER BY a.root, f.arch, f.type, a.depth, a.rank`);
const OWN_FIRMWARE = prepared(`SELECT f."guestId", f.arch, f.type::text AS type, f.supported, f."secureBoot", f."guestId" AS "fromGuestId"
                 FROM "GuestOSFirmware" f WHERE f."guestId" = ANY($1::text[]) ORDER BY f.arch, f.type`);
const ANCESTORS = prepared(`WITH RECURSIVE ${ANCESTORS_CTE}
       SELECT DISTINCT ON (root, node) root, node, depth, rank FROM anc WHERE depth > 0 ORDER BY root, node, depth, rank`);
const DERIVED_BY = prepared(`SELECT id, "derivesFromId" FROM "GuestOS" WHERE "derivesFromId" = ANY($1::text[]) ORDER BY id`);
const ANSWER_FEATURES = prepared(`WITH f AS (
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
        GROUP BY h.id, h.key ORDER BY h.key`);
const PARAVIRT_RULE_SET = prepared(`SELECT data FROM "ParavirtRuleSet" WHERE id = 'curated'`);

/** Effective devices with their device rows; full rows (device given) also fill the device loader. */
function effectiveDevicesLoader(sql: Sql, text: string, device?: DeviceLoader) {
  return new DataLoader<string, EffectiveDevice[]>(async (guestIds) => {
    type Row = Pick<
      EffectiveDevice,
      'guestId' | 'deviceId' | 'supported' | 'driverSource' | 'driverName' | 'minDriverVersion' | 'fromGuestId'
    > &
      DeviceRow & { linkNotes: string | null; linkSource: string };
    const rows = await sql.query<Row>(text, [guestIds]);
    const out = rows.map(
      ({ guestId, deviceId, supported, driverSource, driverName, minDriverVersion, linkNotes, linkSource, fromGuestId, ...dev }) => {
        device?.prime(dev.id, dev);
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
}

/** Rows per guest id from a fixed text that receives the batch of guest ids as $1. */
function perGuest<R extends { guestId: string }>(sql: Sql, text: string) {
  return new DataLoader<string, R[]>(async (guestIds) => groupBy(guestIds, await sql.query<R>(text, [guestIds]), (r) => r.guestId));
}

export const guestOSLoaders = {
  /**
   * Per hypervisor key: the features that make up a guest's paravirt answer there (offered by any
   * of its releases, or added by the answer rules) and which of them are required. One statement.
   */
  answerFeatures: (sql: Sql) =>
    new DataLoader<'all', AnswerFeatures[]>(async (keys) => {
      const rows = await sql.query<AnswerFeatures>(ANSWER_FEATURES);
      return keys.map(() => rows);
    }),
  // The curated kernels and rules, read only when an answer is UNKNOWN (to name what is missing).
  paravirtRuleSet: (sql: Sql) =>
    new DataLoader<'curated', ParavirtRuleSetData | null>(async (keys) => {
      const [row] = await sql.query<{ data: ParavirtRuleSetData }>(PARAVIRT_RULE_SET);
      return keys.map(() => row?.data ?? null);
    }),
  guest: (sql: Sql) => byId<GuestRow>(sql, GUEST_BY_ID),
  guestByShortId: (sql: Sql, l: { guest: GuestLoader }) =>
    new DataLoader<string, GuestRow | null>(async (shortIds) => {
      const rows = await sql.query<GuestRow>(GUEST_BY_SHORT_ID, [shortIds]);
      for (const r of rows) l.guest.prime(r.id, r);
      return shortIds.map((s) => rows.find((r) => r.shortIds.includes(s)) ?? null);
    }),
  /** By id or short id, in one statement. */
  guestByKey: (sql: Sql, l: { guest: GuestLoader }) =>
    new DataLoader<string, GuestRow | null>(async (keys) => {
      const rows = await sql.query<GuestRow>(GUEST_BY_KEY, [keys]);
      for (const r of rows) l.guest.prime(r.id, r);
      return keys.map((k) => rows.find((r) => r.id === k) ?? rows.find((r) => r.shortIds.includes(k)) ?? null);
    }),
  effectiveDevices: (sql: Sql, l: { device: DeviceLoader }) => effectiveDevicesLoader(sql, EFFECTIVE_DEVICES, l.device),
  effectiveDevicesWithRemoved: (sql: Sql, l: { device: DeviceLoader }) =>
    effectiveDevicesLoader(sql, EFFECTIVE_DEVICES_WITH_REMOVED, l.device),
  /** Like effectiveDevices, with only the device columns NARROW_DEVICE_FIELDS need (partial rows: they prime nothing). */
  effectiveDevicesNarrow: (sql: Sql) => effectiveDevicesLoader(sql, EFFECTIVE_DEVICES_NARROW),
  effectiveDeviceCount: (sql: Sql) =>
    new DataLoader<string, Map<string, number>>(async (guestIds) => {
      const rows = await sql.query<{ guestId: string; deviceCounts: Record<string, number> }>(EFFECTIVE_DEVICE_COUNTS, [guestIds]);
      return byKey(guestIds, rows, (r) => r.guestId).map((r) => deviceCountMap(r?.deviceCounts));
    }),
  ownDevices: (sql: Sql, l: { device: DeviceLoader }) =>
    new DataLoader<string, EffectiveDevice[]>(async (guestIds) => {
      const rows = await sql.query<EffectiveDevice & { deviceJson: DeviceRow }>(OWN_DEVICES, [guestIds]);
      const devs = await l.device.loadMany(rows.map((r) => r.deviceId));
      rows.forEach((r, i) => {
        r.device = devs[i] as DeviceRow;
      });
      return groupBy(guestIds, rows, (r) => r.guestId);
    }),
  effectiveParavirt: (sql: Sql) => perGuest<EffectiveParavirt>(sql, EFFECTIVE_PARAVIRT),
  ownParavirt: (sql: Sql) => perGuest<EffectiveParavirt>(sql, OWN_PARAVIRT),
  effectiveResources: (sql: Sql) => perGuest<ResourceRow>(sql, EFFECTIVE_RESOURCES),
  ownResources: (sql: Sql) => perGuest<ResourceRow>(sql, OWN_RESOURCES),
  effectiveFirmware: (sql: Sql) => perGuest<FirmwareRow>(sql, EFFECTIVE_FIRMWARE),
  ownFirmware: (sql: Sql) => perGuest<FirmwareRow>(sql, OWN_FIRMWARE),
  ancestors: (sql: Sql) =>
    new DataLoader<string, string[]>(async (guestIds) => {
      const rows = await sql.query<{ root: string; node: string }>(ANCESTORS, [guestIds]);
      const sorted = (rows as Array<{ root: string; node: string; depth: number; rank: string }>).sort(
        (a, b) => a.depth - b.depth || (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0),
      );
      return groupBy(guestIds, sorted, (r) => r.root).map((rs) => rs.map((r) => r.node));
    }),
  derivedBy: (sql: Sql) =>
    new DataLoader<string, string[]>(async (guestIds) =>
      groupBy(guestIds, await sql.query<{ id: string; derivesFromId: string }>(DERIVED_BY, [guestIds]), (r) => r.derivesFromId).map((rs) =>
        rs.map((r) => r.id),
      ),
    ),
};
