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
// Environment: BENCH_DATABASE_URL and BENCH_DB_PREFIX (the scratch databases: bench/lib/harness.ts),
// BENCH_SECONDS (default 10), BENCH_CONNECTIONS (10),
// BENCH_ROUNDS (3), BENCH_AUTH_ROUNDS (4), BENCH_AUTH_SECONDS (3), BENCH_OSINFO=0 (curated seed only),
// BENCH_ONLY=auth (only the authenticated-reads part), BENCH_ONLY=matrix (only the matrix; its own
// settings are in bench/matrix.ts), BENCH_ONLY=web (only the web pages: bench/web.ts, BENCH_WEB_ROUNDS rounds).
// BENCH_ONLY=fleet (only bench/fleet.ts: 10,000 runtimes keeping their catalogue snapshot current).
// BENCH_ONLY=reads (only the three questions, no auth or matrix part), BENCH_QUERIES=page,guest (only
// those questions).
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { QUERIES, type QueryName } from './queries.ts';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { must } from '../src/util/must.ts';
import { matrixBench } from './matrix.ts';
import {
  catalogueDatabase,
  cpuSeconds,
  interleaved,
  loadAverage,
  median,
  peakRssMiB,
  ratios,
  rssMiB,
  sleep,
  spread,
  startFloor,
  startService,
  type Started,
} from './lib/harness.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Math.max(2, Math.round(SECONDS / 4));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const AUTH_ROUNDS = Number(process.env.BENCH_AUTH_ROUNDS ?? 4);
const AUTH_SECONDS = Number(process.env.BENCH_AUTH_SECONDS ?? 3);
const ONLY = process.env.BENCH_ONLY;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_QUERIES=page,guest: only these of the three questions (all three by default). */
const ASKED = (process.env.BENCH_QUERIES?.split(',') ?? Object.keys(QUERIES)) as QueryName[];
// The load comes from one address; the rate limiter stays in the path (its cost is the service's)
// with limits the benchmark cannot reach.
const SERVICE_ENV = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_MINUTE: '1000000', RATE_LIMIT_BURST: '1000000' };

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

type Measured = { rps: number; p50: number; p99: number; cpuUs: number };

