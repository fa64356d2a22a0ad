// `node --import tsx bench/rss.ts`: the service's resident memory (issue 15: idle RSS ≤ 120 MiB for one
// instance on the full catalogue), as `npm start` runs it and as it ran before, next to the raw floor.
//
// Variants, started side by side in each round and measured at the same moments (rounds repeat it, so
// the machine's load falls on all alike):
//   floor            bench/floor.ts (node:http + pg + hand-written SQL), under tsx as bench/run.ts runs it
//   sources          `serve` from the TypeScript sources through tsx (VIRTCOMPAT_SERVICE_BUNDLE=0)
//   bundle, V8 grows the same bundle, with V8's young generation left to grow during the start
//                    (src/cli/commands/serve.ts holds it; a preload here makes that hold a no-op)
//   bundle           `npm start`: the service bundle (scripts/service-bundle.cjs), response cache off
//   bundle, cache on the same with RESPONSE_CACHE=true
// Figures per variant, each as median (min–max) over the rounds:
//   start    RSS 2 s after it listens
//   idle     RSS after one answer to each of the three benchmark questions and 2 s (bench/run.ts's figure)
//   load     req/s and CPU µs per request under RSS_LOAD_SECONDS of load per question (10 connections)
//   after    RSS right after its load, and after RSS_SETTLE_SECONDS without requests
//   start CPU the CPU time the service logged when its database was ready (ms)
//
// Environment: BENCH_DATABASE_URL and BENCH_DB_PREFIX (the scratch database <prefix>_rss, bench/lib/harness.ts),
// RSS_ROUNDS (3), RSS_LOAD_SECONDS (3), RSS_SETTLE_SECONDS (20), BENCH_OSINFO=0 (curated seed only).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { catalogueDatabase } from './lib/harness.ts';
import { QUERIES, type QueryName } from './queries.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const ROUNDS = Number(process.env.RSS_ROUNDS ?? 3);
const LOAD_SECONDS = Number(process.env.RSS_LOAD_SECONDS ?? 3);
const SETTLE_SECONDS = Number(process.env.RSS_SETTLE_SECONDS ?? 20);
const SERVICE_ENV = {
  RATE_LIMIT_ENABLED: 'false',
  LOG_LEVEL: 'info',
  SEED_ON_START: 'false',
  IMPORT_OSINFO_ON_START: 'false',
  RESPONSE_CACHE: 'false',
};
const LISTENING = /"url":"http:\/\/127\.0\.0\.1:(\d+)\/graphql"/;
// makes serve.ts's hold of the young generation a no-op: V8 grows it during the start as it would by itself
const V8_GROWS =
  'data:text/javascript,import v8 from "node:v8"; import { syncBuiltinESMExports } from "node:module"; const set = v8.setFlagsFromString; v8.setFlagsFromString = (f) => { if (!String(f).startsWith("--semi-space-growth-factor")) set(f); }; syncBuiltinESMExports();';

interface Variant {
  name: string;
  args: string[];
  env: Record<string, string>;
  ready: RegExp;
  graphql: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'floor', args: ['--import', 'tsx', 'bench/floor.ts'], env: {}, ready: /listening (\d+)/, graphql: false },
  {
    name: 'sources',
    args: ['bin/virtcompat.mjs', 'serve'],
    env: { ...SERVICE_ENV, VIRTCOMPAT_SERVICE_BUNDLE: '0' },
    ready: LISTENING,
    graphql: true,
  },
  {
    name: 'bundle, V8 grows',
    args: ['--import', V8_GROWS, 'bin/virtcompat.mjs', 'serve'],
    env: SERVICE_ENV,
    ready: LISTENING,
    graphql: true,
  },
  { name: 'bundle', args: ['bin/virtcompat.mjs', 'serve'], env: SERVICE_ENV, ready: LISTENING, graphql: true },
  {
    name: 'bundle, cache on',
    args: ['bin/virtcompat.mjs', 'serve'],
    env: { ...SERVICE_ENV, RESPONSE_CACHE: 'true' },
    ready: LISTENING,
    graphql: true,
  },
];

interface Running {
  v: Variant;
  child: ChildProcess;
  port: number;
  log: () => string;
}

