// Loads the curated seed (seed/curated/**/*.yaml) and applies it to the database.
//
// loadCuratedSeedFiles() reads and validates every file (schema, then cross-file lint) and returns
// the data in memory. applyCuratedSeed() applies it in one interactive transaction, idempotently:
// rows are compared with what is stored and only new or changed ones are written, so a second run
// changes nothing. Rows whose source is `vendor:*` are never overwritten. Child rows the seed owns
// (source `curated`, or the lists of a curated hypervisor release / equivalence group) that vanished
// from the files are deleted. Curated compatibility records are never edited in place: a changed
// record is inserted as a new row that supersedes the previous one.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { Sql } from '../src/db/sql.ts';
import { appendChanges } from '../src/catalogue/changes.ts';
import { syncTable, type ColumnType, type TableSpec } from './importers/sync.ts';
import { DEVICE_COLUMNS as IMPORT_DEVICE_COLUMNS } from './importers/tables.ts';
import {
  CompatibilityFileSchema,
  DevicesFileSchema,
  EquivalenceFileSchema,
  GuestsFileSchema,
  HardwareFeaturesFileSchema,
  HypervisorFileSchema,
  KnownIssuesFileSchema,
  ParavirtFeaturesFileSchema,
  VendorsFileSchema,
  type CuratedSeed,
  type Guest,
} from './format.ts';
import { FILES, formatProblem, lintSeed, type SeedProblem } from './lint.ts';
import { applyParavirtBasis } from './paravirt.ts';
import { ADDABLE_DEVICE_FIELDS, CORRECTABLE_DEVICE_FIELDS, CORRECTABLE_GUEST_FIELDS, type Device } from './format.ts';
import { applyCorrections, byEntity, overruledValues, type StoredCorrection } from './provenance.ts';
import { must } from '../src/util/must.ts';

export type { CuratedSeed } from './format.ts';
export type { SeedProblem } from './lint.ts';

export const DEFAULT_SEED_DIR = fileURLToPath(new URL('./curated/', import.meta.url));

