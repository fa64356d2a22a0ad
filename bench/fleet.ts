// A fleet of runtimes keeping their catalogue snapshot current (GET /snapshot, src/api/snapshot.ts)
// through one change in the catalogue, on loopback:
//
//   node --import tsx bench/fleet.ts     (BENCH_ONLY=fleet npm run bench)
//
// The service runs as its own process on PostgreSQL with the curated seed (and osinfo-db with
// BENCH_FLEET_OSINFO=1). FLEET_RUNTIMES runtimes (default 10000), all holding the current version, each
// poll every FLEET_INTERVAL_S seconds (default 10, a random phase each) with `?since=<version>` and
// If-None-Match. The load comes from FLEET_WORKERS processes (default 4, bench/fleet-worker.ts), each
// with a slice of the runtimes and its share of FLEET_CONNECTIONS keep-alive connections (default
// 256 in all); a runtime's polls follow its own schedule, not the previous answer, so a slow answer
// does not thin the load (the generator's lateness against that schedule is printed: near zero means
// the fleet asked at the rate it should). After FLEET_WRITE_AFTER_S seconds (default 12) one guest is
// published through GraphQL; a runtime that gets the delta takes its version. Printed: the offered
// and achieved request rates, latency p50/p99 (all, and from the write until every runtime has it),
// the service's CPU, bytes sent per kind, and the time from the write's answer until the last
// runtime has the new version. FLEET_CALIBRATE=1 runs the generator alone against a server that
// answers 304 at once, to show what it can offer on the machine as it is.
import { type ChildProcess, fork } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import type { WorkerResult } from './fleet-worker.ts';
import { catalogueDatabase, cpuSeconds, loadAverage, percentile, ROOT, sleep, startProcess, startService } from './lib/harness.ts';

const N = Number(process.env.FLEET_RUNTIMES ?? 10000);
const INTERVAL = Number(process.env.FLEET_INTERVAL_S ?? 10) * 1000;
const WORKERS = Math.max(1, Number(process.env.FLEET_WORKERS ?? 4));
const CONNECTIONS = Number(process.env.FLEET_CONNECTIONS ?? 256);
const WRITE_AFTER = Number(process.env.FLEET_WRITE_AFTER_S ?? 12) * 1000;
const q = percentile;

