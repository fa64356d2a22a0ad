// Vendors publish what they own: guest releases (OS vendors), devices (hardware and hypervisor
// vendors), hypervisors and their releases with capabilities (hypervisor vendors), hardware
// features (hardware vendors). Same pattern for each: check shapes, lock the entity, refuse writes
// to what another vendor (or the curators) owns, check references, merge the input over what is
// stored (absent field: keep; null: clear; list: replace), and write only when something changed,
// with an audit entry (before/after) and a change-feed row.
import type { Sql } from '../../db/sql.ts';
import { appError, ErrorCode } from '../../errors.ts';
import type { CatalogueEvent } from '../../api/pubsub.ts';
import { ANCESTORS_CTE } from '../../catalogue/effective.ts';
import { date } from '../common/sql-fragments.ts';
import { classifyDbError } from '../../db/classify.ts';
import { appendChanges, authorize, forbidden, inTransaction, writeAudit, type WriteEnv } from './service.ts';
import { canonical, int, list, Problems, RULES, text, unique, url, type InputError, type TextRule } from './validate.ts';

export interface PublishOutcome<S> {
  snapshot: S | null;
  created: boolean;
  changed: boolean;
  inputErrors: InputError[];
  events: CatalogueEvent[];
}

type Owned = { id: string; ownerVendorId: string | null };

class Invalid extends Error {}
class Refused extends Error {
  constructor(
    message: string,
    readonly entityId: string | null,
  ) {
    super(message);
  }
}

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** Absent: keep the stored value (or the default for a new entity); present: the checked value or null. */
function merge<T>(input: object, field: string, checked: T | undefined, stored: T | undefined, fallback: T | null = null): T | null {
  if (has(input, field)) return checked ?? null;
  return stored !== undefined ? stored : fallback;
}

const META = new Set(['ownerVendorId', 'source']);
const sameContent = (a: object, b: object) =>
  canonical(Object.fromEntries(Object.entries(a).filter(([k]) => !META.has(k)))) ===
  canonical(Object.fromEntries(Object.entries(b).filter(([k]) => !META.has(k))));

interface Spec<S extends Owned> {
  action: string;
  entityType: string;
  /** Vendor kinds that may create a new entity of this type (ownership decides for existing ones). */
  kinds: string[];
  /** Runs first in every attempt of the transaction (lookups the other steps share). */
  prepare?(tx: Sql): Promise<void>;
  load(tx: Sql): Promise<S | null>;
  /** Refusal for a new entity beyond the vendor-kind rule (e.g. a release of someone else's hypervisor). */
  refuseNew?(tx: Sql, vendorId: string): Promise<string | null>;
  build(tx: Sql, stored: S | null, p: Problems): Promise<S>;
  write(tx: Sql, merged: S, stored: S | null, vendorId: string): Promise<void>;
}

async function publish<S extends Owned>(env: WriteEnv, spec: Spec<S>, preProblems: Problems): Promise<PublishOutcome<S>> {
  await authorize(env, ['SUBMITTER'], spec.action, spec.entityType);
  const vendorId = env.actor.vendorId!;
  const none = (inputErrors: InputError[]): PublishOutcome<S> => ({ snapshot: null, created: false, changed: false, inputErrors, events: [] });
  const invalidAudit = (problems: InputError[]) =>
    writeAudit(env.db.sql, env.actor, [
      {
        action: spec.action,
        entityType: spec.entityType,
        outcome: 'INVALID',
        detail: `${problems.length} input error(s); first: ${problems[0].path.join('.')}: ${problems[0].message}`.slice(0, 2000),
      },
    ]);
  if (preProblems.count) {
    await invalidAudit(preProblems.list);
    return none(preProblems.list);
  }
  const problems = new Problems([], ['input']);
  try {
    return await inTransaction(env.db, async (tx) => {
      problems.list.length = 0;
      await spec.prepare?.(tx);
      const stored = await spec.load(tx);
      if (stored) {
        if (stored.ownerVendorId !== vendorId) {
          throw new Refused(
            `${spec.entityType} ${stored.id} is owned by ${stored.ownerVendorId ? `vendor ${stored.ownerVendorId}` : 'the curated catalogue (ask an admin to assign it)'}, not by ${vendorId}`,
            stored.id,
          );
        }
      } else {
        const [v] = await tx.query<{ kinds: string[] }>(`SELECT kinds::text[] AS kinds FROM "Vendor" WHERE id = $1`, [vendorId]);
        if (!v || !v.kinds.some((k) => spec.kinds.includes(k))) {
          throw new Refused(`vendor ${vendorId} (${v?.kinds.join(', ') || 'no kinds'}) may not create a ${spec.entityType}: that needs a ${spec.kinds.join(' or ')} vendor`, null);
        }
        const refusal = await spec.refuseNew?.(tx, vendorId);
        if (refusal) throw new Refused(refusal, null);
      }
      const merged = await spec.build(tx, stored, problems);
      if (problems.count) throw new Invalid();
      if (stored && sameContent(stored, merged)) {
        return { snapshot: stored, created: false, changed: false, inputErrors: [], events: [] };
      }
      await spec.write(tx, merged, stored, vendorId);
      const after = (await spec.load(tx))!;
      await writeAudit(tx, env.actor, [{ action: spec.action, entityType: spec.entityType, entityId: after.id, outcome: 'OK', before: stored, after }]);
      const events = await appendChanges(tx, [{ entityType: spec.entityType, entityId: after.id, op: 'UPSERT', data: after }]);
      return { snapshot: after, created: !stored, changed: true, inputErrors: [], events };
    });
  } catch (err) {
    if (err instanceof Invalid) {
      await invalidAudit(problems.list);
      return none([...problems.list]);
    }
    if (err instanceof Refused) throw await forbidden(env, spec.action, spec.entityType, err.entityId, err.message);
    if (classifyDbError(err)?.kind === 'CONFLICT') {
      throw appError(ErrorCode.CONFLICT, `${spec.entityType}: another entity already has this id or key`, {}, err);
    }
    throw err;
  }
}

/** Checks a list of strings with one rule, unique. */
function strings(p: Problems, field: string, v: readonly string[] | null | undefined, rule: TextRule, max: number, what: string): string[] | undefined {
  const l = list(p, [field], v, max);
  if (!l) return undefined;
  const out = l.map((s, i) => text(p, [field, i], s, rule, true));
  unique(p, [field], l, (s) => s, what);
  return out.every((s) => s !== undefined) ? (out as string[]) : undefined;
}

function dates(p: Problems, release: string | null, eol: string | null) {
  if (release && eol && eol < release) p.add(['eolDate'], 'OUT_OF_RANGE', `end of life ${eol} is before the release date ${release}`);
}

async function paravirtIds(tx: Sql, keys: string[]): Promise<Map<string, string>> {
  const rows = await tx.query<{ id: string; key: string }>(`SELECT id, key FROM "ParavirtFeature" WHERE key = ANY($1::text[])`, [keys]);
  return new Map(rows.map((r) => [r.key, r.id]));
}

