// What every benchmark shares: a scratch PostgreSQL database with the catalogue in it, a service (or
// any node process) started on a free port and awaited until it says where it listens, the
// process's CPU, memory and descriptors read from /proc, interleaved rounds, and the statistics
// the benchmarks print (median, percentiles, ratios with their spread).
//
// Environment (read here once for every benchmark): BENCH_DATABASE_URL (a PostgreSQL server to
// create scratch databases on; default postgresql://postgres@127.0.0.1:5432/postgres) and
// BENCH_DB_PREFIX (default vc_bench: the scratch databases are <prefix>, <prefix>_matrix, ...; give
// each person running benchmarks on one server a prefix of their own, as a scratch database is
// dropped when a benchmark starts).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Database } from '../../src/db/index.ts';
import { must } from '../../src/util/must.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const DB_PREFIX = process.env.BENCH_DB_PREFIX ?? 'vc_bench';
export const OSINFO_PATH = process.env.OSINFO_PATH ?? '/usr/share/osinfo';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function onServer(adminUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/**
 * Drops and creates the scratch database `<BENCH_DB_PREFIX><suffix>` on `adminUrl`'s server (default
 * BENCH_DATABASE_URL); returns its URL, its name and a way to drop it.
 */
export async function scratchDatabase(suffix = '', adminUrl = ADMIN_URL): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${DB_PREFIX}${suffix}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`BENCH_DB_PREFIX must make a plain identifier: ${name}`);
  const drop = () => onServer(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await drop();
  await onServer(adminUrl, `CREATE DATABASE ${name}`);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), name, drop };
}

/**
 * A scratch database with the catalogue: migrations, the curated seed, and all of osinfo-db when
 * `osinfo` is set (and the files are there). The caller closes the returned database.
 */
export async function catalogueDatabase(suffix: string, opts: { osinfo?: boolean; poolSize?: number } = {}) {
  const { url, name } = await scratchDatabase(suffix);
  // loaded here: the service's modules take seconds, and a benchmark that only spawns processes needs none of them
  const { openDatabase } = await import('../../src/db/index.ts');
  const { prepareDatabase } = await import('../../src/api/startup.ts');
  const db: Database = await openDatabase({ kind: 'postgres', url, poolSize: opts.poolSize ?? 2 });
  await prepareDatabase(db, { seed: true, osinfo: { enabled: opts.osinfo ?? false, path: OSINFO_PATH } });
  return { url, name, db };
}

/** A started process: its pid, the port its ready line named, and a way to stop it. */
export interface Started {
  child: ChildProcess;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  base: string;
  /** The last 20,000 characters the process wrote (stdout and stderr). */
  output(): string;
  /** SIGTERM (or the given signal) and wait for the exit; nothing if it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `node <args>` in the project's root with `env` over this process's environment and
 * resolves when its output matches `ready` (whose first group is the port); rejects if it exits
 * first. The output is drained for the process's whole life (a full pipe would block it), keeping
 * only its tail.
 */
export function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let up = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const onData = (b: Buffer) => {
      out = (out + b.toString()).slice(-20_000);
      if (up) return;
      const m = ready.exec(out);
      if (!m) return;
      up = true;
      const port = Number(m[1]);
      resolve({
        child,
        pid: must(child.pid, 'a started process has a pid'),
        port,
        base: `http://127.0.0.1:${port}`,
        output: () => out,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => {
      if (!up) reject(new Error(`${args.join(' ')} exited ${code ?? signal} before it was ready:\n${out.slice(-2000)}`));
    });
  });
}

/** The environment every benchmark's service runs with: no seeding or import at start, no rate limit (the load comes from one address). */
export const SERVICE_ENV: Readonly<Record<string, string>> = {
  PORT: '0',
  LOG_LEVEL: 'info',
  SEED_ON_START: 'false',
  IMPORT_OSINFO_ON_START: 'false',
  RATE_LIMIT_ENABLED: 'false',
};

/** `virtcompat serve` on `databaseUrl`, ready when it logs its GraphQL URL. */
export function startService(databaseUrl: string, env: Record<string, string> = {}): Promise<Started> {
  return startProcess(
    ['bin/virtcompat.mjs', 'serve'],
    { ...SERVICE_ENV, DATABASE_URL: databaseUrl, ...env },
    /"url":"http:\/\/127\.0\.0\.1:(\d+)\/graphql"/,
  );
}

/** The raw floor (bench/floor.ts) on `databaseUrl`. */
export function startFloor(databaseUrl: string): Promise<Started> {
  return startProcess(['--import', 'tsx', 'bench/floor.ts'], { DATABASE_URL: databaseUrl, PORT: '0' }, /listening (\d+)/);
}

/** CPU seconds (user + system) the process has used: load-independent cost per request. */
export function cpuSeconds(pid: number): number {
  const fields = must(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1], `the fields of /proc/${pid}/stat`).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // the process has exited
  }
}

/** Resident memory now, MiB (0 once the process has exited). */
export const rssMiB = (pid: number) => Math.round(statusKiB(pid, 'VmRSS') / 1024);
/** The most resident memory the process has had, MiB. */
export const peakRssMiB = (pid: number) => Math.round(statusKiB(pid, 'VmHWM') / 1024);

/** Open file descriptors (sockets, listeners, files) of the process; 0 once it has exited. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[Math.floor((s.length - 1) / 2)] ?? Number.NaN) + (s[Math.ceil((s.length - 1) / 2)] ?? Number.NaN)) / 2;
};

/** The p-quantile (0 ≤ p ≤ 1) by the nearest rank; NaN for no values. */
export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};

export function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, sd };
}

/** A list of per-round ratios as one line: mean ± sd, median, min, max, rounds. */
export function spread(xs: number[]): string {
  const { mean, sd } = meanSd(xs);
  return `${mean.toFixed(2)} ± ${sd.toFixed(2)}, median ${median(xs).toFixed(2)} (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)}, ${xs.length} rounds)`;
}

/**
 * Interleaved rounds (A B A B ...): in each round every side is measured once, so a change in the
 * machine's load falls on all sides alike; with `alternate` the order reverses every other round
 * (A B, B A, ...), so neither side always follows the other. Returns each side's values by round.
 */
export async function interleaved<S extends string, M>(
  rounds: number,
  sides: readonly S[],
  measure: (side: S, round: number) => Promise<M>,
  opts: { alternate?: boolean } = {},
): Promise<Record<S, M[]>> {
  const out = Object.fromEntries(sides.map((s) => [s, [] as M[]])) as Record<S, M[]>;
  for (let round = 1; round <= rounds; round++) {
    const order = opts.alternate && round % 2 === 0 ? [...sides].reverse() : sides;
    for (const side of order) out[side].push(await measure(side, round));
  }
  return out;
}

/** Per-round ratios a[i] / b[i]. */
export const ratios = (a: number[], b: number[]): number[] => a.map((x, i) => x / must(b[i], `round ${i + 1} of the denominator`));