export class SeedValidationError extends Error {
  override name = 'SeedValidationError';
  readonly code = 'SEED_INVALID';
  constructor(readonly problems: SeedProblem[]) {
    super(
      `invalid curated seed (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    );
  }
}

// ───────────────────────────── reading ─────────────────────────────

function issuePath(path: PropertyKey[], root: unknown): string {
  // guests[3].devices[0].deviceId, with the id of each array element that has one.
  let out = '';
  let node: unknown = root;
  for (const seg of path) {
    if (typeof seg === 'number') {
      out += `[${seg}]`;
      node = Array.isArray(node) ? node[seg] : undefined;
      const label =
        node && typeof node === 'object'
          ? ((node as Record<string, unknown>).id ??
            (node as Record<string, unknown>).key ??
            (node as Record<string, unknown>).deviceId ??
            (node as Record<string, unknown>).featureKey)
          : undefined;
      if (typeof label === 'string') out += ` (${label})`;
    } else {
      out += (out ? '.' : '') + String(seg);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg as string] : undefined;
    }
  }
  return out || '(file)';
}

function readYaml<S extends z.ZodType>(dir: string, file: string, schema: S, problems: SeedProblem[]): z.infer<S> | undefined {
  const full = join(dir, file);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (err) {
    problems.push({ file, path: '(file)', message: `cannot read: ${(err as Error).message}` });
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors)
      problems.push({ file, path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message.split('\n')[0] ?? e.message });
    return undefined;
  }
  const raw: unknown = doc.toJS();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ file, path: issuePath(issue.path, raw), message: issue.message });
    return undefined;
  }
  return parsed.data;
}

function yamlFiles(dir: string, sub: string, problems: SeedProblem[]): string[] {
  const d = join(dir, sub);
  if (!existsSync(d)) {
    problems.push({ file: sub, path: '(dir)', message: 'directory missing' });
    return [];
  }
  return readdirSync(d)
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((n) => `${sub}/${n}`);
}

/** Reads and validates every seed file; throws SeedValidationError listing every problem found. */
export async function loadCuratedSeedFiles(dir: string = DEFAULT_SEED_DIR): Promise<CuratedSeed> {
  const problems: SeedProblem[] = [];
  const vendors = readYaml(dir, FILES.vendors, VendorsFileSchema, problems);
  const hw = readYaml(dir, FILES.hardwareFeatures, HardwareFeaturesFileSchema, problems);
  const pv = readYaml(dir, FILES.paravirtFeatures, ParavirtFeaturesFileSchema, problems);
  const devices = readYaml(dir, FILES.devices, DevicesFileSchema, problems);
  const compat = readYaml(dir, FILES.compatibility, CompatibilityFileSchema, problems);
  const equiv = readYaml(dir, FILES.equivalence, EquivalenceFileSchema, problems);
  const issues = readYaml(dir, FILES.knownIssues, KnownIssuesFileSchema, problems);
  const hypervisors = yamlFiles(dir, 'hypervisors', problems).flatMap((file) => {
    const data = readYaml(dir, file, HypervisorFileSchema, problems);
    return data ? [{ file, data }] : [];
  });
  const guests = yamlFiles(dir, 'guests', problems).flatMap((file) => {
    const data = readYaml(dir, file, GuestsFileSchema, problems);
    return data ? [{ file, data }] : [];
  });
  if (problems.length || !vendors || !hw || !pv || !devices || !compat || !equiv || !issues) throw new SeedValidationError(problems);
  const seed: CuratedSeed = {
    dir,
    vendors: vendors.vendors,
    hardwareFeatures: hw.features,
    paravirtFeatures: pv.features,
    devices: devices.devices,
    hypervisors,
    guests,
    compatibility: compat.records,
    equivalence: equiv.groups,
    knownIssues: issues.issues,
  };
  const lint = lintSeed(seed);
  if (lint.length) throw new SeedValidationError(lint);
  return seed;
}

/** Content hash of the validated seed: the `sourceVersion` recorded for a seed import. */
export function seedVersion(seed: CuratedSeed): string {
  const { dir: _dir, ...data } = seed;
  return createHash('sha256').update(canonicalJson(data)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Guests ordered so that every parent (derivesFrom, clonedFrom, upgrades) comes before its children. */
export function guestsInInheritanceOrder(seed: CuratedSeed): Guest[] {
  const all = seed.guests.flatMap((f) => f.data.guests);
  const byId = new Map(all.map((g) => [g.id, g]));
  const done = new Set<string>();
  const out: Guest[] = [];
  const visit = (g: Guest, depth: number) => {
    if (done.has(g.id) || depth > byId.size) return;
    for (const p of [g.derivesFromId, g.clonedFromId, g.upgradesId]) {
      const parent = p ? byId.get(p) : undefined;
      if (parent) visit(parent, depth + 1);
    }
    if (!done.has(g.id)) {
      done.add(g.id);
      out.push(g);
    }
  };
  for (const g of all) visit(g, 0);
  return out;
}

/**
 * The corrections the curated guests state (seed/provenance.ts): each `corrections` entry, with the
 * entry's own value of the field; and each curated parent, as an addition to the parents another
 * source gives.
 */
export function curatedCorrections(guests: readonly Guest[]): StoredCorrection[] {
  const out: StoredCorrection[] = [];
  for (const g of guests) {
    for (const c of g.corrections) {
      out.push({
        entityType: 'GuestOS',
        entityId: g.id,
        field: c.field,
        value: g[c.field] ?? null,
        replaces: c.replaces,
        reason: c.reason,
        sourceRef: c.sourceRef,
        source: 'curated',
      });
    }
    const parents: [string, string | undefined][] = [
      ['extraDerivesFromIds', g.derivesFromId],
      ['extraClonedFromIds', g.clonedFromId],
    ];
    for (const [field, parent] of parents) {
      if (!parent) continue;
      out.push({
        entityType: 'GuestOS',
        entityId: g.id,
        field,
        value: [parent],
        replaces: null,
        reason: 'curated parent: added to the parents another source gives, never replacing them',
        sourceRef: g.sourceRef,
        source: 'curated',
      });
    }
  }
  return out;
}

/**
 * The corrections the curated devices state (seed/provenance.ts): each `corrections` entry, with the
 * entry's own value of the field; and each value of a field another source may leave empty
 * (ADDABLE_DEVICE_FIELDS) as an addition that replaces nothing. Stored whether or not osinfo-db has
 * the device, so the catalogue is the same whichever comes first.
 */
export function curatedDeviceCorrections(devices: readonly Device[]): StoredCorrection[] {
  const out: StoredCorrection[] = [];
  for (const d of devices) {
    const stated = new Set<string>();
    for (const c of d.corrections) {
      stated.add(c.field);
      out.push({
        entityType: 'Device',
        entityId: d.id,
        field: c.field,
        value: d[c.field] ?? null,
        replaces: c.replaces,
        reason: c.reason,
        sourceRef: c.sourceRef,
        source: 'curated',
      });
    }
    for (const field of ADDABLE_DEVICE_FIELDS) {
      const value = d[field];
      if (value === undefined || stated.has(field)) continue;
      out.push({
        entityType: 'Device',
        entityId: d.id,
        field,
        value,
        replaces: null,
        reason: `added: the other source gives no ${field} for this device`,
        sourceRef: d.sourceRef,
        source: 'curated',
      });
    }
  }
  return out.sort((a, b) => (a.entityId === b.entityId ? (a.field < b.field ? -1 : 1) : a.entityId < b.entityId ? -1 : 1));
}

// ───────────────────────────── applying ─────────────────────────────

export interface KindCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Rows a vendor owns (source vendor:*), left as they are. */
  skipped: number;
}

export const SEED_KINDS = [
  'vendors',
  'hardwareFeatures',
  'paravirtFeatures',
  'devices',
  'osinfoDevices',
  'hypervisors',
  'hypervisorReleases',
  'releaseDevices',
  'releaseParavirt',
  'releaseHostFeatures',
  'guests',
  'corrections',
  'osinfoGuests',
  'guestResources',
  'guestFirmware',
  'guestDevices',
  'guestParavirt',
  'equivalenceGroups',
  'equivalenceMembers',
  'knownIssues',
  'compatibilityRecords',
] as const;
export type SeedKind = (typeof SEED_KINDS)[number];

export type SeedSummary = { [K in SeedKind]: KindCounts } & {
  /** Content hash of the seed files that were applied. */
  seedVersion: string;
  /** Corrections osinfo-db no longer calls for: it no longer says what they replace. */
  staleCorrections: string[];
  /**
   * Curated values of a device osinfo-db has that differ from osinfo-db's with no correction stating
   * why: osinfo-db's value stands. Each needs a `corrections` entry (or the value dropped).
   */
  overruled: string[];
  /** Whether anything in the database changed. */
  changed: boolean;
  durationMs: number;
};

type Row = Record<string, unknown>;

/** The Device columns the seed writes: an import's, and the owning vendor. */
const DEVICE_COLUMNS: [string, ColumnType][] = [...IMPORT_DEVICE_COLUMNS, ['ownerVendorId', 'text']];

const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** Who may change a row the seed also has: anyone's but a vendor's (source vendor:*). */
const NOT_VENDOR = `t."source" NOT LIKE 'vendor:%'`;
/** Rows of guests and their facts the seed may change: not a vendor's, and not osinfo-db's (seed/provenance.ts). */
const NOT_OTHER_SOURCE = `t."source" NOT LIKE 'vendor:%' AND t."source" <> 'osinfo-db'`;
/** Tables without a source column: every row is the seed's to update. */
const ANY_ROW = 'true';

/**
 * One table the seed writes, as the importers' set-based sync (seed/importers/sync.ts) takes it:
 * every column is compared, so a row differing in anything is updated unless a vendor owns it.
 */
function seedSpec(
  table: string,
  key: string[],
  columns: [string, ColumnType][],
  opts: {
    updatedAt?: boolean;
    owned?: string;
    prunable?: string;
    scope?: { column: string; values: readonly string[] };
    entity?: string;
  } = {},
): TableSpec<Row> {
  return {
    table,
    key,
    columns: columns.map(([name, type]) => ({ name, type })),
    compare: columns.map(([name]) => name).filter((c) => !key.includes(c)),
    updatedAt: opts.updatedAt,
    owned: opts.owned ?? ANY_ROW,
    prunable: opts.prunable,
    own: [],
    scope: opts.scope,
    change: opts.entity && key.length === 1 ? { entityType: opts.entity, entityId: `"${key[0]}"` } : undefined,
    get: (row, c) => row[c],
  };
}

/** Deterministic RFC 4122 version-5-style UUID from a name. */
function uuidFromName(name: string): string {
  const h = createHash('sha1').update('virtcompat curated seed\n').update(name).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function emptyCounts(): KindCounts {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: 0 };
}

interface ChangeEntry {
  entityType: string;
  entityId: string;
  op: 'UPSERT' | 'SUPERSEDE';
}

/**
 * Validates the curated seed and applies it in one transaction. Idempotent: applying the same files
 * again reports everything unchanged and writes nothing (not even a change-feed entry).
 *
 * Each table is written with one set-based statement (the importers' sync: rows travel once as
 * column arrays, a read-only plan decides, one statement inserts, updates and prunes), so a first
 * seed costs a few statements per table instead of one per row.
 */
export async function applyCuratedSeed(db: { sql: Sql }, opts: { dir?: string } = {}): Promise<SeedSummary> {
  const started = Date.now();
  const seed = await loadCuratedSeedFiles(opts.dir ?? DEFAULT_SEED_DIR);
  const version = seedVersion(seed);

  const hwId = new Map(seed.hardwareFeatures.map((f) => [f.key, f.id]));
  const pvId = new Map(seed.paravirtFeatures.map((f) => [f.key, f.id]));

  const summary = await db.sql.transaction(async (tx) => {
    const summary = Object.fromEntries(SEED_KINDS.map((k) => [k, emptyCounts()])) as unknown as SeedSummary;
    summary.seedVersion = version;
    summary.changed = false;
    summary.durationMs = 0;
    summary.staleCorrections = [];
    summary.overruled = [];
    const changes: ChangeEntry[] = [];
    // The importers' lock: a seed and an import (or two starting services) never interleave.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('virtcompat:import'))`);

    const write = async (kind: SeedKind, spec: TableSpec<Row>, rows: Row[]) => {
      const { counts, changed } = await syncTable(tx, spec, rows);
      summary[kind] = {
        created: counts.created,
        updated: counts.updated,
        unchanged: counts.unchanged,
        deleted: counts.deleted,
        skipped: counts.kept,
      };
      for (const c of [...changed].sort()) {
        const [entityType = '', entityId = ''] = c.split('\u0000');
        changes.push({ entityType, entityId, op: 'UPSERT' });
      }
    };

    await write(
      'vendors',
      seedSpec(
        'Vendor',
        ['id'],
        [
          ['id', 'text'],
          ['name', 'text'],
          ['kinds', { enumArray: 'VendorKind' }],
          ['url', 'text'],
        ],
        { updatedAt: true, entity: 'Vendor' },
      ),
      seed.vendors.map((v) => ({ id: v.id, name: v.name, kinds: v.kinds, url: opt(v.url) })),
    );
    await write(
      'hardwareFeatures',
      seedSpec(
        'HardwareFeature',
        ['id'],
        [
          ['id', 'text'],
          ['key', 'text'],
          ['name', 'text'],
          ['vendor', 'text'],
          ['architectures', 'text[]'],
          ['category', { enum: 'HardwareCategory' }],
          ['detectionMethod', { enum: 'DetectionMethod' }],
          ['detectionValue', 'text'],
          ['description', 'text'],
          ['requires', 'text[]'],
          ['source', 'text'],
          ['sourceRef', 'text'],
          ['ownerVendorId', 'text'],
        ],
        { updatedAt: true, owned: NOT_VENDOR, entity: 'HardwareFeature' },
      ),
      seed.hardwareFeatures.map((f) => ({
        id: f.id,
        key: f.key,
        name: f.name,
        vendor: opt(f.vendor),
        architectures: f.architectures,
        category: f.category,
        detectionMethod: f.detectionMethod,
        detectionValue: f.detectionValue,
        description: opt(f.description),
        requires: f.requires,
        source: 'curated',
        sourceRef: f.sourceRef,
        ownerVendorId: opt(f.ownerVendorId),
      })),
    );
    await write(
      'paravirtFeatures',
      seedSpec(
        'ParavirtFeature',
        ['id'],
        [
          ['id', 'text'],
          ['key', 'text'],
          ['name', 'text'],
          ['family', { enum: 'HypervisorFamily' }],
          ['kind', { enum: 'ParavirtKind' }],
          ['dependsOn', 'text[]'],
          ['description', 'text'],
          ['sourceRef', 'text'],
        ],
        { entity: 'ParavirtFeature' },
      ),
      seed.paravirtFeatures.map((f) => ({
        id: f.id,
        key: f.key,
        name: f.name,
        family: f.family,
        kind: f.kind,
        dependsOn: f.dependsOn,
        description: opt(f.description),
        sourceRef: f.sourceRef,
      })),
    );
    // Devices osinfo-db already has stay osinfo-db's rows, as guests do (seed/provenance.ts): the
    // seed writes its own devices, and corrects and adds to osinfo-db's through stored corrections.
    const osinfoDevices = new Set(
      (
        await tx.query<{ id: string }>(`SELECT id FROM "Device" WHERE id = ANY($1::text[]) AND source = 'osinfo-db'`, [
          seed.devices.map((x) => x.id),
        ])
      ).map((x) => x.id),
    );
    const deviceCorrections = curatedDeviceCorrections(seed.devices);
    await write(
      'devices',
      seedSpec('Device', ['id'], DEVICE_COLUMNS, { updatedAt: true, owned: NOT_OTHER_SOURCE, entity: 'Device' }),
      seed.devices
        .filter((x) => !osinfoDevices.has(x.id))
        .map((x) => ({
          id: x.id,
          name: x.name,
          vendorName: opt(x.vendorName),
          bus: x.bus,
          vendorId: opt(x.vendorId),
          productId: opt(x.productId),
          subsystemVendorId: opt(x.subsystemVendorId),
          subsystemId: opt(x.subsystemId),
          class: x.class,
          rawClass: opt(x.rawClass),
          kind: x.kind,
          paravirtInterface: x.paravirtInterface,
          description: opt(x.description),
          source: 'curated',
          sourceVersion: null,
          sourceRef: x.sourceRef,
          ownerVendorId: opt(x.ownerVendorId),
        })),
    );
    {
      const current = await tx.query<Row & { id: string }>(
        `SELECT id, ${CORRECTABLE_DEVICE_FIELDS.map((c) => `to_jsonb("${c}") AS "${c}"`).join(', ')}
           FROM "Device" WHERE id = ANY($1::text[]) AND source = 'osinfo-db' ORDER BY id`,
        [[...osinfoDevices]],
      );
      const correctionsOf = byEntity(deviceCorrections);
      const entryOf = new Map(seed.devices.map((x) => [x.id, x]));
      const supplements = current.map((row) => {
        const entry = must(entryOf.get(row.id), `the curated entry of ${row.id}`);
        const list = correctionsOf.get(row.id) ?? [];
        const out = applyCorrections(row, list);
        for (const st of out.stale)
          summary.staleCorrections.push(
            `${row.id}: ${st.correction.field} corrects ${JSON.stringify(st.correction.replaces)}, but osinfo-db now says ${JSON.stringify(st.now)}; osinfo-db's value stands`,
          );
        for (const o of overruledValues(row, entry, CORRECTABLE_DEVICE_FIELDS, list))
          summary.overruled.push(
            `${row.id}: devices.yaml gives ${o.field} ${JSON.stringify(o.value)}, osinfo-db ${JSON.stringify(o.now)}, and no correction says why; osinfo-db's value stands`,
          );
        return { ...row, ownerVendorId: opt(entry.ownerVendorId) };
      });
      await write(
        'osinfoDevices',
        seedSpec(
          'Device',
          ['id'],
          // osinfo-db's row keeps its source, file and version: the seed writes the values it corrects and its owner.
          DEVICE_COLUMNS.filter(([c]) => !['source', 'sourceVersion', 'sourceRef'].includes(c)),
          { updatedAt: true, owned: `t."source" = 'osinfo-db'`, entity: 'Device' },
        ),
        supplements,
      );
    }
    await write(
      'hypervisors',
      seedSpec(
        'Hypervisor',
        ['id'],
        [
          ['id', 'text'],
          ['key', 'text'],
          ['name', 'text'],
          ['family', { enum: 'HypervisorFamily' }],
          ['vendor', 'text'],
          ['homepage', 'text'],
          ['ownerVendorId', 'text'],
        ],
        { updatedAt: true, entity: 'Hypervisor' },
      ),
      seed.hypervisors.map(({ data: { hypervisor: h } }) => ({
        id: h.id,
        key: h.key,
        name: h.name,
        family: h.family,
        vendor: opt(h.vendor),
        homepage: opt(h.homepage),
        ownerVendorId: opt(h.ownerVendorId),
      })),
    );
    const releases = seed.hypervisors.flatMap(({ data }) => data.releases.map((r) => ({ r, hypervisorId: data.hypervisor.id })));
    await write(
      'hypervisorReleases',
      seedSpec(
        'HypervisorRelease',
        ['id'],
        [
          ['id', 'text'],
          ['hypervisorId', 'text'],
          ['version', 'text'],
          ['versionOrder', 'int4'],
          ['name', 'text'],
          ['releaseDate', 'date'],
          ['eolDate', 'date'],
          ['maxVcpus', 'int4'],
          ['maxMemoryMiB', 'int4'],
          ['machineTypes', 'text[]'],
          ['firmware', 'text[]'],
          ['virtualHardwareVersion', 'int4'],
          ['vfio', 'bool'],
          ['sriov', 'bool'],
          ['notes', 'text'],
          ['limitsNotPublished', 'jsonb'],
          ['source', 'text'],
          ['sourceRef', 'text'],
        ],
        { updatedAt: true, owned: NOT_VENDOR, entity: 'HypervisorRelease' },
      ),
      releases.map(({ r, hypervisorId }) => ({
        id: r.id,
        hypervisorId,
        version: r.version,
        versionOrder: r.versionOrder,
        name: r.name,
        releaseDate: opt(r.releaseDate),
        eolDate: opt(r.eolDate),
        maxVcpus: opt(r.maxVcpus),
        maxMemoryMiB: opt(r.maxMemoryMiB),
        machineTypes: r.machineTypes,
        firmware: r.firmware,
        virtualHardwareVersion: opt(r.virtualHardwareVersion),
        vfio: r.vfio,
        sriov: r.sriov,
        notes: opt(r.notes),
        limitsNotPublished: r.limitsNotPublished,
        source: 'curated',
        sourceRef: r.sourceRef,
      })),
    );
    // Release lists belong to curated releases; a vendor-owned release keeps its own lists.
    const ownedReleases = new Set(
      (
        await tx.query<{ id: string }>(`SELECT id FROM "HypervisorRelease" WHERE id = ANY($1::text[]) AND source = 'curated'`, [
          releases.map(({ r }) => r.id),
        ])
      ).map((r) => r.id),
    );
    const curatedReleases = releases.filter(({ r }) => ownedReleases.has(r.id));
    const releaseScope = { column: 'releaseId', values: [...ownedReleases] };
    await write(
      'releaseDevices',
      seedSpec(
        'HypervisorReleaseDevice',
        ['releaseId', 'deviceId'],
        [
          ['releaseId', 'text'],
          ['deviceId', 'text'],
          ['model', 'text'],
          ['supported', 'bool'],
          ['notes', 'text'],
          ['sourceRef', 'text'],
        ],
        { scope: releaseScope },
      ),
      curatedReleases.flatMap(({ r }) =>
        r.devices.map((x) => ({
          releaseId: r.id,
          deviceId: x.deviceId,
          model: x.model,
          supported: x.supported,
          notes: opt(x.notes),
          sourceRef: x.sourceRef,
        })),
      ),
    );
    await write(
      'releaseParavirt',
      seedSpec(
        'HypervisorReleaseParavirt',
        ['releaseId', 'featureId'],
        [
          ['releaseId', 'text'],
          ['featureId', 'text'],
          ['supported', 'bool'],
          ['notes', 'text'],
          ['sourceRef', 'text'],
        ],
        { scope: releaseScope },
      ),
      curatedReleases.flatMap(({ r }) =>
        r.paravirt.map((x) => ({
          releaseId: r.id,
          featureId: pvId.get(x.featureKey),
          supported: x.supported,
          notes: opt(x.notes),
          sourceRef: x.sourceRef,
        })),
      ),
    );
    await write(
      'releaseHostFeatures',
      seedSpec(
        'HypervisorReleaseHostFeature',
        ['releaseId', 'featureId'],
        [
          ['releaseId', 'text'],
          ['featureId', 'text'],
          ['requirement', { enum: 'HostRequirement' }],
          ['anyOf', 'text'],
          ['notes', 'text'],
          ['sourceRef', 'text'],
        ],
        { scope: releaseScope },
      ),
      curatedReleases.flatMap(({ r }) =>
        r.hostFeatures.map((x) => ({
          releaseId: r.id,
          featureId: hwId.get(x.featureKey),
          requirement: x.requirement,
          anyOf: opt(x.anyOf),
          notes: opt(x.notes),
          sourceRef: x.sourceRef,
        })),
      ),
    );

    // Guests: one statement, so a derivesFrom/clonedFrom/upgrades reference to another new guest
    // is checked when the statement ends; the order is kept for readable change feeds.
    const ordered = guestsInInheritanceOrder(seed);
    const vendorOf = new Map(seed.guests.flatMap((f) => f.data.guests.map((g) => [g.id, f.data.vendor] as const)));
    const ownerOf = (g: Guest) => g.ownerVendorId ?? vendorOf.get(g.id) ?? null;
    // Guests osinfo-db already has: their row stays osinfo-db's (seed/provenance.ts); the seed adds
    // its own columns and corrections below, never the columns osinfo-db gives.
    const osinfoGuests = new Set(
      (
        await tx.query<{ id: string }>(`SELECT id FROM "GuestOS" WHERE id = ANY($1::text[]) AND source = 'osinfo-db'`, [
          ordered.map((g) => g.id),
        ])
      ).map((g) => g.id),
    );
    await write(
      'guests',
      seedSpec(
        'GuestOS',
        ['id'],
        [
          ['id', 'text'],
          ['shortIds', 'text[]'],
          ['name', 'text'],
          ['vendor', 'text'],
          ['family', 'text'],
          ['distro', 'text'],
          ['version', 'text'],
          ['codename', 'text'],
          ['kernel', 'text'],
          ['architectures', 'text[]'],
          ['releaseStatus', { enum: 'ReleaseStatus' }],
          ['releaseDate', 'date'],
          ['eolDate', 'date'],
          ['derivesFromId', 'text'],
          ['clonedFromId', 'text'],
          ['upgradesId', 'text'],
          ['cloudInit', 'bool'],
          ['tpmRequired', 'bool'],
          ['source', 'text'],
          ['sourceVersion', 'text'],
          ['sourceRef', 'text'],
          ['ownerVendorId', 'text'],
        ],
        { updatedAt: true, owned: NOT_OTHER_SOURCE, entity: 'GuestOS' },
      ),
      ordered
        .filter((g) => !osinfoGuests.has(g.id))
        .map((g) => ({
          id: g.id,
          shortIds: g.shortIds,
          name: g.name,
          vendor: g.vendor,
          family: g.family,
          distro: g.distro,
          version: g.version,
          codename: opt(g.codename),
          kernel: opt(g.kernel),
          architectures: g.architectures,
          releaseStatus: g.releaseStatus,
          releaseDate: opt(g.releaseDate),
          eolDate: opt(g.eolDate),
          derivesFromId: opt(g.derivesFromId),
          clonedFromId: opt(g.clonedFromId),
          upgradesId: opt(g.upgradesId),
          cloudInit: opt(g.cloudInit),
          tpmRequired: opt(g.tpmRequired),
          source: 'curated',
          sourceVersion: null,
          sourceRef: g.sourceRef,
          ownerVendorId: ownerOf(g),
        })),
    );
    const ownedGuests = new Set(
      (
        await tx.query<{ id: string }>(`SELECT id FROM "GuestOS" WHERE id = ANY($1::text[]) AND source IN ('curated', 'osinfo-db')`, [
          ordered.map((g) => g.id),
        ])
      ).map((g) => g.id),
    );
    // Corrections: every curated one is stored (the API lists them), whoever owns the guest now.
    const corrections = curatedCorrections(ordered);
    await write(
      'corrections',
      seedSpec(
        'CatalogueCorrection',
        ['entityType', 'entityId', 'field'],
        [
          ['entityType', 'text'],
          ['entityId', 'text'],
          ['field', 'text'],
          ['value', 'jsonb'],
          ['replaces', 'jsonb'],
          ['reason', 'text'],
          ['sourceRef', 'text'],
          ['source', 'text'],
        ],
        { owned: `t."source" = 'curated'`, scope: { column: 'source', values: ['curated'] } },
      ),
      [...corrections, ...deviceCorrections] as unknown as Row[],
    );
    // osinfo-db's guests: the columns osinfo-db has no element for, and the corrections that still
    // apply; osinfo-db's own values and parents stay.
    const current = await tx.query<Row & { id: string }>(
      `SELECT id, ${[...CORRECTABLE_GUEST_FIELDS, 'derivesFromId', 'clonedFromId', 'extraDerivesFromIds', 'extraClonedFromIds']
        .map((c) => `to_jsonb("${c}") AS "${c}"`)
        .join(', ')}
         FROM "GuestOS" WHERE id = ANY($1::text[]) AND source = 'osinfo-db' ORDER BY id`,
      [[...osinfoGuests]],
    );
    const correctionsOf = byEntity(corrections);
    const entryOf = new Map(ordered.map((g) => [g.id, g]));
    const supplements = current.map((row) => {
      const g = must(entryOf.get(row.id), `the curated entry of ${row.id}`);
      const out = applyCorrections(row, correctionsOf.get(row.id) ?? []);
      for (const st of out.stale)
        summary.staleCorrections.push(
          `${row.id}: ${st.correction.field} corrects ${JSON.stringify(st.correction.replaces)}, but osinfo-db now says ${JSON.stringify(st.now)}; osinfo-db's value stands`,
        );
      return { ...row, kernel: opt(g.kernel), tpmRequired: opt(g.tpmRequired), ownerVendorId: ownerOf(g) };
    });
    await write(
      'osinfoGuests',
      seedSpec(
        'GuestOS',
        ['id'],
        [
          ['id', 'text'],
          ['name', 'text'],
          ['vendor', 'text'],
          ['family', 'text'],
          ['distro', 'text'],
          ['version', 'text'],
          ['codename', 'text'],
          ['architectures', 'text[]'],
          ['releaseStatus', { enum: 'ReleaseStatus' }],
          ['releaseDate', 'date'],
          ['eolDate', 'date'],
          ['cloudInit', 'bool'],
          ['extraDerivesFromIds', 'text[]'],
          ['extraClonedFromIds', 'text[]'],
          ['kernel', 'text'],
          ['tpmRequired', 'bool'],
          ['ownerVendorId', 'text'],
        ],
        { updatedAt: true, owned: `t."source" = 'osinfo-db'`, entity: 'GuestOS' },
      ),
      supplements,
    );
    const curatedGuests = ordered.filter((g) => ownedGuests.has(g.id));
    // A guest's facts (its own, or an osinfo-db guest's): the seed adds and updates its own rows,
    // leaves a fact osinfo-db or a vendor states under the same key as it is, and prunes only its own.
    const guestFacts = {
      scope: { column: 'guestId', values: [...ownedGuests] },
      owned: NOT_OTHER_SOURCE,
      prunable: `t."source" = 'curated'`,
    };
    await write(
      'guestResources',
      seedSpec(
        'GuestOSResources',
        ['guestId', 'arch', 'kind'],
        [
          ['guestId', 'text'],
          ['arch', 'text'],
          ['kind', { enum: 'ResourceKind' }],
          ['cpus', 'int4'],
          ['cpuHz', 'int8'],
          ['ramBytes', 'int8'],
          ['storageBytes', 'int8'],
          ['source', 'text'],
        ],
        guestFacts,
      ),
      curatedGuests.flatMap((g) =>
        g.resources.map((r) => ({
          guestId: g.id,
          arch: r.arch,
          kind: r.kind,
          cpus: opt(r.cpus),
          cpuHz: opt(r.cpuHz),
          ramBytes: opt(r.ramBytes),
          storageBytes: opt(r.storageBytes),
          source: 'curated',
        })),
      ),
    );
    await write(
      'guestFirmware',
      seedSpec(
        'GuestOSFirmware',
        ['guestId', 'arch', 'type'],
        [
          ['guestId', 'text'],
          ['arch', 'text'],
          ['type', { enum: 'FirmwareType' }],
          ['supported', 'bool'],
          ['secureBoot', 'bool'],
          ['source', 'text'],
        ],
        guestFacts,
      ),
      curatedGuests.flatMap((g) =>
        g.firmware.map((f) => ({
          guestId: g.id,
          arch: f.arch,
          type: f.type,
          supported: f.supported,
          secureBoot: opt(f.secureBoot),
          source: 'curated',
        })),
      ),
    );
    await write(
      'guestDevices',
      seedSpec(
        'GuestOSDevice',
        ['guestId', 'deviceId'],
        [
          ['guestId', 'text'],
          ['deviceId', 'text'],
          ['supported', 'bool'],
          ['driverSource', { enum: 'DriverSource' }],
          ['driverName', 'text'],
          ['minDriverVersion', 'text'],
          ['notes', 'text'],
          ['source', 'text'],
          ['sourceVersion', 'text'],
        ],
        guestFacts,
      ),
      curatedGuests.flatMap((g) =>
        g.devices.map((x) => ({
          guestId: g.id,
          deviceId: x.deviceId,
          supported: x.supported,
          driverSource: x.driverSource,
          driverName: opt(x.driverName),
          minDriverVersion: opt(x.minDriverVersion),
          notes: opt(x.notes),
          source: 'curated',
          sourceVersion: null,
        })),
      ),
    );
    await write(
      'guestParavirt',
      seedSpec(
        'GuestParavirtSupport',
        ['guestId', 'featureId'],
        [
          ['guestId', 'text'],
          ['featureId', 'text'],
          ['supported', 'bool'],
          ['minKernel', 'text'],
          ['minDriverVersion', 'text'],
          ['notes', 'text'],
          ['source', 'text'],
          ['sourceRef', 'text'],
          ['basis', { enum: 'ParavirtBasis' }],
          ['rule', 'text'],
          ['reason', 'text'],
          ['inputs', 'jsonb'],
        ],
        guestFacts,
      ),
      curatedGuests.flatMap((g) =>
        g.paravirt.map((x) => ({
          basis: 'CURATED',
          rule: null,
          reason: null,
          inputs: null,
          guestId: g.id,
          featureId: pvId.get(x.featureKey),
          supported: x.supported,
          minKernel: opt(x.minKernel),
          minDriverVersion: opt(x.minDriverVersion),
          notes: opt(x.notes),
          source: 'curated',
          sourceRef: x.sourceRef,
        })),
      ),
    );

    await write(
      'equivalenceGroups',
      seedSpec(
        'DeviceEquivalenceGroup',
        ['key'],
        [
          ['key', 'text'],
          ['class', { enum: 'DeviceClass' }],
          ['description', 'text'],
          ['sourceRef', 'text'],
        ],
        { entity: 'DeviceEquivalenceGroup' },
      ),
      seed.equivalence.map((g) => ({ key: g.key, class: g.class, description: g.description, sourceRef: opt(g.sourceRef) })),
    );
    await write(
      'equivalenceMembers',
      seedSpec(
        'DeviceEquivalenceMember',
        ['groupKey', 'deviceId'],
        [
          ['groupKey', 'text'],
          ['deviceId', 'text'],
          ['hypervisorKey', 'text'],
        ],
        { scope: { column: 'groupKey', values: seed.equivalence.map((g) => g.key) } },
      ),
      seed.equivalence.flatMap((g) =>
        g.members.map((m) => ({ groupKey: g.key, deviceId: m.deviceId, hypervisorKey: opt(m.hypervisorKey) })),
      ),
    );

    await write(
      'knownIssues',
      seedSpec(
        'KnownIssue',
        ['id'],
        [
          ['id', 'text'],
          ['key', 'text'],
          ['title', 'text'],
          ['severity', { enum: 'KnownIssueSeverity' }],
          ['fromHypervisor', 'text'],
          ['toHypervisor', 'text'],
          ['fromDevice', 'text'],
          ['toDevice', 'text'],
          ['guestFamily', 'text'],
          ['guestId', 'text'],
          ['condition', 'text'],
          ['trigger', 'text'],
          ['workaround', 'text'],
          ['evidenceUrl', 'text'],
          ['source', 'text'],
        ],
        { updatedAt: true, owned: NOT_VENDOR, prunable: `t."source" = 'curated'`, entity: 'KnownIssue' },
      ),
      seed.knownIssues.map((i) => ({
        id: `http://virtcompat.org/known-issue/${i.key}`,
        key: i.key,
        title: i.title,
        severity: i.severity.toUpperCase(),
        fromHypervisor: opt(i.fromHypervisor),
        toHypervisor: opt(i.toHypervisor),
        fromDevice: opt(i.fromDevice),
        toDevice: opt(i.toDevice),
        guestFamily: opt(i.guestFamily),
        guestId: opt(i.guest),
        condition: opt(i.condition),
        trigger: i.trigger,
        workaround: i.workaround,
        evidenceUrl: i.evidenceUrl,
        source: 'curated',
      })),
    );

    await syncCompatibility(tx, summary, changes, seed, hwId);
    // Driver packages and derived paravirt answers (seed/paravirt.ts; idempotent).
    await applyParavirtBasis(tx, { dir: seed.dir });

    summary.changed = SEED_KINDS.some((k) => summary[k].created + summary[k].updated + summary[k].deleted > 0);
    if (summary.changed) {
      // The change feed's single writer: appendChanges takes the feed lock, so sequence numbers
      // follow commit order whoever else writes.
      const data = { source: 'seed', seedVersion: version };
      await appendChanges(
        tx,
        changes.map((c) => ({ ...c, data })),
      );
      const counts = Object.fromEntries(SEED_KINDS.map((k) => [k, summary[k]]));
      await tx.query(
        `INSERT INTO "ImportRun" (source, "sourceVersion", path, "startedAt", "finishedAt", status, counts)
         VALUES ('seed', $1, $2, $3::timestamptz, now(), 'OK', $4::jsonb)`,
        [version, relative(process.cwd(), seed.dir) || '.', new Date(started).toISOString(), JSON.stringify(counts)],
      );
    }
    return summary;
  });
  summary.durationMs = Date.now() - started;
  return summary;
}