async function existingDevices(tx: Sql, ids: string[]): Promise<Set<string>> {
  const rows = await tx.query<{ id: string }>(`SELECT id FROM "Device" WHERE id = ANY($1::text[])`, [ids]);
  return new Set(rows.map((r) => r.id));
}

// ───────────────────────────── guest OS ─────────────────────────────

export interface GuestOSInput {
  id: string;
  name: string;
  shortIds?: string[] | null;
  vendor?: string | null;
  family?: string | null;
  distro?: string | null;
  version?: string | null;
  codename?: string | null;
  kernel?: string | null;
  architectures?: string[] | null;
  releaseStatus?: string | null;
  releaseDate?: string | null;
  eolDate?: string | null;
  derivesFrom?: string | null;
  clonedFrom?: string | null;
  upgrades?: string | null;
  cloudInit?: boolean | null;
  tpmRequired?: boolean | null;
  sourceRef?: string | null;
  devices?: Array<{ device: string; supported?: boolean | null; driverSource?: string | null; driverName?: string | null; minDriverVersion?: string | null; notes?: string | null }> | null;
  paravirt?: Array<{ feature: string; supported?: boolean | null; minKernel?: string | null; minDriverVersion?: string | null; notes?: string | null }> | null;
  firmware?: Array<{ arch: string; type: string; supported: boolean; secureBoot?: boolean | null }> | null;
  resources?: Array<{ arch: string; kind: string; cpus?: number | null; cpuHz?: number | null; ramBytes?: number | null; storageBytes?: number | null }> | null;
}

export interface GuestSnapshot extends Owned {
  name: string;
  shortIds: string[];
  vendor: string | null;
  family: string | null;
  distro: string | null;
  version: string | null;
  codename: string | null;
  kernel: string | null;
  architectures: string[];
  releaseStatus: string;
  releaseDate: string | null;
  eolDate: string | null;
  derivesFromId: string | null;
  clonedFromId: string | null;
  upgradesId: string | null;
  cloudInit: boolean | null;
  tpmRequired: boolean | null;
  sourceRef: string | null;
  devices: Array<{ device: string; supported: boolean; driverSource: string; driverName: string | null; minDriverVersion: string | null; notes: string | null }>;
  paravirt: Array<{ feature: string; supported: boolean; minKernel: string | null; minDriverVersion: string | null; notes: string | null }>;
  firmware: Array<{ arch: string; type: string; supported: boolean; secureBoot: boolean | null }>;
  resources: Array<{ arch: string; kind: string; cpus: number | null; cpuHz: number | null; ramBytes: number | null; storageBytes: number | null }>;
  source: string;
}

