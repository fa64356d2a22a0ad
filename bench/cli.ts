// CLI overhead benchmark (issue 11 item 3): what each command spends around its work — node and
// tsx start-up, loading the command's modules, booting the embedded database, the migration
// check — for this tree and, with --baseline, an older checkout, run interleaved (A B, B A ...).
//
//   node --import tsx bench/cli.ts [--baseline DIR] [--rounds 5] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
//
// A baseline tree: `git archive <commit> | tar -x -C DIR`, then link node_modules and copy
// src/generated into it. Each tree gets its own migrated PGlite folder and PostgreSQL database,
// with a small pci.ids imported, before anything is timed.
//
// Per command: the wall time of the process; for imports also the import's own duration (its
// summary's durationMs) and the overhead (wall − import). Reported as medians with min–max, and the
// after/before ratio of the medians with the spread of the per-round ratios.
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { scratchDatabase } from './lib/harness.ts';

const HERE = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    'admin-url': { type: 'string', default: 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const ROUNDS = Number(values.rounds);
const adminUrl = values['admin-url'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A small pci.ids (two vendors of the installed one), so the import's own work is short. */
function smallPciIds(dir: string): string {
  const lines = readFileSync('/usr/share/misc/pci.ids', 'utf8').split('\n');
  const out: string[] = [];
  let keep = false;
  for (const line of lines) {
    const v = /^([0-9a-f]{4})\s/.exec(line);
    if (v) keep = v[1] === '1af4' || v[1] === '1b36';
    else if (/^[A-Z]+ /.test(line)) keep = false;
    if (keep) out.push(line);
  }
  const path = join(dir, 'pci.ids');
  writeFileSync(path, `${out.join('\n')}\n`);
  return path;
}

interface Tree {
  label: string;
  root: string;
  pglite: Record<string, string>;
  postgres: Record<string, string>;
  drop(): Promise<void>;
}

async function createDb(): Promise<{ url: string; drop(): Promise<void> }> {
  return scratchDatabase(`_cli_${randomBytes(5).toString('hex')}`, adminUrl);
}

interface Run {
  wallMs: number;
  workMs?: number;
  code: number | null;
  stderr: string;
}

function run(tree: Tree, env: Record<string, string>, args: string[]): Run {
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(tree.root, 'bin/virtcompat.mjs'), ...args], {
    cwd: tree.root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
  });
  const wallMs = performance.now() - t;
  let workMs: number | undefined;
  if (args.includes('--json') && args[0] === 'import') {
    try {
      workMs = (JSON.parse(r.stdout) as { durationMs?: number }).durationMs;
    } catch {}
  }
  return { wallMs, workMs, code: r.status, stderr: r.stderr };
}

async function setUp(label: string, root: string, work: string): Promise<Tree> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-bench-cli-'));
  const db = await createDb();
  const tree: Tree = {
    label,
    root,
    pglite: { DATA_DIR: dataDir },
    postgres: { DATABASE_URL: db.url },
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
      await db.drop();
    },
  };
  for (const env of [tree.pglite, tree.postgres]) {
    const r = run(tree, env, ['import', 'pci-ids', join(work, 'pci.ids'), '--quiet', '--json']);
    if (r.code !== 0) throw new Error(`${label}: set-up import failed:\n${r.stderr}`);
  }
  return tree;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const spread = (xs: number[]) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

const work = mkdtempSync(join(tmpdir(), 'vc-bench-cli-work-'));
smallPciIds(work);
const cases: Array<{ name: string; db: 'pglite' | 'postgres' | null; args: string[] }> = [
  { name: '--help (start-up only)', db: null, args: ['--help'] },
  { name: 'vendor list, embedded', db: 'pglite', args: ['vendor', 'list'] },
  { name: 'vendor list, PostgreSQL', db: 'postgres', args: ['vendor', 'list'] },
  { name: 'key list, embedded', db: 'pglite', args: ['key', 'list'] },
  { name: 'import pci-ids (small), embedded', db: 'pglite', args: ['import', 'pci-ids', join(work, 'pci.ids'), '--quiet', '--json'] },
  { name: 'import pci-ids (small), PostgreSQL', db: 'postgres', args: ['import', 'pci-ids', join(work, 'pci.ids'), '--quiet', '--json'] },
  { name: 'export osinfo, embedded', db: 'pglite', args: ['export', 'osinfo', join(work, 'export'), '--force', '--json'] },
];

const trees: Tree[] = [];
try {
  trees.push(await setUp('after', HERE, work));
  if (values.baseline) trees.push(await setUp('before', resolve(values.baseline), work));
  const results = new Map<string, Run[]>();
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round so neither tree always runs on a warmer machine.
    const order = round % 2 ? [...trees].reverse() : trees;
    for (const c of cases) {
      for (const tree of order) {
        const r = run(tree, c.db ? tree[c.db] : {}, c.args);
        if (r.code !== 0) throw new Error(`${tree.label} ${c.args.join(' ')} exited ${r.code}:\n${r.stderr}`);
        const key = `${c.name}|${tree.label}`;
        results.set(key, [...(results.get(key) ?? []), r]);
      }
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  console.log(`CLI overhead, ${ROUNDS} interleaved rounds; medians in ms (min–max)`);
  for (const c of cases) {
    const row = [c.name.padEnd(38)];
    const byTree = trees.map((t) => results.get(`${c.name}|${t.label}`) ?? []);
    for (const [i, runs] of byTree.entries()) {
      const label = trees[i]?.label ?? '?';
      const walls = runs.map((r) => r.wallMs);
      const works = runs.map((r) => r.workMs).filter((x): x is number => x !== undefined);
      const over = runs.filter((r) => r.workMs !== undefined).map((r) => r.wallMs - (r.workMs ?? 0));
      row.push(
        `${label}: wall ${Math.round(median(walls))} (${spread(walls)})` +
          (works.length ? `, import ${Math.round(median(works))}, overhead ${Math.round(median(over))} (${spread(over)})` : ''),
      );
    }
    const [after, before] = byTree;
    if (after && before && before.length === after.length) {
      const ratios = after.map((a, i) => a.wallMs / (before[i]?.wallMs ?? Number.NaN));
      row.push(
        `after/before ${(median(after.map((r) => r.wallMs)) / median(before.map((r) => r.wallMs))).toFixed(2)} (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      );
    }
    console.log(row.join('  |  '));
  }
} finally {
  for (const t of trees) await t.drop();
  rmSync(work, { recursive: true, force: true });
}
