// The paravirt basis step: reads the curated kernels (kernels.yaml), the derivation rules
// (paravirt-rules.yaml) and the add-on driver packages (drivers/*.yaml), writes the curated driver
// builds and the per-hypervisor answer features, then derives the paravirt rows no record or
// curated row answers (src/catalogue/paravirt-derive.ts). The seed and the osinfo-db import each
// call applyParavirtBasis() once, inside their transaction, after writing; it is idempotent, so
// either order ends in the same rows.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Sql } from '../src/db/sql.ts';
import { applyParavirtDerivation, type DeriveSummary, type KernelEntry, type ParavirtRules } from '../src/catalogue/paravirt-derive.ts';
import { driverBuildId } from '../src/catalogue/publish/driver-build.ts';
import { syncTable, type ColumnType, type SyncCounts, type TableSpec } from './importers/sync.ts';

export const PARAVIRT_SEED_DIR = fileURLToPath(new URL('./curated/', import.meta.url));

const url = z.url();
const version = z.string().regex(/^[0-9][0-9A-Za-z.\-_]*$/, 'a version: digits, dots and dashes');
const archs = z.array(z.enum(['i686', 'x86_64', 'aarch64', 'ia64', 'ppc64le', 's390x'])).min(1);

const KernelsFile = z.strictObject({
  releases: z.array(
    z.strictObject({
      distro: z.string().min(1),
      versions: z.array(z.string().min(1)).min(1),
      kernel: version,
      sourceRef: url,
      xenKernel: z.boolean().optional(),
      backports: z.boolean().optional(),
      distroFeatures: z.array(z.strictObject({ feature: z.string(), notes: z.string().optional(), sourceRef: url })).optional(),
      notes: z.string().optional(),
    }),
  ),
});

const RulesFile = z.strictObject({
  linux: z.array(
    z.strictObject({
      feature: z.string(),
      minKernel: version,
      maxKernel: version.optional(),
      arch: archs.optional(),
      notes: z.string().optional(),
      sourceRef: url,
    }),
  ),
  xenKernel: z.strictObject({ features: z.array(z.string()).min(1), sourceRef: url }),
  versions: z
    .array(
      z.strictObject({
        family: z.string(),
        features: z.array(z.string()).min(1),
        minVersion: version,
        only: z.enum(['absent', 'present']).optional(),
        arch: archs.optional(),
        notes: z.string().optional(),
        sourceRef: url,
      }),
    )
    .default([]),
  releases: z
    .array(
      z
        .strictObject({
          distros: z.array(z.string().min(1)).min(1),
          minVersion: version.optional(),
          belowVersion: version.optional(),
          features: z.array(z.string()).min(1),
          supported: z.boolean(),
          notes: z.string().optional(),
          sourceRef: url,
        })
        .refine((r) => r.minVersion || r.belowVersion, 'a release rule names minVersion, belowVersion or both'),
    )
    .default([]),
  families: z
    .array(
      z.strictObject({
        families: z.array(z.string()).min(1),
        features: z.array(z.string()).min(1),
        notes: z.string().min(1),
        sourceRef: url,
      }),
    )
    .default([]),
  requires: z
    .array(z.strictObject({ feature: z.string(), requires: z.string(), notes: z.string().optional(), sourceRef: url }))
    .default([]),
  windows: z.array(
    z.strictObject({
      features: z.array(z.string()).min(1),
      minNt: version.optional(),
      only: z.literal('absent').optional(),
      never: z.literal(true).optional(),
      arch: archs.optional(),
      notes: z.string().optional(),
      sourceRef: url,
    }),
  ),
  drivers: z.strictObject({ sourceRef: url }),
  hypervisors: z.array(
    z.strictObject({
      key: z.string(),
      also: z.array(z.string()).default([]),
      requires: z.array(z.string()).default([]),
      sourceRef: url,
    }),
  ),
});

export const DriverStatus = z.enum(['SUPPORTED', 'BROKEN', 'UNSUPPORTED']);

