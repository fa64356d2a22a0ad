// Start-up benchmark (issue 11): a newcomer's `npm start` on a fresh clone, i.e. a new embedded
// database folder, timed from the spawn of `npm start` to the first 200 from GET /readyz, split
// into node + module loading, opening the database (a new PGlite folder is initialised), migrate,
// seed and osinfo-db import, as the service logs them.
//
// Variants, run interleaved (A B C, A B C, ...) so machine load falls on all alike:
//   full      this tree, osinfo-db imported at first start (the default)
//   seed-only this tree, IMPORT_OSINFO_ON_START=false
//   baseline  another tree's `npm start` (--baseline DIR, e.g. the integration tree before this
//             change: row-by-row seed, no osinfo-db), when given
//
//   node --import tsx bench/start.ts [--runs 3] [--baseline /path/to/other/tree]
//
// Target: full < 15 s on a quiet 2-core machine with osinfo-db installed. On a loaded machine the
// service's CPU time until ready (user + system, logged with the split) estimates that figure: the
// start runs on one thread at a time, so on a quiet machine its wall time is about its CPU time.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, baseline: { type: 'string' } } });
const RUNS = Number(values.runs);

interface Variant {
  name: string;
  cwd: string;
  env: Record<string, string>;
}

interface Run {
  readyMs: number;
  /** From the service's "database ready" log line, when it writes one. */
  startup?: { loadMs: number; openMs: number; migrateMs: number; seedMs: number; osinfoMs: number; cpuMs: number };
  guests: number;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const addr = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  if (!addr || typeof addr === 'string') throw new Error('no free port');
  return addr.port;
}

async function once(v: Variant): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vc-bench-start-'));
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: v.cwd,
    env: { ...process.env, DATABASE_URL: '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...v.env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stderr.on('data', (b: Buffer) => (log += b.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  try {
    const deadline = Date.now() + 600_000;
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (exited) throw new Error(`${v.name}: the service exited before it was ready:\n${log.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`${v.name}: not ready within 600 s`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) readyMs = performance.now() - started;
      } catch {
        // not listening yet
      }
      if (readyMs === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ guestOSes(first: 1) { totalCount } }' }),
    });
    const body = (await res.json()) as { data?: { guestOSes?: { totalCount?: number } } };
    let startup: Run['startup'];
    for (const line of log.split('\n')) {
      try {
        const j = JSON.parse(line) as { startup?: Run['startup'] };
        if (j.startup) startup = j.startup;
      } catch {
        // not a JSON log line
      }
    }
    return { readyMs, startup, guests: body.data?.guestOSes?.totalCount ?? -1 };
  } finally {
    if (child.pid && !exited) {
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const variants: Variant[] = [
  { name: 'full', cwd: ROOT, env: {} },
  { name: 'seed-only', cwd: ROOT, env: { IMPORT_OSINFO_ON_START: 'false' } },
  ...(values.baseline ? [{ name: 'baseline', cwd: values.baseline, env: {} }] : []),
];

const results = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
console.error(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
for (let i = 0; i < RUNS; i++) {
  for (const v of variants) {
    const r = await once(v);
    results.get(v.name)?.push(r);
    const s = r.startup;
    console.error(
      `round ${i + 1} ${v.name}: ready ${(r.readyMs / 1000).toFixed(1)} s${s ? ` (node+modules ${s.loadMs} ms, open ${s.openMs} ms, migrate ${s.migrateMs} ms, seed ${s.seedMs} ms, osinfo ${s.osinfoMs} ms; CPU ${s.cpuMs} ms)` : ''}, ${r.guests} guests, load ${loadavg()[0]?.toFixed(1)}`,
    );
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const fmt = (xs: number[]) =>
  `${(median(xs) / 1000).toFixed(1)} s [${(Math.min(...xs) / 1000).toFixed(1)}–${(Math.max(...xs) / 1000).toFixed(1)}]`;
console.log(`| variant | npm start → /readyz | node + modules | open database | migrate | seed | osinfo-db | service CPU time | guests |`);
console.log(`|---|---|---|---|---|---|---|---|---|`);
for (const [name, runs] of results) {
  const st = runs.map((r) => r.startup).filter((s): s is NonNullable<Run['startup']> => s !== undefined);
  const part = (k: keyof NonNullable<Run['startup']>) => (st.length ? fmt(st.map((s) => s[k])) : 'n/a');
  console.log(
    `| ${name} | ${fmt(runs.map((r) => r.readyMs))} | ${part('loadMs')} | ${part('openMs')} | ${part('migrateMs')} | ${part('seedMs')} | ${part('osinfoMs')} | ${part('cpuMs')} | ${runs[0]?.guests ?? '?'} |`,
  );
}
const full = results.get('full') ?? [];
const base = results.get('baseline') ?? [];
if (base.length === full.length && full.length > 0) {
  const ratios = full.map((r, i) => (base[i]?.readyMs ?? Number.NaN) / r.readyMs);
  console.log(`baseline / full, per round: ${ratios.map((x) => x.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`);
}