function start(v: Variant, url: string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, v.args, {
      cwd: ROOT,
      env: { ...process.env, ...v.env, DATABASE_URL: url, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const seen = (b: Buffer) => {
      out += b.toString();
      const m = v.ready.exec(out);
      if (m) resolve({ v, child, port: Number(m[1]), log: () => out });
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => reject(new Error(`${v.name} exited ${code}:\n${out}`)));
  });
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

function rssMiB(pid: number | undefined): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

function cpuSeconds(pid: number | undefined): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function request(r: Running, q: QueryName): { url: string; method: 'GET' | 'POST'; body?: string } {
  if (r.v.graphql) {
    return {
      url: `http://127.0.0.1:${r.port}/graphql`,
      method: 'POST',
      body: JSON.stringify({ query: QUERIES[q].query, variables: QUERIES[q].variables }),
    };
  }
  const qs = new URLSearchParams();
  for (const [k, val] of Object.entries(QUERIES[q].variables as Record<string, unknown>))
    for (const x of Array.isArray(val) ? val : [val]) qs.append(k, String(x));
  return { url: `http://127.0.0.1:${r.port}/${q}?${qs}`, method: 'GET' };
}

async function answerOnce(r: Running, q: QueryName): Promise<void> {
  const req = request(r, q);
  const res = await fetch(req.url, { method: req.method, headers: req.body ? { 'content-type': 'application/json' } : {}, body: req.body });
  const json = (await res.json()) as { errors?: unknown };
  if (res.status !== 200 || json.errors) throw new Error(`${r.v.name} ${q}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
}

type Figures = Record<string, number>;

async function round(url: string): Promise<Map<string, Figures>> {
  const running = await Promise.all(VARIANTS.map((v) => start(v, url)));
  const figures = new Map<string, Figures>(running.map((r) => [r.v.name, {}]));
  const put = (r: Running, k: string, x: number) => {
    const f = figures.get(r.v.name);
    if (f) f[k] = x;
  };
  try {
    await sleep(2);
    for (const r of running) {
      put(r, 'start MiB', rssMiB(r.child.pid));
      const cpu = /"cpuMs":(\d+)/.exec(r.log())?.[1];
      if (cpu) put(r, 'start CPU ms', Number(cpu));
    }
    for (const r of running) for (const q of Object.keys(QUERIES) as QueryName[]) await answerOnce(r, q);
    await sleep(2);
    for (const r of running) put(r, 'idle MiB', rssMiB(r.child.pid));
    for (const r of running) {
      let requests = 0;
      let failed = 0;
      const cpu0 = cpuSeconds(r.child.pid);
      for (const q of Object.keys(QUERIES) as QueryName[]) {
        const req = request(r, q);
        const a = await autocannon({
          url: req.url,
          method: req.method,
          headers: req.body ? { 'content-type': 'application/json' } : {},
          body: req.body,
          connections: 10,
          duration: LOAD_SECONDS,
        });
        // an overloaded machine may time some out (503 with Retry-After): counted, not fatal to a memory figure
        failed += a.non2xx + a.errors;
        requests += a.requests.total;
      }
      put(r, 'load req/s', requests / (LOAD_SECONDS * 3));
      put(r, 'load CPU µs/req', ((cpuSeconds(r.child.pid) - cpu0) * 1e6) / requests);
      if (failed) put(r, 'load failures', failed);
      put(r, 'after load MiB', rssMiB(r.child.pid));
    }
    await sleep(SETTLE_SECONDS);
    for (const r of running) put(r, `${SETTLE_SECONDS} s later MiB`, rssMiB(r.child.pid));
  } finally {
    await Promise.all(
      running.map(async (r) => {
        const exited = new Promise((res) => r.child.once('exit', res));
        r.child.kill('SIGTERM');
        await exited;
      }),
    );
  }
  return figures;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
function summary(xs: number[], f = fmt): string {
  const s = [...xs].sort((a, b) => a - b);
  const median = ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
  return s.length > 1 ? `${f(median)} (${f(s[0] ?? 0)}–${f(s.at(-1) ?? 0)})` : f(median);
}

async function main() {
  const { url, name, db } = await catalogueDatabase('_rss', { osinfo: process.env.BENCH_OSINFO !== '0' });
  const [sizes] = await db.sql.query<{ guests: number }>(`SELECT count(*)::int AS guests FROM "GuestOS"`);
  await db.close();
  console.log(`catalogue: ${sizes?.guests} guests (PostgreSQL, scratch database ${name}); node ${process.version}`);
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; ${ROUNDS} rounds\n`,
  );
  const all = new Map<string, Figures[]>();
  for (let i = 1; i <= ROUNDS; i++) {
    const f = await round(url);
    for (const [name, figs] of f) {
      all.set(name, [...(all.get(name) ?? []), figs]);
      console.log(
        `  round ${i} ${name.padEnd(18)} ${Object.entries(figs)
          .map(([k, x]) => `${k} ${fmt(x)}`)
          .join(', ')}`,
      );
    }
  }
  const keys = [...new Set([...all.values()].flatMap((rs) => rs.flatMap((r) => Object.keys(r))))];
  console.log(`\n| variant | ${keys.join(' | ')} |`);
  console.log(`|---|${keys.map(() => '---').join('|')}|`);
  for (const [name, rs] of all) {
    console.log(`| ${name} | ${keys.map((k) => (rs.some((r) => k in r) ? summary(rs.map((r) => r[k] ?? 0)) : '')).join(' | ')} |`);
  }
  const ratio = (a: string, b: string, k: string) =>
    summary(
      (all.get(a) ?? []).map((r, i) => (r[k] ?? 0) / ((all.get(b) ?? [])[i]?.[k] ?? 1)),
      (x) => x.toFixed(2),
    );
  console.log(`\nper round, bundle / sources: idle RSS ${ratio('bundle', 'sources', 'idle MiB')}`);
  console.log(
    `per round, bundle / bundle with V8 growing the young generation: idle RSS ${ratio('bundle', 'bundle, V8 grows', 'idle MiB')}, ` +
      `load CPU per request ${ratio('bundle', 'bundle, V8 grows', 'load CPU µs/req')}, start CPU ${ratio('bundle', 'bundle, V8 grows', 'start CPU ms')}`,
  );
  console.log('target (issue 15): idle RSS ≤ 120 MiB for one instance on the full catalogue');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
