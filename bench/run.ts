// `npm run bench`: starts the service on PostgreSQL with the curated seed and all of osinfo-db and
// measures the three benchmark questions with autocannon (10 connections, after a warm-up), with
// the response cache off and on, next to a raw floor (bench/floor.ts: node:http + pg + hand-written
// SQL). The three servers run side by side and are measured interleaved (floor, off, on, floor ...
// BENCH_ROUNDS rounds); ratios to the floor are taken within a round and printed with their spread.
// Prints requests/s, p50/p99 latency, CPU per request, idle and peak memory.
//
// Then authenticated vs anonymous reads: the same question with and without an API key, measured
// interleaved (anonymous, keyed, anonymous, keyed ... BENCH_AUTH_ROUNDS rounds of BENCH_AUTH_SECONDS
// each), cache off and on, printed as the ratio keyed/anonymous per round with its mean and spread.
//
// Last, the compatibility matrix (bench/matrix.ts): the service's `matrix` for 100 guests × 24
// releases against a hand-written SQL floor, interleaved A/B rounds, and the whole catalogue's
// level counts.
//
// Environment: BENCH_DATABASE_URL (a PostgreSQL server to create a scratch database on; default
// postgresql://postgres@127.0.0.1:5432/postgres), BENCH_SECONDS (default 10), BENCH_CONNECTIONS (10),
// BENCH_ROUNDS (3), BENCH_AUTH_ROUNDS (4), BENCH_AUTH_SECONDS (3), BENCH_OSINFO=0 (curated seed only),
// BENCH_ONLY=auth (only the authenticated-reads part), BENCH_ONLY=matrix (only the matrix; its own
// settings are in bench/matrix.ts), BENCH_ONLY=web (only the web pages: bench/web.ts, BENCH_WEB_ROUNDS rounds).
// BENCH_ONLY=fleet (only bench/fleet.ts: 10,000 runtimes keeping their catalogue snapshot current).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { openDatabase } from '../src/db/index.ts';
import { prepareDatabase } from '../src/api/startup.ts';
import { QUERIES, type QueryName } from './queries.ts';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { must } from '../src/util/must.ts';
import { matrixBench } from './matrix.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Math.max(2, Math.round(SECONDS / 4));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const AUTH_ROUNDS = Number(process.env.BENCH_AUTH_ROUNDS ?? 4);
const AUTH_SECONDS = Number(process.env.BENCH_AUTH_SECONDS ?? 3);
const ONLY = process.env.BENCH_ONLY;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
// The load comes from one address; the per-client rate limit would measure itself, not the service.
const SERVICE_ENV = { RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_BURST: '1000000', LOG_LEVEL: 'info', SEED_ON_START: 'false' };

