// Import benchmark: the whole installed osinfo-db and pci.ids into PostgreSQL and into the
// embedded PGlite (on disk), first import and no-change re-import, as the library call and as
// the CLI process a user runs (which adds node start-up, PGlite boot and the migration check).
// It also measures the alternative write strategy the importers did not take, on the biggest
// table: INSERT .. ON CONFLICT DO UPDATE .. WHERE <differs> per table, against the set-based
// statement in seed/importers/sync.ts.
//
//   node --import tsx bench/import.ts [--admin-url postgresql://postgres@127.0.0.1:5432/postgres] [--runs 3]
//
// Targets (issue 3): osinfo-db into PostgreSQL < 20 s, into PGlite < 60 s, re-import < 1/3 of that.
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { scratchDatabase } from './lib/harness.ts';
import { openDatabase, type Database, type DatabaseTarget } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Sql } from '../src/db/sql.ts';
import { importOsinfo } from '../seed/importers/osinfo/import.ts';
import { importPciIds } from '../seed/importers/pci-ids.ts';
import { loadHwIds } from '../seed/importers/hwids.ts';
import { classify, kindOf, pciDeviceUri } from '../seed/importers/devices.ts';
import { syncTable, type TableSpec } from '../seed/importers/sync.ts';
import { deviceSpec } from '../seed/importers/tables.ts';
import type { DeviceRow } from '../seed/importers/osinfo/rows.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    'admin-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
    runs: { type: 'string', default: '3' },
  },
});
const RUNS = Number(values.runs);
const adminUrl = values['admin-url']!;

interface Target {
  label: string;
  target: DatabaseTarget;
  env: Record<string, string>;
  drop(): Promise<void>;
}

async function pgTarget(): Promise<Target> {
  const { url, drop } = await scratchDatabase(`_${randomBytes(5).toString('hex')}`, adminUrl);
  return { label: 'PostgreSQL', target: { kind: 'postgres', url, poolSize: 4 }, env: { DATABASE_URL: url }, drop };
}

function pgliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'vc-bench-'));
  return {
    label: 'PGlite',
    target: { kind: 'pglite', dataDir: dir },
    env: { DATA_DIR: dir },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN; // NaN: no runs
const fmt = (x: number) => `${(x / 1000).toFixed(2)} s`;

async function withDb<T>(t: Target, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(t.target);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Library call timings: first import on an empty database, then RUNS no-change re-imports. */
async function libraryRuns(make: () => Promise<Target> | Target, work: (db: Database) => Promise<unknown>) {
  const firsts: number[] = [];
  const agains: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = await make();
    try {
      await withDb(t, async (db) => {
        let t0 = process.hrtime.bigint();
        await work(db);
        firsts.push(ms(t0));
        t0 = process.hrtime.bigint();
        await work(db);
        agains.push(ms(t0));
      });
    } finally {
      await t.drop();
    }
  }
  return { first: median(firsts), again: median(agains) };
}

/** The CLI as a user runs it: wall time of `virtcompat import ...` processes. */
async function cliRuns(make: () => Promise<Target> | Target, args: string[]) {
  const t = await make();
  try {
    const run = () => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin/virtcompat.mjs'), ...args, '--quiet', '--json'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...t.env },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`virtcompat ${args.join(' ')} failed: ${r.stderr}`);
      return { wall: ms(t0), inside: (JSON.parse(r.stdout) as { durationMs: number }).durationMs };
    };
    const first = run();
    const again = run();
    return { first, again };
  } finally {
    await t.drop();
  }
}