async function loadGuest(tx: Sql, id: string): Promise<GuestSnapshot | null> {
  const [g] = await tx.query<Omit<GuestSnapshot, 'devices' | 'paravirt' | 'firmware' | 'resources'>>(
    `SELECT id, name, coalesce("shortIds", '{}') AS "shortIds", vendor, family, distro, version, codename, kernel,
            coalesce(architectures, '{}') AS architectures, "releaseStatus"::text AS "releaseStatus",
            ${date('"releaseDate"')} AS "releaseDate", ${date('"eolDate"')} AS "eolDate", "derivesFromId", "clonedFromId", "upgradesId",
            "cloudInit", "tpmRequired", "sourceRef", "ownerVendorId", source
       FROM "GuestOS" WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!g) return null;
  const [devices, paravirt, firmware, resources] = await Promise.all([
    tx.query<GuestSnapshot['devices'][number]>(
      `SELECT "deviceId" AS device, supported, "driverSource"::text AS "driverSource", "driverName", "minDriverVersion", notes
         FROM "GuestOSDevice" WHERE "guestId" = $1 ORDER BY "deviceId"`,
      [id],
    ),
    tx.query<GuestSnapshot['paravirt'][number]>(
      `SELECT p.key AS feature, s.supported, s."minKernel", s."minDriverVersion", s.notes
         FROM "GuestParavirtSupport" s JOIN "ParavirtFeature" p ON p.id = s."featureId" WHERE s."guestId" = $1 ORDER BY p.key`,
      [id],
    ),
    tx.query<GuestSnapshot['firmware'][number]>(
      `SELECT arch, type::text AS type, supported, "secureBoot" FROM "GuestOSFirmware" WHERE "guestId" = $1 ORDER BY arch, type`,
      [id],
    ),
    tx.query<GuestSnapshot['resources'][number]>(
      `SELECT arch, kind::text AS kind, cpus, "cpuHz"::float8 AS "cpuHz", "ramBytes"::float8 AS "ramBytes", "storageBytes"::float8 AS "storageBytes"
         FROM "GuestOSResources" WHERE "guestId" = $1 ORDER BY arch, kind`,
      [id],
    ),
  ]);
  return { ...g, devices, paravirt, firmware, resources };
}

const byKey = <T>(xs: T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

export async function publishGuestOS(env: WriteEnv, input: GuestOSInput): Promise<PublishOutcome<GuestSnapshot>> {
  const pre = new Problems([], ['input']);
  const id = text(pre, ['id'], input.id, RULES.uri, true);
  return publish<GuestSnapshot>(
    env,
    {
      action: 'publishGuestOS',
      entityType: 'GuestOS',
      kinds: ['OS'],
      load: (tx) => loadGuest(tx, id!),
      async build(tx, stored, p) {
        const name = text(p, ['name'], input.name, RULES.name, true);
        const shortIds = strings(p, 'shortIds', input.shortIds, RULES.shortId, 16, 'short id');
        const single = (f: 'vendor' | 'family' | 'distro' | 'version' | 'codename' | 'kernel') => text(p, [f], input[f], RULES.short);
        const [vendor, family, distro, version, codename, kernel] = (['vendor', 'family', 'distro', 'version', 'codename', 'kernel'] as const).map(single);
        const architectures = strings(p, 'architectures', input.architectures, RULES.arch, 16, 'architecture');
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        const refs = { derivesFrom: input.derivesFrom, clonedFrom: input.clonedFrom, upgrades: input.upgrades };
        const refChecked: Record<string, string | undefined> = {};
        for (const [f, v] of Object.entries(refs)) refChecked[f] = text(p, [f], v, RULES.ref);
        const devicesIn = list(p, ['devices'], input.devices, 1000);
        const paravirtIn = list(p, ['paravirt'], input.paravirt, 500);
        const firmwareIn = list(p, ['firmware'], input.firmware, 50);
        const resourcesIn = list(p, ['resources'], input.resources, 50);
        devicesIn?.forEach((d, i) => {
          text(p, ['devices', i, 'device'], d.device, RULES.ref, true);
          text(p, ['devices', i, 'driverName'], d.driverName, RULES.short);
          text(p, ['devices', i, 'minDriverVersion'], d.minDriverVersion, RULES.short);
          text(p, ['devices', i, 'notes'], d.notes, RULES.notes);
        });
        if (devicesIn) unique(p, ['devices'], devicesIn, (d) => d.device, 'device');
        paravirtIn?.forEach((f, i) => {
          text(p, ['paravirt', i, 'feature'], f.feature, RULES.key, true);
          text(p, ['paravirt', i, 'minKernel'], f.minKernel, RULES.short);
          text(p, ['paravirt', i, 'minDriverVersion'], f.minDriverVersion, RULES.short);
          text(p, ['paravirt', i, 'notes'], f.notes, RULES.notes);
        });
        if (paravirtIn) unique(p, ['paravirt'], paravirtIn, (f) => f.feature, 'feature');
        firmwareIn?.forEach((f, i) => {
          text(p, ['firmware', i, 'arch'], f.arch, RULES.arch, true);
          if (f.type !== 'UEFI' && f.secureBoot) p.add(['firmware', i, 'secureBoot'], 'INVALID_FORMAT', 'secureBoot applies to UEFI only');
        });
        if (firmwareIn) unique(p, ['firmware'], firmwareIn, (f) => `${f.arch}/${f.type}`, 'firmware');
        resourcesIn?.forEach((r, i) => {
          text(p, ['resources', i, 'arch'], r.arch, RULES.arch, true);
          int(p, ['resources', i, 'cpus'], r.cpus, 1, 1_000_000);
          int(p, ['resources', i, 'cpuHz'], r.cpuHz, 0, 1e13);
          int(p, ['resources', i, 'ramBytes'], r.ramBytes, 0, 2 ** 53);
          int(p, ['resources', i, 'storageBytes'], r.storageBytes, 0, 2 ** 53);
        });
        if (resourcesIn) unique(p, ['resources'], resourcesIn, (r) => `${r.arch}/${r.kind}`, 'resource entry');
        if (p.count) return stored!;

        // References.
        const refIds: Record<string, string | null> = {};
        const wanted = Object.values(refChecked).filter((v): v is string => !!v);
        const guests = wanted.length
          ? await tx.query<{ id: string; shortIds: string[] | null }>(`SELECT id, "shortIds" FROM "GuestOS" WHERE id = ANY($1::text[]) OR "shortIds" && $1::text[]`, [wanted])
          : [];
        for (const [f, v] of Object.entries(refChecked)) {
          if (!v) continue;
          const g = guests.find((x) => x.id === v) ?? guests.find((x) => x.shortIds?.includes(v));
          if (!g) p.add([f], 'UNKNOWN_REFERENCE', `no guest OS has the id or short id ${JSON.stringify(v)}`);
          else if (g.id === id) p.add([f], 'CYCLE', `a release cannot refer to itself`);
          else refIds[f] = g.id;
        }
        for (const f of ['derivesFrom', 'clonedFrom'] as const) {
          const parent = refIds[f];
          if (!parent) continue;
          const [hit] = await tx.query(`WITH RECURSIVE ${ANCESTORS_CTE} SELECT 1 FROM anc WHERE node = $2 LIMIT 1`, [[parent], id]);
          if (hit) p.add([f], 'CYCLE', `${parent} already inherits from ${id}: ${f} would form a cycle`);
        }
        if (shortIds?.length) {
          await tx.query(`SELECT pg_advisory_xact_lock(hashtext('shortid:' || s)::bigint) FROM unnest($1::text[]) AS s ORDER BY s`, [[...shortIds].sort()]);
          const taken = await tx.query<{ id: string; shortIds: string[] }>(
            `SELECT id, "shortIds" FROM "GuestOS" WHERE "shortIds" && $1::text[] AND id <> $2`,
            [shortIds, id],
          );
          shortIds.forEach((s, i) => {
            const other = taken.find((t) => t.shortIds.includes(s));
            if (other) p.add(['shortIds', i], 'TAKEN', `short id ${s} belongs to ${other.id}`);
          });
          const asIds = await tx.query<{ id: string }>(`SELECT id FROM "GuestOS" WHERE id = ANY($1::text[]) AND id <> $2`, [shortIds, id]);
          for (const a of asIds) p.add(['shortIds', shortIds.indexOf(a.id)], 'TAKEN', `${a.id} is another guest's id`);
        }
        const deviceIds = devicesIn ? await existingDevices(tx, devicesIn.map((d) => d.device)) : new Set<string>();
        devicesIn?.forEach((d, i) => {
          if (!deviceIds.has(d.device)) p.add(['devices', i, 'device'], 'UNKNOWN_REFERENCE', `no device ${JSON.stringify(d.device)}`);
        });
        const features = paravirtIn ? await paravirtIds(tx, paravirtIn.map((f) => f.feature)) : new Map<string, string>();
        paravirtIn?.forEach((f, i) => {
          if (!features.has(f.feature)) p.add(['paravirt', i, 'feature'], 'UNKNOWN_REFERENCE', `no paravirt feature with key ${JSON.stringify(f.feature)}`);
        });
        const releaseDate = merge(input, 'releaseDate', input.releaseDate ?? undefined, stored?.releaseDate);
        const eolDate = merge(input, 'eolDate', input.eolDate ?? undefined, stored?.eolDate);
        dates(p, releaseDate, eolDate);

        return {
          id: id!,
          name: name!,
          shortIds: merge(input, 'shortIds', shortIds, stored?.shortIds) ?? [],
          vendor: merge(input, 'vendor', vendor, stored?.vendor),
          family: merge(input, 'family', family, stored?.family),
          distro: merge(input, 'distro', distro, stored?.distro),
          version: merge(input, 'version', version, stored?.version),
          codename: merge(input, 'codename', codename, stored?.codename),
          kernel: merge(input, 'kernel', kernel, stored?.kernel),
          architectures: merge(input, 'architectures', architectures, stored?.architectures) ?? [],
          releaseStatus: merge(input, 'releaseStatus', input.releaseStatus ?? undefined, stored?.releaseStatus, 'RELEASED') ?? 'RELEASED',
          releaseDate,
          eolDate,
          derivesFromId: merge(input, 'derivesFrom', refIds.derivesFrom ?? undefined, stored?.derivesFromId),
          clonedFromId: merge(input, 'clonedFrom', refIds.clonedFrom ?? undefined, stored?.clonedFromId),
          upgradesId: merge(input, 'upgrades', refIds.upgrades ?? undefined, stored?.upgradesId),
          cloudInit: merge(input, 'cloudInit', input.cloudInit ?? undefined, stored?.cloudInit),
          tpmRequired: merge(input, 'tpmRequired', input.tpmRequired ?? undefined, stored?.tpmRequired),
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          devices: devicesIn
            ? byKey(
                devicesIn.map((d) => ({
                  device: d.device,
                  supported: d.supported ?? true,
                  driverSource: d.driverSource ?? 'INBOX',
                  driverName: d.driverName ?? null,
                  minDriverVersion: d.minDriverVersion ?? null,
                  notes: d.notes ?? null,
                })),
                (d) => d.device,
              )
            : (stored?.devices ?? []),
          paravirt: paravirtIn
            ? byKey(
                paravirtIn.map((f) => ({
                  feature: f.feature,
                  supported: f.supported ?? true,
                  minKernel: f.minKernel ?? null,
                  minDriverVersion: f.minDriverVersion ?? null,
                  notes: f.notes ?? null,
                })),
                (f) => f.feature,
              )
            : (stored?.paravirt ?? []),
          firmware: firmwareIn
            ? byKey(
                firmwareIn.map((f) => ({ arch: f.arch, type: f.type, supported: f.supported, secureBoot: f.secureBoot ?? null })),
                (f) => `${f.arch}\u0000${f.type}`,
              )
            : (stored?.firmware ?? []),
          resources: resourcesIn
            ? byKey(
                resourcesIn.map((r) => ({
                  arch: r.arch,
                  kind: r.kind,
                  cpus: r.cpus ?? null,
                  cpuHz: r.cpuHz ?? null,
                  ramBytes: r.ramBytes ?? null,
                  storageBytes: r.storageBytes ?? null,
                })),
                (r) => `${r.arch}\u0000${r.kind}`,
              )
            : (stored?.resources ?? []),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
      },
      async write(tx, g, stored, vendorId) {
        const source = `vendor:${vendorId}`;
        await tx.query(
          `INSERT INTO "GuestOS" (id, name, "shortIds", vendor, family, distro, version, codename, kernel, architectures, "releaseStatus",
                  "releaseDate", "eolDate", "derivesFromId", "clonedFromId", "upgradesId", "cloudInit", "tpmRequired", "sourceRef",
                  source, "ownerVendorId", "updatedAt")
           VALUES ($1, $2, $3::text[], $4, $5, $6, $7, $8, $9, $10::text[], $11::"ReleaseStatus", $12::date, $13::date, $14, $15, $16, $17, $18, $19,
                  $20, $21, CURRENT_TIMESTAMP)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, "shortIds" = excluded."shortIds", vendor = excluded.vendor,
                  family = excluded.family, distro = excluded.distro, version = excluded.version, codename = excluded.codename,
                  kernel = excluded.kernel, architectures = excluded.architectures, "releaseStatus" = excluded."releaseStatus",
                  "releaseDate" = excluded."releaseDate", "eolDate" = excluded."eolDate", "derivesFromId" = excluded."derivesFromId",
                  "clonedFromId" = excluded."clonedFromId", "upgradesId" = excluded."upgradesId", "cloudInit" = excluded."cloudInit",
                  "tpmRequired" = excluded."tpmRequired", "sourceRef" = excluded."sourceRef", source = excluded.source,
                  "updatedAt" = CURRENT_TIMESTAMP`,
          [
            g.id, g.name, g.shortIds, g.vendor, g.family, g.distro, g.version, g.codename, g.kernel, g.architectures, g.releaseStatus,
            g.releaseDate, g.eolDate, g.derivesFromId, g.clonedFromId, g.upgradesId, g.cloudInit, g.tpmRequired, g.sourceRef,
            source, vendorId,
          ],
        );
        if (!stored || canonical(stored.devices) !== canonical(g.devices)) {
          await tx.query(`DELETE FROM "GuestOSDevice" WHERE "guestId" = $1`, [g.id]);
          await tx.query(
            `INSERT INTO "GuestOSDevice" ("guestId", "deviceId", supported, "driverSource", "driverName", "minDriverVersion", notes, source)
             SELECT $1, x.device, x.supported, x."driverSource"::"DriverSource", x."driverName", x."minDriverVersion", x.notes, $3
               FROM jsonb_to_recordset($2::jsonb) AS x(device text, supported boolean, "driverSource" text, "driverName" text, "minDriverVersion" text, notes text)`,
            [g.id, JSON.stringify(g.devices), source],
          );
        }
        if (!stored || canonical(stored.paravirt) !== canonical(g.paravirt)) {
          await tx.query(`DELETE FROM "GuestParavirtSupport" WHERE "guestId" = $1`, [g.id]);
          await tx.query(
            `INSERT INTO "GuestParavirtSupport" ("guestId", "featureId", supported, "minKernel", "minDriverVersion", notes, source)
             SELECT $1, p.id, x.supported, x."minKernel", x."minDriverVersion", x.notes, $3
               FROM jsonb_to_recordset($2::jsonb) AS x(feature text, supported boolean, "minKernel" text, "minDriverVersion" text, notes text)
               JOIN "ParavirtFeature" p ON p.key = x.feature`,
            [g.id, JSON.stringify(g.paravirt), source],
          );
        }
        if (!stored || canonical(stored.firmware) !== canonical(g.firmware)) {
          await tx.query(`DELETE FROM "GuestOSFirmware" WHERE "guestId" = $1`, [g.id]);
          await tx.query(
            `INSERT INTO "GuestOSFirmware" ("guestId", arch, type, supported, "secureBoot", source)
             SELECT $1, x.arch, x.type::"FirmwareType", x.supported, x."secureBoot", $3
               FROM jsonb_to_recordset($2::jsonb) AS x(arch text, type text, supported boolean, "secureBoot" boolean)`,
            [g.id, JSON.stringify(g.firmware), source],
          );
        }
        if (!stored || canonical(stored.resources) !== canonical(g.resources)) {
          await tx.query(`DELETE FROM "GuestOSResources" WHERE "guestId" = $1`, [g.id]);
          await tx.query(
            `INSERT INTO "GuestOSResources" ("guestId", arch, kind, cpus, "cpuHz", "ramBytes", "storageBytes", source)
             SELECT $1, x.arch, x.kind::"ResourceKind", x.cpus, x."cpuHz"::bigint, x."ramBytes"::bigint, x."storageBytes"::bigint, $3
               FROM jsonb_to_recordset($2::jsonb) AS x(arch text, kind text, cpus int, "cpuHz" float8, "ramBytes" float8, "storageBytes" float8)`,
            [g.id, JSON.stringify(g.resources), source],
          );
        }
      },
    },
    pre,
  );
}