const DriverFile = z.strictObject({
  package: z.strictObject({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    name: z.string().min(1),
    family: z.enum(['KVM', 'XEN', 'VMWARE', 'HYPERV', 'CLOUD_HYPERVISOR', 'FIRECRACKER', 'GENERIC']),
    featureKey: z.string(),
    vendor: z.string().optional(),
    homepage: url.optional(),
    sourceRef: url,
  }),
  builds: z.array(
    z.strictObject({
      version,
      releaseDate: z.iso.date().optional(),
      notes: z.string().optional(),
      sourceRef: url,
      guests: z
        .array(
          z.strictObject({
            guest: z.string().min(1),
            arch: archs,
            status: DriverStatus.default('SUPPORTED'),
            reason: z.string().optional(),
            sourceRef: url.optional(),
          }),
        )
        .min(1),
    }),
  ),
});

export type DriverFileData = z.infer<typeof DriverFile>;

export interface ParavirtSeed {
  kernels: KernelEntry[];
  rules: ParavirtRules & z.infer<typeof RulesFile>;
  drivers: { file: string; data: DriverFileData }[];
}

export class ParavirtSeedError extends Error {
  override name = 'ParavirtSeedError';
  readonly code = 'SEED_INVALID';
}

function readYaml<S extends z.ZodType>(dir: string, file: string, schema: S): z.infer<S> {
  const full = join(dir, file);
  const parsed = schema.safeParse(parse(readFileSync(full, 'utf8')));
  if (!parsed.success) {
    const first = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`)
      .join('; ');
    throw new ParavirtSeedError(`${file}: ${first}`);
  }
  return parsed.data;
}

/** Reads and validates the kernel, rule and driver files; a bad file throws naming the file and field. */
export function loadParavirtSeed(dirIn: string = PARAVIRT_SEED_DIR): ParavirtSeed {
  // A seed folder without these files (a test's partial seed) uses the shipped ones.
  const dir = existsSync(join(dirIn, 'kernels.yaml')) ? dirIn : PARAVIRT_SEED_DIR;
  const kernels = readYaml(dir, 'kernels.yaml', KernelsFile).releases;
  const rules = readYaml(dir, 'paravirt-rules.yaml', RulesFile);
  const ddir = join(dir, 'drivers');
  const drivers = existsSync(ddir)
    ? readdirSync(ddir)
        .filter((n) => n.endsWith('.yaml'))
        .sort()
        .map((n) => ({ file: `drivers/${n}`, data: readYaml(dir, `drivers/${n}`, DriverFile) }))
    : [];
  const seen = new Set<string>();
  for (const k of kernels)
    for (const v of k.versions) {
      const key = `${k.distro} ${v}`;
      if (seen.has(key)) throw new ParavirtSeedError(`kernels.yaml: ${key} is listed twice`);
      seen.add(key);
    }
  return { kernels, rules, drivers };
}

type Row = Record<string, unknown>;
function spec(
  table: string,
  key: string[],
  columns: [string, ColumnType][],
  opts: { updatedAt?: boolean; owned: string; scope?: { column: string; values: readonly string[] } },
): TableSpec<Row> {
  return {
    table,
    key,
    columns: columns.map(([name, type]) => ({ name, type })),
    compare: columns.map(([n]) => n).filter((c) => !key.includes(c)),
    updatedAt: opts.updatedAt,
    owned: opts.owned,
    own: [],
    scope: opts.scope,
    get: (row, c) => row[c],
  };
}

export interface ParavirtBasisSummary {
  driverPackages: SyncCounts;
  driverBuilds: SyncCounts;
  driverSupport: SyncCounts;
  answerFeatures: SyncCounts;
  derived: DeriveSummary;
}

/**
 * Writes the curated driver packages and answer features, then derives paravirt rows; in the
 * caller's transaction. Rows a vendor published (source vendor:*) are never overwritten.
 */
export async function applyParavirtBasis(tx: Sql, opts: { dir?: string; seed?: ParavirtSeed } = {}): Promise<ParavirtBasisSummary> {
  const seed = opts.seed ?? loadParavirtSeed(opts.dir);
  const curated = `t."source" = 'curated'`;
  const packages = seed.drivers.map((d) => d.data.package);
  const { counts: driverPackages } = await syncTable(
    tx,
    spec(
      'DriverPackage',
      ['key'],
      [
        ['key', 'text'],
        ['name', 'text'],
        ['family', { enum: 'HypervisorFamily' }],
        ['featureKey', 'text'],
        ['vendor', 'text'],
        ['homepage', 'text'],
        ['source', 'text'],
        ['sourceRef', 'text'],
      ],
      { updatedAt: true, owned: curated },
    ),
    packages.map((p) => ({ ...p, vendor: p.vendor ?? null, homepage: p.homepage ?? null, source: 'curated' })),
  );
  const builds = seed.drivers.flatMap((d) => d.data.builds.map((b) => ({ pkg: d.data.package.key, b })));
  const { counts: driverBuilds } = await syncTable(
    tx,
    spec(
      'DriverBuild',
      ['id'],
      [
        ['id', 'text'],
        ['packageKey', 'text'],
        ['version', 'text'],
        ['releaseDate', 'date'],
        ['notes', 'text'],
        ['source', 'text'],
        ['sourceRef', 'text'],
      ],
      { updatedAt: true, owned: curated },
    ),
    builds.map(({ pkg, b }) => ({
      id: driverBuildId(pkg, b.version),
      packageKey: pkg,
      version: b.version,
      releaseDate: b.releaseDate ?? null,
      notes: b.notes ?? null,
      source: 'curated',
      sourceRef: b.sourceRef,
    })),
  );
  const ownedBuilds = (
    await tx.query<{ id: string }>(`SELECT id FROM "DriverBuild" WHERE source = 'curated' AND id = ANY($1::text[])`, [
      builds.map(({ pkg, b }) => driverBuildId(pkg, b.version)),
    ])
  ).map((r) => r.id);
  const owned = new Set(ownedBuilds);
  const { counts: driverSupport } = await syncTable(
    tx,
    spec(
      'DriverBuildGuest',
      ['buildId', 'guestId', 'arch'],
      [
        ['buildId', 'text'],
        ['guestId', 'text'],
        ['arch', 'text'],
        ['status', { enum: 'DriverSupportStatus' }],
        ['reason', 'text'],
        ['sourceRef', 'text'],
      ],
      { owned: 'true', scope: { column: 'buildId', values: ownedBuilds } },
    ),
    await resolveGuests(
      tx,
      builds
        .filter(({ pkg, b }) => owned.has(driverBuildId(pkg, b.version)))
        .flatMap(({ pkg, b }) =>
          b.guests.flatMap((g) =>
            g.arch.map((arch) => ({
              buildId: driverBuildId(pkg, b.version),
              guestId: g.guest,
              arch,
              status: g.status,
              reason: g.reason ?? null,
              sourceRef: g.sourceRef ?? null,
            })),
          ),
        ),
    ),
  );
  const { counts: answerFeatures } = await syncTable(
    tx,
    spec(
      'ParavirtAnswerFeature',
      ['hypervisorKey', 'featureKey'],
      [
        ['hypervisorKey', 'text'],
        ['featureKey', 'text'],
        ['required', 'bool'],
        ['sourceRef', 'text'],
      ],
      { owned: 'true', scope: { column: 'hypervisorKey', values: [...new Set(seed.rules.hypervisors.map((h) => h.key))] } },
    ),
    seed.rules.hypervisors.flatMap((h) =>
      [...new Set([...h.also, ...h.requires])].map((f) => ({
        hypervisorKey: h.key,
        featureKey: f,
        required: h.requires.includes(f),
        sourceRef: h.sourceRef,
      })),
    ),
  );
  await tx.query(
    `INSERT INTO "ParavirtRuleSet" (id, data, "updatedAt") VALUES ('curated', $1::jsonb, now())
     ON CONFLICT (id) DO UPDATE SET data = excluded.data, "updatedAt" = now() WHERE "ParavirtRuleSet".data IS DISTINCT FROM excluded.data`,
    [JSON.stringify({ kernels: seed.kernels, rules: seed.rules })],
  );
  const derived = await applyParavirtDerivation(tx);
  return { driverPackages, driverBuilds, driverSupport, answerFeatures, derived };
}

/** Driver files name guests by short id or id; stored rows use the id when the guest exists. */
async function resolveGuests(tx: Sql, rows: Row[]): Promise<Row[]> {
  const refs = [...new Set(rows.map((r) => String(r.guestId)))];
  const found = await tx.query<{ ref: string; id: string }>(
    `SELECT r.ref, g.id FROM unnest($1::text[]) AS r(ref)
       JOIN LATERAL (SELECT id FROM "GuestOS" WHERE id = r.ref OR r.ref = ANY("shortIds") ORDER BY (id = r.ref) DESC, id LIMIT 1) g ON true`,
    [refs],
  );
  const byRef = new Map(found.map((f) => [f.ref, f.id]));
  return rows.map((r) => ({ ...r, guestId: byRef.get(String(r.guestId)) ?? r.guestId }));
}