async function scratchDatabase(): Promise<string> {
  const name = 'vc_bench';
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = ready.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`)));
  });
}

/** CPU seconds (user + system) the process has used: load-independent cost per request. */
function cpuSeconds(pid: number): number {
  const fields = must(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1], `the fields of /proc/${pid}/stat`).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

interface Target {
  name: string;
  request(q: QueryName): { path: string; method: 'GET' | 'POST'; body?: string };
}

function graphqlTarget(name: string): Target {
  return {
    name,
    request: (q) => ({
      path: '/graphql',
      method: 'POST',
      body: JSON.stringify({ query: QUERIES[q].query, variables: QUERIES[q].variables }),
    }),
  };
}

const floorTarget: Target = {
  name: 'raw floor',
  request: (q) => {
    const v = QUERIES[q].variables as Record<string, unknown>;
    const qs = new URLSearchParams();
    for (const [k, val] of Object.entries(v)) for (const x of Array.isArray(val) ? val : [val]) qs.append(k, String(x));
    return { path: `/${q}?${qs}`, method: 'GET' };
  },
};

async function fetchOnce(port: number, t: Target, q: QueryName): Promise<unknown> {
  const r = t.request(q);
  const res = await fetch(`http://127.0.0.1:${port}${r.path}`, {
    method: r.method,
    headers: r.body ? { 'content-type': 'application/json' } : {},
    body: r.body,
  });
  const json = (await res.json()) as { data?: unknown; errors?: unknown };
  if (res.status !== 200 || json.errors) throw new Error(`${t.name} ${q}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
  return json.data;
}

async function measure(port: number, t: Target, q: QueryName, seconds: number, extraHeaders: Record<string, string> = {}) {
  const r = t.request(q);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${r.path}`,
    method: r.method,
    headers: { ...(r.body ? { 'content-type': 'application/json' } : {}), ...extraHeaders },
    body: r.body,
    connections: CONNECTIONS,
    duration: seconds,
  });
  if (result.non2xx || result.errors) throw new Error(`${t.name} ${q}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

type Row = { target: string; query: QueryName; round: number; rps: number; p50: number; p99: number; cpuUs: number };

function currentRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

/** Mean, median and the spread of a list of ratios, as one line. */
export function spread(xs: number[]): string {
  const sorted = [...xs].sort((a, b) => a - b);
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const median = ((sorted[Math.floor((sorted.length - 1) / 2)] ?? 0) + (sorted[Math.ceil((sorted.length - 1) / 2)] ?? 0)) / 2;
  return `median ${median.toFixed(2)} (min ${(sorted[0] ?? 0).toFixed(2)}, max ${(sorted.at(-1) ?? 0).toFixed(2)}, mean ${mean.toFixed(2)}, ${xs.length} rounds)`;
}

async function run() {
  if (ONLY === 'matrix') return matrixBench();
  if (ONLY === 'web') return (await import('./web.ts')).benchWeb(Number(process.env.BENCH_WEB_ROUNDS ?? 3));
  if (ONLY === 'fleet') {
    const fleet = spawn(process.execPath, ['--import', 'tsx', 'bench/fleet.ts'], { cwd: ROOT, stdio: 'inherit' });
    const code = await new Promise<number | null>((r) => fleet.once('exit', r));
    if (code !== 0) throw new Error(`bench/fleet.ts exited ${code}`);
    return;
  }
  const url = await scratchDatabase();
  const db = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
  // The full catalogue a user runs: the curated seed and every osinfo-db OS (BENCH_OSINFO=0: seed only).
  const osinfoPath = process.env.OSINFO_PATH ?? '/usr/share/osinfo';
  await prepareDatabase(db, { seed: true, osinfo: { enabled: process.env.BENCH_OSINFO !== '0', path: osinfoPath } });
  const { key } = await createApiKey({ db, actor: SYSTEM }, { role: 'MAINTAINER', vendorId: null, label: 'bench' });
  const [sizes] = await db.sql.query<{ guests: number; devices: number }>(
    `SELECT (SELECT count(*)::int FROM "GuestOS") AS guests, (SELECT count(*)::int FROM "GuestOSDevice") AS devices`,
  );
  const { guests, devices } = must(sizes, 'the one row of a SELECT without FROM');
  await db.close();
  console.log(`catalogue: ${guests} guests, ${devices} device links (PostgreSQL, scratch database vc_bench)`);
  console.log(`load average before the run: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log(`${CONNECTIONS} connections, ${WARMUP}s warm-up, then ${ROUNDS} interleaved rounds of ${SECONDS}s per query and server\n`);

  if (ONLY === 'auth') return authReads(url, key);
  const rows: Row[] = [];
  const answers: Record<string, Record<string, unknown>> = {};
  const servers: Array<{ t: Target; args: string[]; env: Record<string, string>; ready: RegExp }> = [
    { t: floorTarget, args: ['--import', 'tsx', 'bench/floor.ts'], env: { DATABASE_URL: url, PORT: '0' }, ready: /listening (\d+)/ },
    {
      t: graphqlTarget('virtcompat, cache off'),
      args: ['bin/virtcompat.mjs', 'serve'],
      env: { ...SERVICE_ENV, DATABASE_URL: url, PORT: '0', RESPONSE_CACHE: 'false', IMPORT_OSINFO_ON_START: 'false' },
      ready: /"url":"http:\/\/127\.0\.0\.1:(\d+)\/graphql"/,
    },
    {
      t: graphqlTarget('virtcompat, cache on'),
      args: ['bin/virtcompat.mjs', 'serve'],
      env: { ...SERVICE_ENV, DATABASE_URL: url, PORT: '0', RESPONSE_CACHE: 'true', IMPORT_OSINFO_ON_START: 'false' },
      ready: /"url":"http:\/\/127\.0\.0\.1:(\d+)\/graphql"/,
    },
  ];
  // All three run side by side and are measured in turn (floor, off, on, floor, off, on ...), so a
  // change in the machine's load falls on all of them alike; ratios are taken within a round.
  const running: Array<{ t: Target; child: ChildProcess; port: number; idleMiB: number }> = [];
  try {
    for (const s of servers) {
      const { child, port } = await startProcess(s.args, s.env, s.ready);
      running.push({ t: s.t, child, port, idleMiB: 0 });
    }
    // Idle memory: after start and one answer to each question, before any load.
    for (const r of running) {
      const answered: Record<string, unknown> = {};
      answers[r.t.name] = answered;
      for (const q of Object.keys(QUERIES) as QueryName[]) answered[q] = await fetchOnce(r.port, r.t, q);
    }
    await new Promise((res) => setTimeout(res, 2000));
    for (const r of running) r.idleMiB = currentRssMiB(must(r.child.pid, 'a started server has a pid'));
    for (const q of Object.keys(QUERIES) as QueryName[]) {
      for (const r of running) await measure(r.port, r.t, q, WARMUP);
      for (let round = 1; round <= ROUNDS; round++) {
        for (const r of running) {
          const pid = must(r.child.pid, 'a started server has a pid');
          const cpu0 = cpuSeconds(pid);
          const m = await measure(r.port, r.t, q, SECONDS);
          const cpuUs = ((cpuSeconds(pid) - cpu0) * 1e6) / (m.rps * SECONDS);
          rows.push({ target: r.t.name, query: q, round, ...m, cpuUs });
          console.log(
            `  round ${round} ${r.t.name.padEnd(22)} ${q.padEnd(14)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  ${cpuUs.toFixed(0)} µs CPU/request`,
          );
        }
      }
    }
    for (const r of running) {
      console.log(`  ${r.t.name}: idle RSS ${r.idleMiB} MiB, peak RSS ${peakRssMiB(must(r.child.pid, 'pid'))} MiB`);
    }
  } finally {
    for (const r of running) {
      r.child.kill('SIGTERM');
      await new Promise((res) => r.child.once('exit', res));
    }
  }

  for (const q of Object.keys(QUERIES) as QueryName[]) {
    const floor = answers['raw floor']?.[q];
    for (const name of ['virtcompat, cache off', 'virtcompat, cache on']) {
      if (!isDeepStrictEqual(answers[name]?.[q], floor)) {
        throw new Error(
          `${name} and the raw floor answer ${q} differently:\n${JSON.stringify(answers[name]?.[q])}\n${JSON.stringify(floor)}`,
        );
      }
    }
  }
  console.log('\nall three servers give identical answers to all three questions\n');

  const idle = Object.fromEntries(running.map((r) => [r.t.name, r.idleMiB]));
  console.log(
    '| query | server | req/s (median) | throughput ratio to floor, per round | p99 ms (median) | p99 ratio to floor | CPU µs/req | idle RSS MiB |',
  );
  console.log('|---|---|---:|---|---:|---:|---:|---:|');
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
  };
  for (const q of Object.keys(QUERIES) as QueryName[]) {
    for (const name of running.map((r) => r.t.name)) {
      const mine = rows.filter((x) => x.query === q && x.target === name);
      const ratios = mine.map(
        (m) =>
          m.rps /
          must(
            rows.find((f) => f.query === q && f.target === 'raw floor' && f.round === m.round),
            'floor row',
          ).rps,
      );
      const p99 = mine.map(
        (m) =>
          m.p99 /
          Math.max(
            1,
            must(
              rows.find((f) => f.query === q && f.target === 'raw floor' && f.round === m.round),
              'floor row',
            ).p99,
          ),
      );
      console.log(
        `| ${QUERIES[q].title} | ${name} | ${med(mine.map((m) => m.rps)).toFixed(0)} | ${spread(ratios)} | ${med(mine.map((m) => m.p99))} | ${med(p99).toFixed(2)} | ${med(mine.map((m) => m.cpuUs)).toFixed(0)} | ${idle[name]} |`,
      );
    }
  }
  console.log(
    '\ntargets (issue 15): cache off >= 0.5 of the floor on every query; p99 within 2x the floor at 10 connections; idle RSS <= 120 MiB',
  );
  await authReads(url, key);
  await matrixBench();
}