// ───────────────────────────── device ─────────────────────────────

export interface DeviceInput {
  id: string;
  name: string;
  vendorName?: string | null;
  bus: string;
  vendorId?: string | null;
  productId?: string | null;
  subsystemVendorId?: string | null;
  subsystemId?: string | null;
  class: string;
  rawClass?: string | null;
  kind: string;
  paravirtInterface?: string | null;
  description?: string | null;
  sourceRef?: string | null;
}

export interface DeviceSnapshot extends Owned {
  name: string;
  vendorName: string | null;
  bus: string;
  vendorId: string | null;
  productId: string | null;
  subsystemVendorId: string | null;
  subsystemId: string | null;
  class: string;
  rawClass: string | null;
  kind: string;
  paravirtInterface: string;
  description: string | null;
  sourceRef: string | null;
  source: string;
}

export async function publishDevice(env: WriteEnv, input: DeviceInput): Promise<PublishOutcome<DeviceSnapshot>> {
  const pre = new Problems([], ['input']);
  const id = text(pre, ['id'], input.id, RULES.uri, true);
  return publish<DeviceSnapshot>(
    env,
    {
      action: 'publishDevice',
      entityType: 'Device',
      kinds: ['HARDWARE', 'HYPERVISOR'],
      async load(tx) {
        const [d] = await tx.query<DeviceSnapshot>(
          `SELECT id, name, "vendorName", bus, "vendorId", "productId", "subsystemVendorId", "subsystemId", class::text AS class, "rawClass",
                  kind::text AS kind, "paravirtInterface"::text AS "paravirtInterface", description, "sourceRef", "ownerVendorId", source
             FROM "Device" WHERE id = $1 FOR UPDATE`,
          [id],
        );
        return d ?? null;
      },
      async build(_tx, stored, p) {
        const name = text(p, ['name'], input.name, RULES.name, true);
        const bus = text(p, ['bus'], input.bus, RULES.bus, true);
        const vendorName = text(p, ['vendorName'], input.vendorName, RULES.short);
        const hex = (f: 'vendorId' | 'productId' | 'subsystemVendorId' | 'subsystemId') => text(p, [f], input[f], RULES.hex4);
        const [vendorId, productId, subsystemVendorId, subsystemId] = (['vendorId', 'productId', 'subsystemVendorId', 'subsystemId'] as const).map(hex);
        const rawClass = text(p, ['rawClass'], input.rawClass, RULES.key);
        const description = text(p, ['description'], input.description, RULES.notes);
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        const merged: DeviceSnapshot = {
          id: id!,
          name: name!,
          vendorName: merge(input, 'vendorName', vendorName, stored?.vendorName),
          bus: bus!,
          vendorId: merge(input, 'vendorId', vendorId, stored?.vendorId),
          productId: merge(input, 'productId', productId, stored?.productId),
          subsystemVendorId: merge(input, 'subsystemVendorId', subsystemVendorId, stored?.subsystemVendorId),
          subsystemId: merge(input, 'subsystemId', subsystemId, stored?.subsystemId),
          class: input.class,
          rawClass: merge(input, 'rawClass', rawClass, stored?.rawClass),
          kind: input.kind,
          paravirtInterface: merge(input, 'paravirtInterface', input.paravirtInterface ?? undefined, stored?.paravirtInterface, 'NONE') ?? 'NONE',
          description: merge(input, 'description', description, stored?.description),
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
        if ((bus === 'pci' || bus === 'usb') && (!merged.vendorId || !merged.productId)) {
          p.add([merged.vendorId ? 'productId' : 'vendorId'], 'REQUIRED', `${bus} devices need vendorId and productId`);
        }
        return merged;
      },
      async write(tx, d, _stored, vendorId) {
        await tx.query(
          `INSERT INTO "Device" (id, name, "vendorName", bus, "vendorId", "productId", "subsystemVendorId", "subsystemId", class, "rawClass",
                  kind, "paravirtInterface", description, "sourceRef", source, "ownerVendorId", "updatedAt")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::"DeviceClass", $10, $11::"DeviceKind", $12::"ParavirtInterface", $13, $14, $15, $16, CURRENT_TIMESTAMP)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, "vendorName" = excluded."vendorName", bus = excluded.bus,
                  "vendorId" = excluded."vendorId", "productId" = excluded."productId", "subsystemVendorId" = excluded."subsystemVendorId",
                  "subsystemId" = excluded."subsystemId", class = excluded.class, "rawClass" = excluded."rawClass", kind = excluded.kind,
                  "paravirtInterface" = excluded."paravirtInterface", description = excluded.description, "sourceRef" = excluded."sourceRef",
                  source = excluded.source, "updatedAt" = CURRENT_TIMESTAMP`,
          [
            d.id, d.name, d.vendorName, d.bus, d.vendorId, d.productId, d.subsystemVendorId, d.subsystemId, d.class, d.rawClass,
            d.kind, d.paravirtInterface, d.description, d.sourceRef, `vendor:${vendorId}`, vendorId,
          ],
        );
      },
    },
    pre,
  );
}

// ───────────────────────────── hypervisor ─────────────────────────────

export interface HypervisorInput {
  key: string;
  name: string;
  family: string;
  vendor?: string | null;
  homepage?: string | null;
}

export interface HypervisorSnapshot extends Owned {
  key: string;
  name: string;
  family: string;
  vendor: string | null;
  homepage: string | null;
}

export async function publishHypervisor(env: WriteEnv, input: HypervisorInput): Promise<PublishOutcome<HypervisorSnapshot>> {
  const pre = new Problems([], ['input']);
  const key = text(pre, ['key'], input.key, RULES.slug, true);
  return publish<HypervisorSnapshot>(
    env,
    {
      action: 'publishHypervisor',
      entityType: 'Hypervisor',
      kinds: ['HYPERVISOR'],
      async load(tx) {
        const [h] = await tx.query<HypervisorSnapshot>(
          `SELECT id, key, name, family::text AS family, vendor, homepage, "ownerVendorId" FROM "Hypervisor" WHERE key = $1 FOR UPDATE`,
          [key],
        );
        return h ?? null;
      },
      async build(_tx, stored, p) {
        const name = text(p, ['name'], input.name, RULES.name, true);
        const vendor = text(p, ['vendor'], input.vendor, RULES.short);
        const homepage = url(p, ['homepage'], input.homepage);
        return {
          id: stored?.id ?? `http://virtcompat.org/hypervisor/${key}`,
          key: key!,
          name: name!,
          family: input.family,
          vendor: merge(input, 'vendor', vendor, stored?.vendor),
          homepage: merge(input, 'homepage', homepage, stored?.homepage),
          ownerVendorId: stored?.ownerVendorId ?? null,
        };
      },
      async write(tx, h, _stored, vendorId) {
        await tx.query(
          `INSERT INTO "Hypervisor" (id, key, name, family, vendor, homepage, "ownerVendorId", "updatedAt")
           VALUES ($1, $2, $3, $4::"HypervisorFamily", $5, $6, $7, CURRENT_TIMESTAMP)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, family = excluded.family, vendor = excluded.vendor,
                  homepage = excluded.homepage, "updatedAt" = CURRENT_TIMESTAMP`,
          [h.id, h.key, h.name, h.family, h.vendor, h.homepage, vendorId],
        );
      },
    },
    pre,
  );
}

// ───────────────────────────── hypervisor release ─────────────────────────────

export interface HypervisorReleaseInput {
  hypervisor: string;
  version: string;
  id?: string | null;
  name: string;
  versionOrder?: number | null;
  releaseDate?: string | null;
  eolDate?: string | null;
  maxVcpus?: number | null;
  maxMemoryMiB?: number | null;
  machineTypes?: string[] | null;
  firmware?: string[] | null;
  virtualHardwareVersion?: number | null;
  vfio?: boolean | null;
  sriov?: boolean | null;
  notes?: string | null;
  sourceRef?: string | null;
  devices?: Array<{ device: string; model: string; supported?: boolean | null; notes?: string | null; sourceRef?: string | null }> | null;
  paravirt?: Array<{ feature: string; supported?: boolean | null; notes?: string | null; sourceRef?: string | null }> | null;
  hostFeatures?: Array<{ feature: string; requirement: string; anyOf?: string | null; notes?: string | null; sourceRef?: string | null }> | null;
}

export interface ReleaseSnapshot extends Owned {
  hypervisorId: string;
  version: string;
  name: string;
  versionOrder: number;
  releaseDate: string | null;
  eolDate: string | null;
  maxVcpus: number | null;
  maxMemoryMiB: number | null;
  machineTypes: string[];
  firmware: string[];
  virtualHardwareVersion: number | null;
  vfio: boolean;
  sriov: boolean;
  notes: string | null;
  sourceRef: string | null;
  devices: Array<{ device: string; model: string; supported: boolean; notes: string | null; sourceRef: string | null }>;
  paravirt: Array<{ feature: string; supported: boolean; notes: string | null; sourceRef: string | null }>;
  hostFeatures: Array<{ feature: string; requirement: string; anyOf: string | null; notes: string | null; sourceRef: string | null }>;
  source: string;
}

const FIRMWARE = new Set(['bios', 'uefi', 'uefi-secure-boot']);
const MODEL_RULE: TextRule = { max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9._,=:+-]*$/, hint: 'a device model name (virtio-net-pci, e1000e ...)' };
const MACHINE_RULE: TextRule = { max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/, hint: 'a machine type (q35, pc-q35-8.2 ...)' };