/**
 * Compatibility records are history: a curated record's row id is derived from its key and content.
 * Unchanged content finds its row; changed content becomes a new row superseding the current one
 * for the same claim (guest, release, device, host feature, backend). One read, one insert.
 */
async function syncCompatibility(
  tx: Sql,
  summary: SeedSummary,
  changes: ChangeEntry[],
  seed: CuratedSeed,
  hwId: Map<string, string>,
): Promise<void> {
  const counts = summary.compatibilityRecords;
  const stored = await tx.query<{ id: string; claim: string; head: boolean }>(
    `SELECT r.id, concat_ws('|', r."guestId", r."hypervisorReleaseId", coalesce(r."deviceId", ''), coalesce(r."hostFeatureId", ''), coalesce(r.backend, '')) AS claim,
            NOT EXISTS (SELECT 1 FROM "CompatibilityRecord" s WHERE s."supersedesId" = r.id) AS head
       FROM "CompatibilityRecord" r WHERE r.source = 'curated'`,
  );
  const byId = new Set(stored.map((r) => r.id));
  const claimOf = (r: Row) => [r.guestId, r.hypervisorReleaseId, r.deviceId ?? '', r.hostFeatureId ?? '', r.backend ?? ''].join('|');
  const heads = new Map(stored.filter((r) => r.head).map((r) => [r.claim, r.id]));
  const inserts: Row[] = [];
  for (const rec of seed.compatibility) {
    const row: Row = {
      guestId: rec.guestId,
      hypervisorReleaseId: rec.hypervisorReleaseId,
      hostFeatureId: rec.hostFeatureKey ? (hwId.get(rec.hostFeatureKey) ?? null) : null,
      deviceId: opt(rec.deviceId),
      status: rec.status,
      backend: opt(rec.backend),
      testedDevices: rec.testedDevices,
      evidenceNotes: rec.evidenceNotes,
      evidenceUrl: rec.evidenceUrl,
      evidenceDate: opt(rec.evidenceDate),
      evidenceLevel: rec.evidenceLevel ?? 'USER_REPORTED',
      submitterVendorId: opt(rec.submitterVendorId),
      reviewState: rec.reviewState,
      source: 'curated',
    };
    // The id hashes the content as it always has (evidenceDate as the file's day, or null; the
    // evidence level only when the file states it, so records written before it keep their ids).
    const { evidenceLevel, ...hashed } = row;
    const id = uuidFromName(
      `${rec.key}\n${canonicalJson({ ...hashed, evidenceDate: rec.evidenceDate ?? null, ...(rec.evidenceLevel ? { evidenceLevel } : {}) })}`,
    );
    if (byId.has(id)) {
      counts.unchanged++;
      continue;
    }
    const head = heads.get(claimOf(row));
    inserts.push({ id, ...row, supersedesId: head ?? null });
    heads.set(claimOf(row), id);
    byId.add(id);
    if (head) {
      counts.updated++;
      changes.push({ entityType: 'CompatibilityRecord', entityId: id, op: 'SUPERSEDE' });
    } else {
      counts.created++;
      changes.push({ entityType: 'CompatibilityRecord', entityId: id, op: 'UPSERT' });
    }
  }
  if (inserts.length === 0) return;
  // One statement: a record superseding another new one is checked when the statement ends.
  await tx.query(
    `INSERT INTO "CompatibilityRecord" (id, "guestId", "hypervisorReleaseId", "hostFeatureId", "deviceId", status, backend, "testedDevices",
                                        "evidenceNotes", "evidenceUrl", "evidenceDate", "evidenceLevel", "submitterVendorId", "reviewState", source, "supersedesId")
     SELECT id, "guestId", "hypervisorReleaseId", "hostFeatureId", "deviceId", status, backend, "testedDevices",
            "evidenceNotes", "evidenceUrl", "evidenceDate", "evidenceLevel", "submitterVendorId", "reviewState", source, "supersedesId"
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, "guestId" text, "hypervisorReleaseId" text, "hostFeatureId" text, "deviceId" text,
            status "CompatibilityStatus", backend text, "testedDevices" text[], "evidenceNotes" text, "evidenceUrl" text, "evidenceDate" date,
            "evidenceLevel" "EvidenceLevel", "submitterVendorId" text, "reviewState" "ReviewState", source text, "supersedesId" text)`,
    [JSON.stringify(inserts)],
  );
}