/** One request from this process (the first full snapshot, the version after the write). */
function get(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: Buffer; wire: number; ms: number }>((resolve, reject) => {
    const t = performance.now();
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const head =
          `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + res.rawHeaders.reduce((n, h) => n + h.length + 2, 0) + 2;
        const body = res.headers['content-encoding'] === 'br' ? brotliDecompressSync(raw) : raw;
        resolve({ status: res.statusCode ?? 0, body, wire: head + raw.length, ms: performance.now() - t });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

interface Worker {
  child: ChildProcess;
  converged: number | null;
  result: Promise<WorkerResult>;
}

function startWorker(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const child = fork(join(ROOT, 'bench', 'fleet-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    let resolveResult: (r: WorkerResult) => void = () => {};
    const w: Worker = { child, converged: null, result: new Promise((r) => (resolveResult = r)) };
    child.on('message', (m: { type: string; at?: number } | WorkerResult) => {
      if (m.type === 'ready') resolve(w);
      else if (m.type === 'converged') w.converged = (m as { at: number }).at;
      else if (m.type === 'result') resolveResult(m as WorkerResult);
    });
    child.once('exit', (code) => reject(new Error(`fleet worker exited ${code} before it was ready`)));
  });
}

/** Starts FLEET_WORKERS workers polling `port` as N runtimes holding `v0`; resolves with the schedules' start (epoch ms). */
async function launch(workers: Worker[], port: number, v0: string): Promise<number> {
  for (let w = 0; w < WORKERS; w++) workers.push(await startWorker());
  const t0 = Date.now() + 100;
  workers.forEach((w, k) => {
    const from = Math.floor((N * k) / WORKERS);
    const to = Math.floor((N * (k + 1)) / WORKERS);
    w.child.send({
      type: 'start',
      port,
      runtimes: to - from,
      intervalMs: INTERVAL,
      version: v0,
      sockets: Math.max(1, Math.round(CONNECTIONS / WORKERS)),
      t0,
    });
  });
  return t0;
}

/**
 * The generator alone (FLEET_CALIBRATE=1): the same workers against a server that answers every poll
 * 304 at once (a process of its own, like the service), for WRITE_AFTER + one interval. What it
 * reaches is what the generator can offer on this machine now; below the offered rate, the fleet
 * figures measure the generator too.
 */
export async function fleetCalibration(): Promise<void> {
  const server = await startProcess(
    [
      '-e',
      `require('node:http').createServer((q, s) => { s.writeHead(304, { etag: '"1.1"', 'cache-control': 'no-cache', vary: 'Accept-Encoding' }); s.end(); })` +
        `.listen(0, '127.0.0.1', function () { console.log('listening ' + this.address().port); });`,
    ],
    {},
    /listening (\d+)/,
  );
  const workers: Worker[] = [];
  try {
    console.log(
      `generator calibration: ${N} runtimes every ${INTERVAL / 1000} s (${((N / INTERVAL) * 1000).toFixed(0)}/s offered) from ${WORKERS} processes over ${CONNECTIONS} connections against a server that answers 304 at once`,
    );
    console.log(`load average before: ${loadAverage()}`);
    const t0 = await launch(workers, server.port, '1.1');
    const cpu0 = cpuSeconds(server.pid);
    await sleep(t0 + WRITE_AFTER + INTERVAL - Date.now());
    for (const w of workers) w.child.send({ type: 'stop' });
    const results = await Promise.all(workers.map((w) => w.result));
    const elapsed = (Date.now() - t0) / 1000;
    const total = results.reduce((n, r) => n + r.ms.length, 0);
    const lag = results.flatMap((r) => r.lag);
    const ms = results.flatMap((r) => r.ms);
    console.log(
      `${total} requests in ${elapsed.toFixed(1)} s: ${(total / elapsed).toFixed(0)}/s achieved; lateness p50 ${q(lag, 0.5).toFixed(0)} ms, p99 ${q(lag, 0.99).toFixed(0)} ms; ` +
        `latency p50 ${q(ms, 0.5).toFixed(1)} ms, p99 ${q(ms, 0.99).toFixed(1)} ms; generator CPU ${results.reduce((n, r) => n + r.cpuS, 0).toFixed(1)} s, server CPU ${(cpuSeconds(server.pid) - cpu0).toFixed(1)} s`,
    );
    console.log(`load average after: ${loadAverage()}`);
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await server.stop();
  }
}

export async function fleetBench(): Promise<void> {
  if (process.env.FLEET_CALIBRATE === '1') return fleetCalibration();
  const { url, db } = await catalogueDatabase('_fleet');
  const { key } = await createApiKey({ db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'debian', label: 'fleet bench' });
  await db.close();
  const service = await startService(url, { IMPORT_OSINFO_ON_START: process.env.BENCH_FLEET_OSINFO === '1' ? 'true' : 'false' });
  const { pid, port } = service;
  const workers: Worker[] = [];
  try {
    // every runtime starts from the current version: one full fetch stands for their first sync
    const first = await get(port, '/snapshot', { 'accept-encoding': 'br' });
    const v0 = (JSON.parse(first.body.toString()) as { version: string }).version;
    console.log(
      `catalogue ${v0}: full snapshot ${first.body.length} bytes, ${first.wire} on the wire (br), built in ${first.ms.toFixed(0)} ms`,
    );
    console.log(`load average before: ${loadAverage()}`);
    console.log(
      `${N} runtimes polling every ${INTERVAL / 1000} s (${((N / INTERVAL) * 1000).toFixed(0)} requests/s offered) from ${WORKERS} processes ` +
        `over ${CONNECTIONS} keep-alive connections; one write after ${WRITE_AFTER / 1000} s`,
    );

    const t0 = await launch(workers, port, v0);
    const cpu0 = cpuSeconds(pid);
    await sleep(t0 + WRITE_AFTER - Date.now());
    const cpuBeforeWrite = cpuSeconds(pid);
    const writeSent = Date.now();
    const write = await fetch(`${service.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: `mutation($input: GuestOSInput!) { publishGuestOS(input: $input) { changed inputErrors { path message } } }`,
        variables: { input: { id: 'http://debian.org/debian/99', name: 'Debian 99 (fleet bench)', shortIds: ['debian99fleet'] } },
      }),
    });
    const committedAt = Date.now();
    const wr = (await write.json()) as { data?: { publishGuestOS: { changed: boolean; inputErrors: unknown[] } }; errors?: unknown };
    if (!wr.data?.publishGuestOS.changed) throw new Error(`the write did not change the catalogue: ${JSON.stringify(wr)}`);
    const after = await get(port, '/snapshot', { 'accept-encoding': 'identity', 'if-none-match': `"${v0}"` });
    const newVersion = (JSON.parse(after.body.toString()) as { version: string }).version;
    for (const w of workers) w.child.send({ type: 'target', version: newVersion });
    const newVersionAt = Date.now();

    const deadline = committedAt + INTERVAL * 3 + 30000;
    while (workers.some((w) => w.converged === null) && Date.now() < deadline) await sleep(50);
    const convergedAt = workers.every((w) => w.converged !== null) ? Math.max(...workers.map((w) => w.converged as number)) : null;
    const cpuToConverged = cpuSeconds(pid) - cpuBeforeWrite;
    const windowS = ((convergedAt ?? Date.now()) - committedAt) / 1000;
    // one more interval of steady polling after the change, so the figures hold a whole cycle of 304s
    await sleep(Math.max(0, Math.min(INTERVAL, deadline - Date.now())));
    for (const w of workers) w.child.send({ type: 'stop' });
    const results = await Promise.all(workers.map((w) => w.result));
    const elapsed = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    const generatorCpu = results.reduce((n, r) => n + r.cpuS, 0);

    const ms = results.flatMap((r) => r.ms);
    const lag = results.flatMap((r) => r.lag);
    const at = results.flatMap((r) => r.at);
    const during = ms.filter((_, i) => (at[i] ?? 0) >= committedAt && (convergedAt === null || (at[i] ?? 0) <= convergedAt));
    const sum = <K extends string>(k: K, f: (r: WorkerResult) => Record<K, number>) => results.reduce((n, r) => n + (f(r)[k] ?? 0), 0);
    const counts = {
      notModified: sum('notModified', (r) => r.counts),
      delta: sum('delta', (r) => r.counts),
      full: sum('full', (r) => r.counts),
      other: sum('other', (r) => r.counts),
      errors: sum('errors', (r) => r.counts),
    };
    const bytes = {
      notModified: sum('notModified', (r) => r.bytes),
      delta: sum('delta', (r) => r.bytes),
      full: sum('full', (r) => r.bytes),
      other: sum('other', (r) => r.bytes),
    };
    const total = counts.notModified + counts.delta + counts.full + counts.other;
    const offered = (N / INTERVAL) * 1000;
    console.log(
      `\n${total} requests in ${elapsed.toFixed(1)} s: ${(total / elapsed).toFixed(0)}/s achieved of ${offered.toFixed(0)}/s offered, ${counts.errors} errors`,
    );
    console.log(
      `  generator lateness against the runtimes' schedules: p50 ${q(lag, 0.5).toFixed(0)} ms, p99 ${q(lag, 0.99).toFixed(0)} ms; generator CPU ${generatorCpu.toFixed(1)} s in ${WORKERS} processes`,
    );
    console.log(
      `  latency (client-observed, loopback): p50 ${q(ms, 0.5).toFixed(1)} ms, p99 ${q(ms, 0.99).toFixed(1)} ms, max ${q(ms, 1).toFixed(1)} ms`,
    );
    if (during.length)
      console.log(
        `  from the write until converged: p50 ${q(during, 0.5).toFixed(1)} ms, p99 ${q(during, 0.99).toFixed(1)} ms (${during.length} requests)`,
      );
    console.log(
      `  service CPU: ${cpu.toFixed(2)} s over ${elapsed.toFixed(1)} s (${((cpu / elapsed) * 100).toFixed(0)}% of a core), ${((cpu / total) * 1e6).toFixed(0)} µs per request; ` +
        `from the write until converged ${cpuToConverged.toFixed(2)} s over ${windowS.toFixed(1)} s (${((cpuToConverged / Math.max(0.001, windowS)) * 100).toFixed(0)}% of a core)`,
    );
    console.log(
      `  bytes sent (status line, headers, body): 304 ${counts.notModified} × ${(bytes.notModified / Math.max(1, counts.notModified)).toFixed(0)} = ${(bytes.notModified / 1e6).toFixed(2)} MB; ` +
        `delta ${counts.delta} × ${(bytes.delta / Math.max(1, counts.delta)).toFixed(0)} = ${(bytes.delta / 1e6).toFixed(2)} MB; full ${counts.full} (${(bytes.full / 1e6).toFixed(2)} MB); other ${counts.other}`,
    );
    console.log(
      convergedAt !== null
        ? `  every runtime had ${newVersion} ${((convergedAt - committedAt) / 1000).toFixed(2)} s after the write was answered (poll interval ${INTERVAL / 1000} s)`
        : `  NOT converged within ${((deadline - committedAt) / 1000).toFixed(0)} s`,
    );
    console.log(
      `  the write was answered ${((committedAt - writeSent) / 1000).toFixed(2)} s after it was sent; this process had the new version's snapshot ${((newVersionAt - committedAt) / 1000).toFixed(2)} s after that`,
    );
    console.log(`load average after: ${loadAverage()}`);
    if (convergedAt === null || counts.errors > 0) process.exitCode = 1;
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
    await service.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  fleetBench().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