async function loadRelease(tx: Sql, id: string): Promise<ReleaseSnapshot | null> {
  const [r] = await tx.query<Omit<ReleaseSnapshot, 'devices' | 'paravirt' | 'hostFeatures'>>(
    `SELECT r.id, r."hypervisorId", r.version, r.name, r."versionOrder", ${date('r."releaseDate"')} AS "releaseDate",
            ${date('r."eolDate"')} AS "eolDate", r."maxVcpus", r."maxMemoryMiB", coalesce(r."machineTypes", '{}') AS "machineTypes",
            coalesce(r.firmware, '{}') AS firmware, r."virtualHardwareVersion", r.vfio, r.sriov, r.notes, r."sourceRef",
            h."ownerVendorId", r.source
       FROM "HypervisorRelease" r JOIN "Hypervisor" h ON h.id = r."hypervisorId" WHERE r.id = $1 FOR UPDATE OF r`,
    [id],
  );
  if (!r) return null;
  const [devices, paravirt, hostFeatures] = await Promise.all([
    tx.query<ReleaseSnapshot['devices'][number]>(
      `SELECT "deviceId" AS device, model, supported, notes, "sourceRef" FROM "HypervisorReleaseDevice" WHERE "releaseId" = $1 ORDER BY "deviceId"`,
      [id],
    ),
    tx.query<ReleaseSnapshot['paravirt'][number]>(
      `SELECT p.key AS feature, x.supported, x.notes, x."sourceRef" FROM "HypervisorReleaseParavirt" x
         JOIN "ParavirtFeature" p ON p.id = x."featureId" WHERE x."releaseId" = $1 ORDER BY p.key`,
      [id],
    ),
    tx.query<ReleaseSnapshot['hostFeatures'][number]>(
      `SELECT f.key AS feature, x.requirement::text AS requirement, x."anyOf", x.notes, x."sourceRef" FROM "HypervisorReleaseHostFeature" x
         JOIN "HardwareFeature" f ON f.id = x."featureId" WHERE x."releaseId" = $1 ORDER BY f.key`,
      [id],
    ),
  ]);
  return { ...r, devices, paravirt, hostFeatures };
}

