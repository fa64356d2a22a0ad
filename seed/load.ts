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
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import {
  CompatibilityFileSchema,
  DevicesFileSchema,
  EquivalenceFileSchema,
  GuestsFileSchema,
  HardwareFeaturesFileSchema,
  HypervisorFileSchema,
  ParavirtFeaturesFileSchema,
  VendorsFileSchema,
  type CuratedSeed,
  type Guest,
} from './format.ts';
import { FILES, formatProblem, lintSeed, type SeedProblem } from './lint.ts';

export type { CuratedSeed } from './format.ts';
export type { SeedProblem } from './lint.ts';

export const DEFAULT_SEED_DIR = fileURLToPath(new URL('./curated/', import.meta.url));

export class SeedValidationError extends Error {
  override name = 'SeedValidationError';
  readonly code = 'SEED_INVALID';
  constructor(readonly problems: SeedProblem[]) {
    super(`invalid curated seed (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
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
      const label = node && typeof node === 'object' ? ((node as Record<string, unknown>).id ?? (node as Record<string, unknown>).key ?? (node as Record<string, unknown>).deviceId ?? (node as Record<string, unknown>).featureKey) : undefined;
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
    for (const e of doc.errors) problems.push({ file, path: `line ${e.linePos?.[0]?.line ?? '?'}`, message: e.message.split('\n')[0] });
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
  const hypervisors = yamlFiles(dir, 'hypervisors', problems).flatMap((file) => {
    const data = readYaml(dir, file, HypervisorFileSchema, problems);
    return data ? [{ file, data }] : [];
  });
  const guests = yamlFiles(dir, 'guests', problems).flatMap((file) => {
    const data = readYaml(dir, file, GuestsFileSchema, problems);
    return data ? [{ file, data }] : [];
  });
  if (problems.length || !vendors || !hw || !pv || !devices || !compat || !equiv) throw new SeedValidationError(problems);
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
  'hypervisors',
  'hypervisorReleases',
  'releaseDevices',
  'releaseParavirt',
  'releaseHostFeatures',
  'guests',
  'guestResources',
  'guestFirmware',
  'guestDevices',
  'guestParavirt',
  'equivalenceGroups',
  'equivalenceMembers',
  'compatibilityRecords',
] as const;
export type SeedKind = (typeof SEED_KINDS)[number];

export type SeedSummary = { [K in SeedKind]: KindCounts } & {
  /** Content hash of the seed files that were applied. */
  seedVersion: string;
  /** Whether anything in the database changed. */
  changed: boolean;
  durationMs: number;
};

type Row = Record<string, unknown>;
type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** The subset of a Prisma model delegate the sync needs, for all models alike. */
interface Delegate {
  findMany(args: { where?: Row; select?: Row }): Promise<Row[]>;
  createMany(args: { data: Row[] }): Promise<{ count: number }>;
  update(args: { where: Row; data: Row }): Promise<unknown>;
  deleteMany(args: { where: Row }): Promise<{ count: number }>;
}

const DATE_FIELDS = new Set(['releaseDate', 'eolDate', 'evidenceDate']);

function norm(field: string, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return DATE_FIELDS.has(field) ? v.toISOString().slice(0, 10) : v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && !DATE_FIELDS.has(field)) return String(v);
  if (Array.isArray(v)) return JSON.stringify(v.map((x) => norm(field, x)));
  if (typeof v === 'string' && DATE_FIELDS.has(field)) return v.slice(0, 10);
  return v;
}

function differs(fields: string[], want: Row, have: Row): boolean {
  return fields.some((f) => norm(f, want[f]) !== norm(f, have[f]));
}

const day = (d: string | undefined): Date | null => (d ? new Date(`${d}T00:00:00.000Z`) : null);
const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
const isVendorOwned = (row: Row) => typeof row.source === 'string' && row.source.startsWith('vendor:');

interface SyncSpec {
  kind: SeedKind;
  delegate: Delegate;
  /** Primary key fields, in Prisma's compound-key order. */
  key: string[];
  rows: Row[];
  /** Restricts the stored rows considered (and deleted when missing); default: the keys of `rows`. */
  scope?: Row;
  /** Delete stored rows in scope that are not in `rows`. */
  prune?: boolean;
  /** Only prune rows matching this (e.g. source = curated). */
  pruneWhere?: Row;
}

interface Ctx {
  summary: SeedSummary;
  changes: Array<{ entityType: string; entityId: string; op: string }>;
}

const keyOf = (key: string[], row: Row) => key.map((k) => String(row[k])).join('\u0000');

function whereUnique(key: string[], row: Row): Row {
  if (key.length === 1) return { [key[0]]: row[key[0]] };
  return { [key.join('_')]: Object.fromEntries(key.map((k) => [k, row[k]])) };
}

const ENTITY_TYPE: Partial<Record<SeedKind, string>> = {
  vendors: 'Vendor',
  hardwareFeatures: 'HardwareFeature',
  paravirtFeatures: 'ParavirtFeature',
  devices: 'Device',
  hypervisors: 'Hypervisor',
  hypervisorReleases: 'HypervisorRelease',
  guests: 'GuestOS',
  equivalenceGroups: 'DeviceEquivalenceGroup',
};

async function sync(ctx: Ctx, spec: SyncSpec): Promise<void> {
  const counts = ctx.summary[spec.kind];
  const fields = Object.keys(spec.rows[0] ?? {}).filter((f) => !spec.key.includes(f));
  let existing: Row[];
  if (spec.scope) {
    existing = await spec.delegate.findMany({ where: spec.scope });
  } else if (spec.key.length === 1) {
    const ids = spec.rows.map((r) => r[spec.key[0]]);
    existing = ids.length ? await spec.delegate.findMany({ where: { [spec.key[0]]: { in: ids } } }) : [];
  } else {
    throw new Error(`sync(${spec.kind}): a compound key needs a scope`);
  }
  const have = new Map(existing.map((r) => [keyOf(spec.key, r), r]));
  const toCreate: Row[] = [];
  const toUpdate: Row[] = [];
  for (const row of spec.rows) {
    const old = have.get(keyOf(spec.key, row));
    if (!old) toCreate.push(row);
    else if (isVendorOwned(old)) counts.skipped++;
    else if (!differs(fields, row, old)) counts.unchanged++;
    else toUpdate.push(row);
  }
  const type = ENTITY_TYPE[spec.kind];
  // Create before updating: an updated row may now refer to a row created in this run.
  if (toCreate.length) {
    const { count } = await spec.delegate.createMany({ data: toCreate });
    counts.created += count;
    if (type) for (const row of toCreate) ctx.changes.push({ entityType: type, entityId: keyOf(spec.key, row), op: 'UPSERT' });
  }
  for (const row of toUpdate) {
    await spec.delegate.update({ where: whereUnique(spec.key, row), data: Object.fromEntries(fields.map((f) => [f, row[f]])) });
    counts.updated++;
    if (type) ctx.changes.push({ entityType: type, entityId: keyOf(spec.key, row), op: 'UPSERT' });
  }
  if (spec.prune) {
    const want = new Set(spec.rows.map((r) => keyOf(spec.key, r)));
    const stale = existing.filter(
      (r) =>
        !want.has(keyOf(spec.key, r)) &&
        !isVendorOwned(r) &&
        Object.entries(spec.pruneWhere ?? {}).every(([k, v]) => r[k] === v),
    );
    for (const r of stale) {
      await spec.delegate.deleteMany({ where: Object.fromEntries(spec.key.map((k) => [k, r[k]])) });
      counts.deleted++;
    }
  }
}

/** Deterministic RFC 4122 version-5-style UUID from a name. */
function uuidFromName(name: string): string {
  const h = createHash('sha1').update('virtcompat curated seed\n').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function emptyCounts(): KindCounts {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: 0 };
}

/**
 * Validates the curated seed and applies it in one transaction. Idempotent: applying the same files
 * again reports everything unchanged and writes nothing (not even a change-feed entry).
 */
export async function applyCuratedSeed(prisma: PrismaClient, opts: { dir?: string } = {}): Promise<SeedSummary> {
  const started = Date.now();
  const seed = await loadCuratedSeedFiles(opts.dir ?? DEFAULT_SEED_DIR);
  const version = seedVersion(seed);
  const summary = Object.fromEntries(SEED_KINDS.map((k) => [k, emptyCounts()])) as unknown as SeedSummary;
  summary.seedVersion = version;
  summary.changed = false;
  summary.durationMs = 0;
  const ctx: Ctx = { summary, changes: [] };

  const hwId = new Map(seed.hardwareFeatures.map((f) => [f.key, f.id]));
  const pvId = new Map(seed.paravirtFeatures.map((f) => [f.key, f.id]));
  const hvId = new Map(seed.hypervisors.map((h) => [h.data.hypervisor.key, h.data.hypervisor.id]));

  await prisma.$transaction(
    async (tx: Tx) => {
      const d = (name: keyof Tx) => tx[name] as unknown as Delegate;

      await sync(ctx, {
        kind: 'vendors',
        delegate: d('vendor'),
        key: ['id'],
        rows: seed.vendors.map((v) => ({ id: v.id, name: v.name, kinds: v.kinds, url: opt(v.url) })),
      });
      await sync(ctx, {
        kind: 'hardwareFeatures',
        delegate: d('hardwareFeature'),
        key: ['id'],
        rows: seed.hardwareFeatures.map((f) => ({
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
      });
      await sync(ctx, {
        kind: 'paravirtFeatures',
        delegate: d('paravirtFeature'),
        key: ['id'],
        rows: seed.paravirtFeatures.map((f) => ({
          id: f.id,
          key: f.key,
          name: f.name,
          family: f.family,
          kind: f.kind,
          dependsOn: f.dependsOn,
          description: opt(f.description),
          sourceRef: f.sourceRef,
        })),
      });
      await sync(ctx, {
        kind: 'devices',
        delegate: d('device'),
        key: ['id'],
        rows: seed.devices.map((x) => ({
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
      });
      await sync(ctx, {
        kind: 'hypervisors',
        delegate: d('hypervisor'),
        key: ['id'],
        rows: seed.hypervisors.map(({ data: { hypervisor: h } }) => ({
          id: h.id,
          key: h.key,
          name: h.name,
          family: h.family,
          vendor: opt(h.vendor),
          homepage: opt(h.homepage),
          ownerVendorId: opt(h.ownerVendorId),
        })),
      });
      const releases = seed.hypervisors.flatMap(({ data }) => data.releases.map((r) => ({ r, hypervisorId: data.hypervisor.id })));
      await sync(ctx, {
        kind: 'hypervisorReleases',
        delegate: d('hypervisorRelease'),
        key: ['id'],
        rows: releases.map(({ r, hypervisorId }) => ({
          id: r.id,
          hypervisorId,
          version: r.version,
          versionOrder: r.versionOrder,
          name: r.name,
          releaseDate: day(r.releaseDate),
          eolDate: day(r.eolDate),
          maxVcpus: opt(r.maxVcpus),
          maxMemoryMiB: opt(r.maxMemoryMiB),
          machineTypes: r.machineTypes,
          firmware: r.firmware,
          virtualHardwareVersion: opt(r.virtualHardwareVersion),
          vfio: r.vfio,
          sriov: r.sriov,
          notes: opt(r.notes),
          source: 'curated',
          sourceRef: r.sourceRef,
        })),
      });
      // Release lists belong to curated releases; a vendor-owned release keeps its own lists.
      const storedReleases = await d('hypervisorRelease').findMany({
        where: { id: { in: releases.map(({ r }) => r.id) } },
        select: { id: true, source: true },
      });
      const ownedReleases = new Set(storedReleases.filter((r) => r.source === 'curated').map((r) => r.id as string));
      const curatedReleases = releases.filter(({ r }) => ownedReleases.has(r.id));
      const releaseScope = { releaseId: { in: [...ownedReleases] } };
      await sync(ctx, {
        kind: 'releaseDevices',
        delegate: d('hypervisorReleaseDevice'),
        key: ['releaseId', 'deviceId'],
        scope: releaseScope,
        prune: true,
        rows: curatedReleases.flatMap(({ r }) =>
          r.devices.map((x) => ({ releaseId: r.id, deviceId: x.deviceId, model: x.model, supported: x.supported, notes: opt(x.notes), sourceRef: x.sourceRef })),
        ),
      });
      await sync(ctx, {
        kind: 'releaseParavirt',
        delegate: d('hypervisorReleaseParavirt'),
        key: ['releaseId', 'featureId'],
        scope: releaseScope,
        prune: true,
        rows: curatedReleases.flatMap(({ r }) =>
          r.paravirt.map((x) => ({ releaseId: r.id, featureId: pvId.get(x.featureKey), supported: x.supported, notes: opt(x.notes), sourceRef: x.sourceRef })),
        ),
      });
      await sync(ctx, {
        kind: 'releaseHostFeatures',
        delegate: d('hypervisorReleaseHostFeature'),
        key: ['releaseId', 'featureId'],
        scope: releaseScope,
        prune: true,
        rows: curatedReleases.flatMap(({ r }) =>
          r.hostFeatures.map((x) => ({
            releaseId: r.id,
            featureId: hwId.get(x.featureKey),
            requirement: x.requirement,
            anyOf: opt(x.anyOf),
            notes: opt(x.notes),
            sourceRef: x.sourceRef,
          })),
        ),
      });

      // Guests: parents first, so each derivesFrom/clonedFrom/upgrades reference already exists.
      const ordered = guestsInInheritanceOrder(seed);
      const vendorOf = new Map(seed.guests.flatMap((f) => f.data.guests.map((g) => [g.id, f.data.vendor] as const)));
      await sync(ctx, {
        kind: 'guests',
        delegate: d('guestOS'),
        key: ['id'],
        rows: ordered.map((g) => ({
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
          releaseDate: day(g.releaseDate),
          eolDate: day(g.eolDate),
          derivesFromId: opt(g.derivesFromId),
          clonedFromId: opt(g.clonedFromId),
          upgradesId: opt(g.upgradesId),
          cloudInit: opt(g.cloudInit),
          tpmRequired: opt(g.tpmRequired),
          source: 'curated',
          sourceVersion: null,
          sourceRef: g.sourceRef,
          ownerVendorId: g.ownerVendorId ?? vendorOf.get(g.id) ?? null,
        })),
      });
      const storedGuests = await d('guestOS').findMany({ where: { id: { in: ordered.map((g) => g.id) } }, select: { id: true, source: true } });
      const ownedGuests = new Set(storedGuests.filter((g) => g.source === 'curated').map((g) => g.id as string));
      const curatedGuests = ordered.filter((g) => ownedGuests.has(g.id));
      const guestScope = { guestId: { in: [...ownedGuests] } };
      const curatedOnly = { source: 'curated' };
      await sync(ctx, {
        kind: 'guestResources',
        delegate: d('guestOSResources'),
        key: ['guestId', 'arch', 'kind'],
        scope: guestScope,
        prune: true,
        pruneWhere: curatedOnly,
        rows: curatedGuests.flatMap((g) =>
          g.resources.map((r) => ({
            guestId: g.id,
            arch: r.arch,
            kind: r.kind,
            cpus: opt(r.cpus),
            cpuHz: r.cpuHz === undefined ? null : BigInt(r.cpuHz),
            ramBytes: r.ramBytes === undefined ? null : BigInt(r.ramBytes),
            storageBytes: r.storageBytes === undefined ? null : BigInt(r.storageBytes),
            source: 'curated',
          })),
        ),
      });
      await sync(ctx, {
        kind: 'guestFirmware',
        delegate: d('guestOSFirmware'),
        key: ['guestId', 'arch', 'type'],
        scope: guestScope,
        prune: true,
        pruneWhere: curatedOnly,
        rows: curatedGuests.flatMap((g) =>
          g.firmware.map((f) => ({ guestId: g.id, arch: f.arch, type: f.type, supported: f.supported, secureBoot: opt(f.secureBoot), source: 'curated' })),
        ),
      });
      await sync(ctx, {
        kind: 'guestDevices',
        delegate: d('guestOSDevice'),
        key: ['guestId', 'deviceId'],
        scope: guestScope,
        prune: true,
        pruneWhere: curatedOnly,
        rows: curatedGuests.flatMap((g) =>
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
      });
      await sync(ctx, {
        kind: 'guestParavirt',
        delegate: d('guestParavirtSupport'),
        key: ['guestId', 'featureId'],
        scope: guestScope,
        prune: true,
        pruneWhere: curatedOnly,
        rows: curatedGuests.flatMap((g) =>
          g.paravirt.map((x) => ({
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
      });

      await sync(ctx, {
        kind: 'equivalenceGroups',
        delegate: d('deviceEquivalenceGroup'),
        key: ['key'],
        rows: seed.equivalence.map((g) => ({ key: g.key, class: g.class, description: g.description, sourceRef: opt(g.sourceRef) })),
      });
      await sync(ctx, {
        kind: 'equivalenceMembers',
        delegate: d('deviceEquivalenceMember'),
        key: ['groupKey', 'deviceId'],
        scope: { groupKey: { in: seed.equivalence.map((g) => g.key) } },
        prune: true,
        rows: seed.equivalence.flatMap((g) =>
          g.members.map((m) => ({ groupKey: g.key, deviceId: m.deviceId, hypervisorKey: opt(m.hypervisorKey) })),
        ),
      });

      await syncCompatibility(ctx, d('compatibilityRecord'), seed, hwId);
      void hvId;

      summary.changed = SEED_KINDS.some((k) => summary[k].created + summary[k].updated + summary[k].deleted > 0);
      if (summary.changed) {
        const data = { source: 'seed', seedVersion: version };
        if (ctx.changes.length) await d('change').createMany({ data: ctx.changes.map((c) => ({ ...c, data })) });
        const counts = Object.fromEntries(SEED_KINDS.map((k) => [k, summary[k]]));
        const now = new Date();
        await d('importRun').createMany({
          data: [{ source: 'seed', sourceVersion: version, path: relative(process.cwd(), seed.dir) || '.', startedAt: new Date(started), finishedAt: now, status: 'OK', counts }],
        });
      }
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
  summary.durationMs = Date.now() - started;
  return summary;
}

/**
 * Compatibility records are history: a curated record's row id is derived from its key and content.
 * Unchanged content finds its row; changed content becomes a new row superseding the current one
 * for the same claim (guest, release, device, host feature, backend).
 */
async function syncCompatibility(ctx: Ctx, delegate: Delegate, seed: CuratedSeed, hwId: Map<string, string>): Promise<void> {
  const counts = ctx.summary.compatibilityRecords;
  const stored = await delegate.findMany({ where: { source: 'curated' }, select: { id: true, guestId: true, hypervisorReleaseId: true, deviceId: true, hostFeatureId: true, backend: true, supersededBy: { select: { id: true } } } });
  const byId = new Set(stored.map((r) => r.id as string));
  const claimOf = (r: Row) => [r.guestId, r.hypervisorReleaseId, r.deviceId ?? '', r.hostFeatureId ?? '', r.backend ?? ''].join('|');
  const heads = new Map(stored.filter((r) => !r.supersededBy).map((r) => [claimOf(r), r.id as string]));
  for (const rec of seed.compatibility) {
    const row: Row = {
      guestId: rec.guestId,
      hypervisorReleaseId: rec.hypervisorReleaseId,
      hostFeatureId: rec.hostFeatureKey ? hwId.get(rec.hostFeatureKey) : null,
      deviceId: opt(rec.deviceId),
      status: rec.status,
      backend: opt(rec.backend),
      testedDevices: rec.testedDevices,
      evidenceNotes: rec.evidenceNotes,
      evidenceUrl: rec.evidenceUrl,
      evidenceDate: day(rec.evidenceDate),
      submitterVendorId: opt(rec.submitterVendorId),
      reviewState: rec.reviewState,
      source: 'curated',
    };
    const id = uuidFromName(`${rec.key}\n${canonicalJson({ ...row, evidenceDate: rec.evidenceDate ?? null })}`);
    if (byId.has(id)) {
      counts.unchanged++;
      continue;
    }
    const head = heads.get(claimOf(row));
    await delegate.createMany({ data: [{ id, ...row, supersedesId: head ?? null }] });
    heads.set(claimOf(row), id);
    byId.add(id);
    if (head) {
      counts.updated++;
      ctx.changes.push({ entityType: 'CompatibilityRecord', entityId: id, op: 'SUPERSEDE' });
    } else {
      counts.created++;
      ctx.changes.push({ entityType: 'CompatibilityRecord', entityId: id, op: 'UPSERT' });
    }
  }
}