async function run() {
  if (ONLY === 'matrix') return matrixBench();
  if (ONLY === 'web') return (await import('./web.ts')).benchWeb(Number(process.env.BENCH_WEB_ROUNDS ?? 3));
  if (ONLY === 'fleet') return (await import('./fleet.ts')).fleetBench();
  // The full catalogue a user runs: the curated seed and every osinfo-db OS (BENCH_OSINFO=0: seed only).
  const { url, name, db } = await catalogueDatabase('', { osinfo: process.env.BENCH_OSINFO !== '0' });
  const { key } = await createApiKey({ db, actor: SYSTEM }, { role: 'MAINTAINER', vendorId: null, label: 'bench' });
  const [sizes] = await db.sql.query<{ guests: number; devices: number }>(
    `SELECT (SELECT count(*)::int FROM "GuestOS") AS guests, (SELECT count(*)::int FROM "GuestOSDevice") AS devices`,
  );
  const { guests, devices } = must(sizes, 'the one row of a SELECT without FROM');
  await db.close();
  console.log(`catalogue: ${guests} guests, ${devices} device links (PostgreSQL, scratch database ${name})`);
  console.log(`load average before the run: ${loadAverage()}`);
  console.log(`${CONNECTIONS} connections, ${WARMUP}s warm-up, then ${ROUNDS} interleaved rounds of ${SECONDS}s per query and server\n`);

  if (ONLY === 'auth') return authReads(url, key);
  const answers: Record<string, Record<string, unknown>> = {};
  // All three run side by side and are measured in turn (floor, off, on, floor, off, on ...), so a
  // change in the machine's load falls on all of them alike; ratios are taken within a round.
  const running: Array<{ t: Target; s: Started; idleMiB: number }> = [];
  const results: Record<string, Record<string, Measured[]>> = {};
  try {
    running.push({ t: floorTarget, s: await startFloor(url), idleMiB: 0 });
    for (const cache of ['off', 'on']) {
      const s = await startService(url, { ...SERVICE_ENV, RESPONSE_CACHE: String(cache === 'on') });
      running.push({ t: graphqlTarget(`virtcompat, cache ${cache}`), s, idleMiB: 0 });
    }
    // Idle memory: after start and one answer to each question, before any load.
    for (const r of running) {
      const answered: Record<string, unknown> = {};
      answers[r.t.name] = answered;
      for (const q of Object.keys(QUERIES) as QueryName[]) answered[q] = await fetchOnce(r.s.port, r.t, q);
    }
    await sleep(2000);
    for (const r of running) r.idleMiB = rssMiB(r.s.pid);
    const byName = new Map(running.map((r) => [r.t.name, r]));
    for (const q of ASKED) {
      for (const r of running) await measure(r.s.port, r.t, q, WARMUP);
      results[q] = await interleaved(ROUNDS, [...byName.keys()], async (name, round) => {
        const r = must(byName.get(name), 'a running server');
        const cpu0 = cpuSeconds(r.s.pid);
        const m = await measure(r.s.port, r.t, q, SECONDS);
        const cpuUs = ((cpuSeconds(r.s.pid) - cpu0) * 1e6) / (m.rps * SECONDS);
        console.log(
          `  round ${round} ${name.padEnd(22)} ${q.padEnd(14)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50} ms  p99 ${m.p99} ms  ${cpuUs.toFixed(0)} µs CPU/request`,
        );
        return { ...m, cpuUs };
      });
    }
    for (const r of running) console.log(`  ${r.t.name}: idle RSS ${r.idleMiB} MiB, peak RSS ${peakRssMiB(r.s.pid)} MiB`);
  } finally {
    for (const r of running) await r.s.stop();
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

  console.log(
    '| query | server | req/s (median) | throughput ratio to floor, per round | p99 ms (median) | p99 ratio to floor | CPU µs/req | idle RSS MiB |',
  );
  console.log('|---|---|---:|---|---:|---:|---:|---:|');
  for (const q of ASKED) {
    const perServer = must(results[q], 'measured');
    const floor = must(perServer['raw floor'], 'the floor measured');
    for (const r of running) {
      const mine = must(perServer[r.t.name], 'measured');
      const rps = ratios(
        mine.map((m) => m.rps),
        floor.map((m) => m.rps),
      );
      const p99 = ratios(
        mine.map((m) => m.p99),
        floor.map((m) => Math.max(1, m.p99)),
      );
      console.log(
        `| ${QUERIES[q].title} | ${r.t.name} | ${median(mine.map((m) => m.rps)).toFixed(0)} | ${spread(rps)} | ${median(mine.map((m) => m.p99))} | ${median(p99).toFixed(2)} | ${median(mine.map((m) => m.cpuUs)).toFixed(0)} | ${r.idleMiB} |`,
      );
    }
  }
  console.log(
    '\ntargets (issue 15): cache off >= 0.5 of the floor on every query; p99 within 2x the floor at 10 connections; idle RSS <= 120 MiB',
  );
  if (ONLY === 'reads') return;
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
  for (const cache of ['off', 'on']) {
    const s = await startService(url, { ...SERVICE_ENV, RESPONSE_CACHE: String(cache === 'on') });
    try {
      const anonAnswer = await fetchOnce(s.port, t, q);
      const res = await fetch(`${s.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: t.request(q).body,
      });
      const keyed = (await res.json()) as { data?: unknown; errors?: unknown };
      if (res.status !== 200 || keyed.errors || !isDeepStrictEqual(keyed.data, anonAnswer)) {
        throw new Error(`the keyed answer differs from the anonymous one: ${res.status} ${JSON.stringify(keyed).slice(0, 300)}`);
      }
      await measure(s.port, t, q, WARMUP);
      await measure(s.port, t, q, WARMUP, auth);
      const m = await interleaved(AUTH_ROUNDS, ['anonymous', 'keyed'], async (side) =>
        measure(s.port, t, q, AUTH_SECONDS, side === 'keyed' ? auth : {}),
      );
      const r = ratios(
        m.keyed.map((x) => x.rps),
        m.anonymous.map((x) => x.rps),
      );
      for (const [i, x] of r.entries())
        console.log(`| ${cache} | ${i + 1} | ${m.anonymous[i]?.rps.toFixed(0)} | ${m.keyed[i]?.rps.toFixed(0)} | ${x.toFixed(2)} |`);
      summary.push(`cache ${cache.padEnd(3)}: keyed/anonymous = ${spread(r)}`);
    } finally {
      await s.stop();
    }
  }
  console.log(`\n${summary.join('\n')}\ntarget: keyed/anonymous >= 0.80`);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