export async function publishHypervisorRelease(env: WriteEnv, input: HypervisorReleaseInput): Promise<PublishOutcome<ReleaseSnapshot>> {
  const pre = new Problems([], ['input']);
  const hvRef = text(pre, ['hypervisor'], input.hypervisor, RULES.ref, true);
  const version = text(pre, ['version'], input.version, RULES.version, true);
  const givenId = text(pre, ['id'], input.id, RULES.uri);
  let hv: { id: string; ownerVendorId: string | null } | undefined;
  let releaseId: string | undefined;
  return publish<ReleaseSnapshot>(
    env,
    {
      action: 'publishHypervisorRelease',
      entityType: 'HypervisorRelease',
      kinds: ['HYPERVISOR'],
      async prepare(tx) {
        [hv] = await tx.query<{ id: string; ownerVendorId: string | null }>(
          `SELECT id, "ownerVendorId" FROM "Hypervisor" WHERE id = $1 OR key = $1 FOR UPDATE`,
          [hvRef],
        );
        releaseId = undefined;
        if (!hv) return;
        const [byVersion] = await tx.query<{ id: string }>(`SELECT id FROM "HypervisorRelease" WHERE "hypervisorId" = $1 AND version = $2`, [hv.id, version]);
        releaseId = byVersion?.id ?? givenId ?? `${hv.id}/${version}`;
      },
      load: async (tx) => (releaseId ? loadRelease(tx, releaseId) : null),
      async refuseNew(_tx, vendorId) {
        if (!hv) return null; // reported as an input error by build
        return hv.ownerVendorId === vendorId
          ? null
          : `hypervisor ${hv.id} is owned by ${hv.ownerVendorId ? `vendor ${hv.ownerVendorId}` : 'the curated catalogue'}; only its owner publishes its releases`;
      },
      async build(tx, stored, p) {
        if (!hv) p.add(['hypervisor'], 'UNKNOWN_REFERENCE', `no hypervisor with key or id ${JSON.stringify(hvRef)}`);
        if (stored && givenId && givenId !== stored.id) p.add(['id'], 'TAKEN', `${hvRef} ${version} already exists with id ${stored.id}`);
        if (!stored && givenId) {
          const [other] = await tx.query<{ hypervisorId: string; version: string }>(`SELECT "hypervisorId", version FROM "HypervisorRelease" WHERE id = $1`, [givenId]);
          if (other) p.add(['id'], 'TAKEN', `${givenId} is release ${other.version} of ${other.hypervisorId}`);
        }
        const name = text(p, ['name'], input.name, RULES.name, true);
        const versionOrder = int(p, ['versionOrder'], input.versionOrder, -1_000_000_000, 1_000_000_000);
        const maxVcpus = int(p, ['maxVcpus'], input.maxVcpus, 1, 1_000_000);
        const maxMemoryMiB = int(p, ['maxMemoryMiB'], input.maxMemoryMiB, 1, 2_147_483_647);
        const vhw = int(p, ['virtualHardwareVersion'], input.virtualHardwareVersion, 0, 100_000);
        const machineTypes = strings(p, 'machineTypes', input.machineTypes, MACHINE_RULE, 200, 'machine type');
        const firmware = strings(p, 'firmware', input.firmware, { max: 32 }, 3, 'firmware');
        firmware?.forEach((f, i) => {
          if (!FIRMWARE.has(f)) p.add(['firmware', i], 'INVALID_FORMAT', `firmware is one of ${[...FIRMWARE].join(', ')}, got ${JSON.stringify(f)}`);
        });
        const notes = text(p, ['notes'], input.notes, RULES.notes);
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        const devicesIn = list(p, ['devices'], input.devices, 1000);
        const paravirtIn = list(p, ['paravirt'], input.paravirt, 500);
        const hostIn = list(p, ['hostFeatures'], input.hostFeatures, 200);
        devicesIn?.forEach((d, i) => {
          text(p, ['devices', i, 'device'], d.device, RULES.ref, true);
          text(p, ['devices', i, 'model'], d.model, MODEL_RULE, true);
          text(p, ['devices', i, 'notes'], d.notes, RULES.notes);
          url(p, ['devices', i, 'sourceRef'], d.sourceRef);
        });
        if (devicesIn) unique(p, ['devices'], devicesIn, (d) => d.device, 'device');
        paravirtIn?.forEach((f, i) => {
          text(p, ['paravirt', i, 'feature'], f.feature, RULES.key, true);
          text(p, ['paravirt', i, 'notes'], f.notes, RULES.notes);
          url(p, ['paravirt', i, 'sourceRef'], f.sourceRef);
        });
        if (paravirtIn) unique(p, ['paravirt'], paravirtIn, (f) => f.feature, 'feature');
        hostIn?.forEach((f, i) => {
          text(p, ['hostFeatures', i, 'feature'], f.feature, RULES.key, true);
          text(p, ['hostFeatures', i, 'anyOf'], f.anyOf, RULES.key);
          text(p, ['hostFeatures', i, 'notes'], f.notes, RULES.notes);
          url(p, ['hostFeatures', i, 'sourceRef'], f.sourceRef);
        });
        if (hostIn) unique(p, ['hostFeatures'], hostIn, (f) => f.feature, 'feature');
        if (p.count) return stored!;

        const deviceIds = devicesIn ? await existingDevices(tx, devicesIn.map((d) => d.device)) : new Set<string>();
        devicesIn?.forEach((d, i) => {
          if (!deviceIds.has(d.device)) p.add(['devices', i, 'device'], 'UNKNOWN_REFERENCE', `no device ${JSON.stringify(d.device)}`);
        });
        const features = paravirtIn ? await paravirtIds(tx, paravirtIn.map((f) => f.feature)) : new Map<string, string>();
        paravirtIn?.forEach((f, i) => {
          if (!features.has(f.feature)) p.add(['paravirt', i, 'feature'], 'UNKNOWN_REFERENCE', `no paravirt feature with key ${JSON.stringify(f.feature)}`);
        });
        if (hostIn) {
          const hw = await tx.query<{ key: string }>(`SELECT key FROM "HardwareFeature" WHERE key = ANY($1::text[])`, [hostIn.map((f) => f.feature)]);
          const known = new Set(hw.map((h) => h.key));
          hostIn.forEach((f, i) => {
            if (!known.has(f.feature)) p.add(['hostFeatures', i, 'feature'], 'UNKNOWN_REFERENCE', `no hardware feature with key ${JSON.stringify(f.feature)}`);
          });
        }
        const releaseDate = merge(input, 'releaseDate', input.releaseDate ?? undefined, stored?.releaseDate);
        const eolDate = merge(input, 'eolDate', input.eolDate ?? undefined, stored?.eolDate);
        dates(p, releaseDate, eolDate);
        return {
          id: releaseId!,
          hypervisorId: hv?.id ?? '',
          version: version!,
          name: name!,
          versionOrder: merge(input, 'versionOrder', versionOrder ?? undefined, stored?.versionOrder, 0) ?? 0,
          releaseDate,
          eolDate,
          maxVcpus: merge(input, 'maxVcpus', maxVcpus ?? undefined, stored?.maxVcpus),
          maxMemoryMiB: merge(input, 'maxMemoryMiB', maxMemoryMiB ?? undefined, stored?.maxMemoryMiB),
          machineTypes: merge(input, 'machineTypes', machineTypes, stored?.machineTypes) ?? [],
          firmware: merge(input, 'firmware', firmware, stored?.firmware) ?? [],
          virtualHardwareVersion: merge(input, 'virtualHardwareVersion', vhw ?? undefined, stored?.virtualHardwareVersion),
          vfio: merge(input, 'vfio', input.vfio ?? undefined, stored?.vfio, false) ?? false,
          sriov: merge(input, 'sriov', input.sriov ?? undefined, stored?.sriov, false) ?? false,
          notes: merge(input, 'notes', notes, stored?.notes),
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          devices: devicesIn
            ? byKey(
                devicesIn.map((d) => ({ device: d.device, model: d.model, supported: d.supported ?? true, notes: d.notes ?? null, sourceRef: d.sourceRef ?? null })),
                (d) => d.device,
              )
            : (stored?.devices ?? []),
          paravirt: paravirtIn
            ? byKey(
                paravirtIn.map((f) => ({ feature: f.feature, supported: f.supported ?? true, notes: f.notes ?? null, sourceRef: f.sourceRef ?? null })),
                (f) => f.feature,
              )
            : (stored?.paravirt ?? []),
          hostFeatures: hostIn
            ? byKey(
                hostIn.map((f) => ({ feature: f.feature, requirement: f.requirement, anyOf: f.anyOf ?? null, notes: f.notes ?? null, sourceRef: f.sourceRef ?? null })),
                (f) => f.feature,
              )
            : (stored?.hostFeatures ?? []),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
      },
      async write(tx, r, stored, vendorId) {
        const source = `vendor:${vendorId}`;
        await tx.query(
          `INSERT INTO "HypervisorRelease" (id, "hypervisorId", version, name, "versionOrder", "releaseDate", "eolDate", "maxVcpus", "maxMemoryMiB",
                  "machineTypes", firmware, "virtualHardwareVersion", vfio, sriov, notes, "sourceRef", source, "updatedAt")
           VALUES ($1, $2, $3, $4, $5, $6::date, $7::date, $8, $9, $10::text[], $11::text[], $12, $13, $14, $15, $16, $17, CURRENT_TIMESTAMP)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, "versionOrder" = excluded."versionOrder", "releaseDate" = excluded."releaseDate",
                  "eolDate" = excluded."eolDate", "maxVcpus" = excluded."maxVcpus", "maxMemoryMiB" = excluded."maxMemoryMiB",
                  "machineTypes" = excluded."machineTypes", firmware = excluded.firmware, "virtualHardwareVersion" = excluded."virtualHardwareVersion",
                  vfio = excluded.vfio, sriov = excluded.sriov, notes = excluded.notes, "sourceRef" = excluded."sourceRef", source = excluded.source,
                  "updatedAt" = CURRENT_TIMESTAMP`,
          [
            r.id, r.hypervisorId, r.version, r.name, r.versionOrder, r.releaseDate, r.eolDate, r.maxVcpus, r.maxMemoryMiB,
            r.machineTypes, r.firmware, r.virtualHardwareVersion, r.vfio, r.sriov, r.notes, r.sourceRef, source,
          ],
        );
        if (!stored || canonical(stored.devices) !== canonical(r.devices)) {
          await tx.query(`DELETE FROM "HypervisorReleaseDevice" WHERE "releaseId" = $1`, [r.id]);
          await tx.query(
            `INSERT INTO "HypervisorReleaseDevice" ("releaseId", "deviceId", model, supported, notes, "sourceRef")
             SELECT $1, x.device, x.model, x.supported, x.notes, x."sourceRef"
               FROM jsonb_to_recordset($2::jsonb) AS x(device text, model text, supported boolean, notes text, "sourceRef" text)`,
            [r.id, JSON.stringify(r.devices)],
          );
        }
        if (!stored || canonical(stored.paravirt) !== canonical(r.paravirt)) {
          await tx.query(`DELETE FROM "HypervisorReleaseParavirt" WHERE "releaseId" = $1`, [r.id]);
          await tx.query(
            `INSERT INTO "HypervisorReleaseParavirt" ("releaseId", "featureId", supported, notes, "sourceRef")
             SELECT $1, p.id, x.supported, x.notes, x."sourceRef"
               FROM jsonb_to_recordset($2::jsonb) AS x(feature text, supported boolean, notes text, "sourceRef" text)
               JOIN "ParavirtFeature" p ON p.key = x.feature`,
            [r.id, JSON.stringify(r.paravirt)],
          );
        }
        if (!stored || canonical(stored.hostFeatures) !== canonical(r.hostFeatures)) {
          await tx.query(`DELETE FROM "HypervisorReleaseHostFeature" WHERE "releaseId" = $1`, [r.id]);
          await tx.query(
            `INSERT INTO "HypervisorReleaseHostFeature" ("releaseId", "featureId", requirement, "anyOf", notes, "sourceRef")
             SELECT $1, f.id, x.requirement::"HostRequirement", x."anyOf", x.notes, x."sourceRef"
               FROM jsonb_to_recordset($2::jsonb) AS x(feature text, requirement text, "anyOf" text, notes text, "sourceRef" text)
               JOIN "HardwareFeature" f ON f.key = x.feature`,
            [r.id, JSON.stringify(r.hostFeatures)],
          );
        }
      },
    },
    pre,
  );
}

// ───────────────────────────── hardware feature ─────────────────────────────

export interface HardwareFeatureInput {
  key: string;
  id?: string | null;
  name: string;
  vendor?: string | null;
  architectures?: string[] | null;
  category: string;
  detectionMethod: string;
  detectionValue: string;
  description?: string | null;
  requires?: string[] | null;
  sourceRef?: string | null;
}

export interface HardwareFeatureSnapshot extends Owned {
  key: string;
  name: string;
  vendor: string | null;
  architectures: string[];
  category: string;
  detectionMethod: string;
  detectionValue: string;
  description: string | null;
  requires: string[];
  sourceRef: string | null;
  source: string;
}

export async function publishHardwareFeature(env: WriteEnv, input: HardwareFeatureInput): Promise<PublishOutcome<HardwareFeatureSnapshot>> {
  const pre = new Problems([], ['input']);
  const key = text(pre, ['key'], input.key, RULES.key, true);
  const givenId = text(pre, ['id'], input.id, RULES.uri);
  return publish<HardwareFeatureSnapshot>(
    env,
    {
      action: 'publishHardwareFeature',
      entityType: 'HardwareFeature',
      kinds: ['HARDWARE'],
      async load(tx) {
        const [f] = await tx.query<HardwareFeatureSnapshot>(
          `SELECT id, key, name, vendor, coalesce(architectures, '{}') AS architectures, category::text AS category,
                  "detectionMethod"::text AS "detectionMethod", "detectionValue", description, coalesce(requires, '{}') AS requires,
                  "sourceRef", "ownerVendorId", source
             FROM "HardwareFeature" WHERE key = $1 FOR UPDATE`,
          [key],
        );
        return f ?? null;
      },
      async build(tx, stored, p) {
        if (stored && givenId && givenId !== stored.id) p.add(['id'], 'TAKEN', `feature ${key} already has the id ${stored.id}`);
        const name = text(p, ['name'], input.name, RULES.name, true);
        const vendor = text(p, ['vendor'], input.vendor, RULES.short);
        const architectures = strings(p, 'architectures', input.architectures, RULES.arch, 16, 'architecture');
        const detectionValue = text(p, ['detectionValue'], input.detectionValue, { max: 300 }, true);
        const description = text(p, ['description'], input.description, RULES.notes);
        const requires = strings(p, 'requires', input.requires, RULES.key, 20, 'feature');
        const sourceRef = url(p, ['sourceRef'], input.sourceRef);
        if (requires?.length) {
          const found = await tx.query<{ key: string }>(`SELECT key FROM "HardwareFeature" WHERE key = ANY($1::text[])`, [requires]);
          const known = new Set(found.map((f) => f.key));
          requires.forEach((r, i) => {
            if (r === key) p.add(['requires', i], 'CYCLE', 'a feature cannot require itself');
            else if (!known.has(r)) p.add(['requires', i], 'UNKNOWN_REFERENCE', `no hardware feature with key ${JSON.stringify(r)}`);
          });
        }
        return {
          id: stored?.id ?? givenId ?? `http://virtcompat.org/hw/${key}`,
          key: key!,
          name: name!,
          vendor: merge(input, 'vendor', vendor, stored?.vendor),
          architectures: merge(input, 'architectures', architectures, stored?.architectures) ?? [],
          category: input.category,
          detectionMethod: input.detectionMethod,
          detectionValue: detectionValue!,
          description: merge(input, 'description', description, stored?.description),
          requires: merge(input, 'requires', requires, stored?.requires) ?? [],
          sourceRef: merge(input, 'sourceRef', sourceRef, stored?.sourceRef),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
      },
      async write(tx, f, _stored, vendorId) {
        await tx.query(
          `INSERT INTO "HardwareFeature" (id, key, name, vendor, architectures, category, "detectionMethod", "detectionValue", description,
                  requires, "sourceRef", source, "ownerVendorId", "updatedAt")
           VALUES ($1, $2, $3, $4, $5::text[], $6::"HardwareCategory", $7::"DetectionMethod", $8, $9, $10::text[], $11, $12, $13, CURRENT_TIMESTAMP)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, vendor = excluded.vendor, architectures = excluded.architectures,
                  category = excluded.category, "detectionMethod" = excluded."detectionMethod", "detectionValue" = excluded."detectionValue",
                  description = excluded.description, requires = excluded.requires, "sourceRef" = excluded."sourceRef", source = excluded.source,
                  "updatedAt" = CURRENT_TIMESTAMP`,
          [
            f.id, f.key, f.name, f.vendor, f.architectures, f.category, f.detectionMethod, f.detectionValue, f.description,
            f.requires, f.sourceRef, `vendor:${vendorId}`, vendorId,
          ],
        );
      },
    },
    pre,
  );
}