/** Authenticated vs anonymous reads of the compatibility question, interleaved, per cache setting. */
async function authReads(url: string, key: string) {
  const t = graphqlTarget('virtcompat');
  const q: QueryName = 'compatibility';
  const auth = { authorization: `Bearer ${key}` };
  console.log(`\nauthenticated vs anonymous reads (${q}): ${AUTH_ROUNDS} rounds of ${AUTH_SECONDS}s each way, interleaved`);
  console.log('| cache | round | anonymous req/s | keyed req/s | keyed/anonymous |');
  console.log('|---|---:|---:|---:|---:|');
  const summary: string[] = [];
  for (const cache of ['false', 'true']) {
    const { child, port } = await startProcess(
      ['bin/virtcompat.mjs', 'serve'],
      { ...SERVICE_ENV, DATABASE_URL: url, PORT: '0', RESPONSE_CACHE: cache },
      /"url":"http:\/\/127\.0\.0\.1:(\d+)\/graphql"/,
    );
    try {
      const anonAnswer = await fetchOnce(port, t, q);
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: t.request(q).body,
      });
      const keyed = (await res.json()) as { data?: unknown; errors?: unknown };
      if (res.status !== 200 || keyed.errors || !isDeepStrictEqual(keyed.data, anonAnswer)) {
        throw new Error(`the keyed answer differs from the anonymous one: ${res.status} ${JSON.stringify(keyed).slice(0, 300)}`);
      }
      await measure(port, t, q, WARMUP);
      await measure(port, t, q, WARMUP, auth);
      const ratios: number[] = [];
      for (let round = 1; round <= AUTH_ROUNDS; round++) {
        const a = await measure(port, t, q, AUTH_SECONDS);
        const k = await measure(port, t, q, AUTH_SECONDS, auth);
        ratios.push(k.rps / a.rps);
        console.log(
          `| ${cache === 'true' ? 'on' : 'off'} | ${round} | ${a.rps.toFixed(0)} | ${k.rps.toFixed(0)} | ${(k.rps / a.rps).toFixed(2)} |`,
        );
      }
      const mean = ratios.reduce((x, y) => x + y, 0) / ratios.length;
      const sorted = [...ratios].sort((x, y) => x - y);
      const median = ((sorted[Math.floor((sorted.length - 1) / 2)] ?? 0) + (sorted[Math.ceil((sorted.length - 1) / 2)] ?? 0)) / 2;
      const sd = Math.sqrt(ratios.reduce((x, y) => x + (y - mean) ** 2, 0) / Math.max(1, ratios.length - 1));
      summary.push(
        `cache ${cache === 'true' ? 'on ' : 'off'}: keyed/anonymous = ${mean.toFixed(2)} ± ${sd.toFixed(2)}, median ${median.toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}, ${ratios.length} rounds)`,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  console.log(`\n${summary.join('\n')}\ntarget: keyed/anonymous >= 0.80`);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
