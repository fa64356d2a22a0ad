// Guest OS releases, published by OS vendors: the guest row with its short ids and lineage, and the
// devices, paravirt features, firmware and resources it declares (lists replace what is stored).
// The steps every publish shares (ownership, merge, audit, change feed) are in engine.ts.
import type { Sql } from '../../db/sql.ts';
import type { WriteEnv } from '../authorize.ts';
import { ANCESTORS_CTE } from '../effective.ts';
import { date } from '../rows.ts';
import { int, list, Problems, RULES, text, unique, url } from '../validate.ts';
import { publish, merge, strings, lifecycle, checkReferences, replaced, type Owned, type PublishOutcome } from './engine.ts';

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
  devices?: Array<{
    device: string;
    supported?: boolean | null;
    driverSource?: string | null;
    driverName?: string | null;
    minDriverVersion?: string | null;
    notes?: string | null;
  }> | null;
  paravirt?: Array<{
    feature: string;
    supported?: boolean | null;
    minKernel?: string | null;
    minDriverVersion?: string | null;
    notes?: string | null;
  }> | null;
  firmware?: Array<{ arch: string; type: string; supported: boolean; secureBoot?: boolean | null }> | null;
  resources?: Array<{
    arch: string;
    kind: string;
    cpus?: number | null;
    cpuHz?: number | null;
    ramBytes?: number | null;
    storageBytes?: number | null;
  }> | null;
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
  devices: Array<{
    device: string;
    supported: boolean;
    driverSource: string;
    driverName: string | null;
    minDriverVersion: string | null;
    notes: string | null;
  }>;
  paravirt: Array<{ feature: string; supported: boolean; minKernel: string | null; minDriverVersion: string | null; notes: string | null }>;
  firmware: Array<{ arch: string; type: string; supported: boolean; secureBoot: boolean | null }>;
  resources: Array<{
    arch: string;
    kind: string;
    cpus: number | null;
    cpuHz: number | null;
    ramBytes: number | null;
    storageBytes: number | null;
  }>;
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
         FROM "GuestParavirtSupport" s JOIN "ParavirtFeature" p ON p.id = s."featureId"
        WHERE s."guestId" = $1 AND s.basis <> 'DERIVED' ORDER BY p.key`,
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
        const [vendor, family, distro, version, codename, kernel] = (
          ['vendor', 'family', 'distro', 'version', 'codename', 'kernel'] as const
        ).map(single);
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
          ? await tx.query<{ id: string; shortIds: string[] | null }>(
              `SELECT id, "shortIds" FROM "GuestOS" WHERE id = ANY($1::text[]) OR "shortIds" && $1::text[]`,
              [wanted],
            )
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
          await tx.query(`SELECT pg_advisory_xact_lock(hashtext('shortid:' || s)::bigint) FROM unnest($1::text[]) AS s ORDER BY s`, [
            [...shortIds].sort(),
          ]);
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
        await checkReferences(tx, p, 'devices', devicesIn);
        await checkReferences(tx, p, 'paravirt', paravirtIn);
        const { releaseDate, eolDate } = lifecycle(p, input, stored);

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
          devices: replaced(
            devicesIn,
            stored?.devices,
            (d) => ({
              device: d.device,
              supported: d.supported ?? true,
              driverSource: d.driverSource ?? 'INBOX',
              driverName: d.driverName ?? null,
              minDriverVersion: d.minDriverVersion ?? null,
              notes: d.notes ?? null,
            }),
            (d) => d.device,
          ),
          paravirt: replaced(
            paravirtIn,
            stored?.paravirt,
            (f) => ({
              feature: f.feature,
              supported: f.supported ?? true,
              minKernel: f.minKernel ?? null,
              minDriverVersion: f.minDriverVersion ?? null,
              notes: f.notes ?? null,
            }),
            (f) => f.feature,
          ),
          firmware: replaced(
            firmwareIn,
            stored?.firmware,
            (f) => ({ arch: f.arch, type: f.type, supported: f.supported, secureBoot: f.secureBoot ?? null }),
            (f) => `${f.arch}\u0000${f.type}`,
          ),
          resources: replaced(
            resourcesIn,
            stored?.resources,
            (r) => ({
              arch: r.arch,
              kind: r.kind,
              cpus: r.cpus ?? null,
              cpuHz: r.cpuHz ?? null,
              ramBytes: r.ramBytes ?? null,
              storageBytes: r.storageBytes ?? null,
            }),
            (r) => `${r.arch}\u0000${r.kind}`,
          ),
          ownerVendorId: stored?.ownerVendorId ?? null,
          source: stored?.source ?? '',
        };
      },
      table: 'GuestOS',
      row: ({ devices, paravirt, firmware, resources, ...g }, vendorId) => ({
        ...g,
        source: `vendor:${vendorId}`,
        ownerVendorId: vendorId,
      }),
      casts: { shortIds: 'text[]', architectures: 'text[]', releaseStatus: '"ReleaseStatus"', releaseDate: 'date', eolDate: 'date' },
      keep: ['ownerVendorId'],
      children: [
        {
          field: 'devices',
          delete: `DELETE FROM "GuestOSDevice" WHERE "guestId" = $1`,
          insert: `INSERT INTO "GuestOSDevice" ("guestId", "deviceId", supported, "driverSource", "driverName", "minDriverVersion", notes, source)
             SELECT $1, x.device, x.supported, x."driverSource"::"DriverSource", x."driverName", x."minDriverVersion", x.notes, $3
               FROM jsonb_to_recordset($2::jsonb) AS x(device text, supported boolean, "driverSource" text, "driverName" text, "minDriverVersion" text, notes text)`,
          insertArgs: (_g, vendorId) => [`vendor:${vendorId}`],
        },
        {
          field: 'paravirt',
          // Derived rows (paravirt-derive.ts) stay unless the vendor now states the feature itself.
          delete: `DELETE FROM "GuestParavirtSupport" s WHERE s."guestId" = $1
               AND (s.basis <> 'DERIVED' OR s."featureId" IN (SELECT p.id FROM "ParavirtFeature" p WHERE p.key = ANY($2::text[])))`,
          deleteArgs: (g) => [g.paravirt.map((x) => x.feature)],
          insert: `INSERT INTO "GuestParavirtSupport" ("guestId", "featureId", supported, "minKernel", "minDriverVersion", notes, source, basis)
             SELECT $1, p.id, x.supported, x."minKernel", x."minDriverVersion", x.notes, $3, 'RECORD'
               FROM jsonb_to_recordset($2::jsonb) AS x(feature text, supported boolean, "minKernel" text, "minDriverVersion" text, notes text)
               JOIN "ParavirtFeature" p ON p.key = x.feature`,
          insertArgs: (_g, vendorId) => [`vendor:${vendorId}`],
        },
        {
          field: 'firmware',
          delete: `DELETE FROM "GuestOSFirmware" WHERE "guestId" = $1`,
          insert: `INSERT INTO "GuestOSFirmware" ("guestId", arch, type, supported, "secureBoot", source)
             SELECT $1, x.arch, x.type::"FirmwareType", x.supported, x."secureBoot", $3
               FROM jsonb_to_recordset($2::jsonb) AS x(arch text, type text, supported boolean, "secureBoot" boolean)`,
          insertArgs: (_g, vendorId) => [`vendor:${vendorId}`],
        },
        {
          field: 'resources',
          delete: `DELETE FROM "GuestOSResources" WHERE "guestId" = $1`,
          insert: `INSERT INTO "GuestOSResources" ("guestId", arch, kind, cpus, "cpuHz", "ramBytes", "storageBytes", source)
             SELECT $1, x.arch, x.kind::"ResourceKind", x.cpus, x."cpuHz"::bigint, x."ramBytes"::bigint, x."storageBytes"::bigint, $3
               FROM jsonb_to_recordset($2::jsonb) AS x(arch text, kind text, cpus int, "cpuHz" float8, "ramBytes" float8, "storageBytes" float8)`,
          insertArgs: (_g, vendorId) => [`vendor:${vendorId}`],
        },
      ],
    },
    pre,
  );
}