/** INSERT .. ON CONFLICT DO UPDATE .. WHERE differs, for comparison with syncTable. */
async function upsertTable(tx: Sql, spec: TableSpec<DeviceRow>, rows: DeviceRow[]) {
  const cols = spec.columns.map((c) => `"${c.name}"`);
  const params = spec.columns.map((c) => rows.map((r) => spec.get(r, c.name) ?? null));
  const types = spec.columns.map((c) => (typeof c.type === 'object' ? 'text[]' : `${c.type}[]`));
  const sel = spec.columns.map((c) =>
    typeof c.type === 'object' && 'enum' in c.type ? `s."${c.name}"::"${c.type.enum}"` : `s."${c.name}"`,
  );
  const cmpT = spec.compare.map((c) => `"Device"."${c}"`).join(', ');
  const cmpS = spec.compare.map((c) => `excluded."${c}"`).join(', ');
  const res = await tx.query<{ inserted: boolean }>(
    `INSERT INTO "Device" (${cols.join(', ')}, "updatedAt")
     SELECT ${sel.join(', ')}, now() FROM unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')}) AS s(${cols.join(', ')})
     ON CONFLICT (id) DO UPDATE SET ${spec.columns
       .filter((c) => c.name !== 'id')
       .map((c) => `"${c.name}" = excluded."${c.name}"`)
       .join(', ')}, "updatedAt" = now()
      WHERE "Device".source = ANY($${cols.length + 1}::text[]) AND ROW(${cmpT}) IS DISTINCT FROM ROW(${cmpS})
     RETURNING (xmax = 0) AS inserted`,
    [...params, [...spec.own]],
  );
  return res.length;
}

async function pciDeviceRows(): Promise<DeviceRow[]> {
  const ids = await loadHwIds('/usr/share/misc/pci.ids', 'pci');
  const rows: DeviceRow[] = [];
  for (const v of ids.vendors.values()) {
    for (const d of v.devices.values()) {
      const ident = { bus: 'pci', vendorId: v.id, productId: d.id };
      rows.push({
        id: pciDeviceUri(v.id, d.id),
        name: d.name,
        vendorName: v.name,
        bus: 'pci',
        vendorId: v.id,
        productId: d.id,
        subsystemVendorId: null,
        subsystemId: null,
        class: classify(null, ident),
        rawClass: null,
        ...kindOf(ident, false),
        description: null,
        source: 'pci.ids',
        sourceVersion: ids.version,
        sourceRef: null,
      });
    }
  }
  return rows;
}

async function strategyRuns(make: () => Promise<Target> | Target, rows: DeviceRow[]) {
  const spec = deviceSpec(['pci.ids']);
  const out: Record<string, { first: number; again: number }> = {};
  const strategies: [string, (tx: Sql) => Promise<unknown>][] = [
    ['plan + set-based CTE (syncTable)', (tx) => syncTable(tx, spec, rows)],
    ['INSERT .. ON CONFLICT DO UPDATE', (tx) => upsertTable(tx, spec, rows)],
  ];
  for (const [name, fn] of strategies) {
    out[name] = await libraryRuns(make, async (db) => db.sql.transaction((tx) => fn(tx)));
  }
  return out;
}

const lines: string[] = [];
const say = (s: string) => {
  lines.push(s);
  process.stdout.write(s + '\n');
};

say(`import benchmark: ${RUNS} run(s) per figure, median; ${new Date().toISOString()}`);
for (const make of [pgTarget, pgliteTarget] as (() => Promise<Target> | Target)[]) {
  const label = await Promise.resolve(make()).then(async (t) => {
    await t.drop();
    return t.label;
  });
  const osinfo = await libraryRuns(make, (db) => importOsinfo(db, {}));
  say(`${label.padEnd(10)} osinfo-db  import ${fmt(osinfo.first)}   re-import ${fmt(osinfo.again)}   (library call)`);
  const pci = await libraryRuns(make, (db) => importPciIds(db, {}));
  say(`${label.padEnd(10)} pci.ids    import ${fmt(pci.first)}   re-import ${fmt(pci.again)}   (library call)`);
  const cli = await cliRuns(make, ['import', 'osinfo']);
  say(
    `${label.padEnd(10)} osinfo-db  CLI wall ${fmt(cli.first.wall)} (import ${fmt(cli.first.inside)})   ` +
      `re-import wall ${fmt(cli.again.wall)} (import ${fmt(cli.again.inside)})`,
  );
}
const rows = await pciDeviceRows();
for (const make of [pgTarget, pgliteTarget] as (() => Promise<Target> | Target)[]) {
  const label = await Promise.resolve(make()).then(async (t) => {
    await t.drop();
    return t.label;
  });
  const s = await strategyRuns(make, rows);
  for (const [name, r] of Object.entries(s)) {
    say(`${label.padEnd(10)} ${rows.length} Device rows, ${name.padEnd(32)} first ${fmt(r.first)}   re-run ${fmt(r.again)}`);
  }
}
