// A fleet of runtimes keeping their catalogue snapshot current (GET /snapshot, src/api/snapshot.ts)
// through one change in the catalogue, on loopback:
//
//   node --import tsx bench/fleet.ts     (npm run bench -- fleet; BENCH_ONLY=fleet)
//
// The service runs as its own process on PostgreSQL with the curated seed (and osinfo-db with
// BENCH_FLEET_OSINFO=1). FLEET_RUNTIMES runtimes (default 10000), all holding the current version, each
// poll every FLEET_INTERVAL_S seconds (default 10, a random phase each) with `?since=<version>` and
// If-None-Match, at most FLEET_CONCURRENCY requests in flight (default 64, keep-alive). After
// FLEET_WRITE_AFTER_S seconds (default 12) one guest is published through GraphQL; a runtime that gets
// the delta takes its version. Printed: request latency p50/p99 (all, and from the write until every
// runtime has it), the service's CPU, bytes sent per kind, and the time from the write's commit until
// the last runtime has the new version.
import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { catalogueDatabase, cpuSeconds, loadAverage, percentile, startService } from './lib/harness.ts';

const N = Number(process.env.FLEET_RUNTIMES ?? 10000);
const INTERVAL = Number(process.env.FLEET_INTERVAL_S ?? 10) * 1000;
const CONCURRENCY = Number(process.env.FLEET_CONCURRENCY ?? 64);
const WRITE_AFTER = Number(process.env.FLEET_WRITE_AFTER_S ?? 12) * 1000;
const q = percentile;

export async function fleetBench(): Promise<void> {
  const { url, db } = await catalogueDatabase('_fleet');
  const { key } = await createApiKey({ db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'debian', label: 'fleet bench' });
  await db.close();
  const service = await startService(url, { IMPORT_OSINFO_ON_START: process.env.BENCH_FLEET_OSINFO === '1' ? 'true' : 'false' });
  const { pid, port } = service;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; body: Buffer; wire: number; ms: number }>((resolve, reject) => {
        const t = performance.now();
        const req = request({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks);
            const head = res.rawHeaders.reduce((n, h) => n + h.length + 2, 0) + 17;
            const body = res.headers['content-encoding'] === 'br' ? brotliDecompressSync(raw) : raw;
            resolve({ status: res.statusCode ?? 0, body, wire: head + raw.length, ms: performance.now() - t });
          });
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });

    // every runtime starts from the current version: one full fetch stands for their first sync
    const first = await get('/snapshot', { 'accept-encoding': 'br' });
    const v0 = (JSON.parse(first.body.toString()) as { version: string }).version;
    console.log(
      `catalogue ${v0}: full snapshot ${first.body.length} bytes, ${first.wire} on the wire (br), built in ${first.ms.toFixed(0)} ms`,
    );
    console.log(`load average before: ${loadAverage()}`);
    console.log(
      `${N} runtimes polling every ${INTERVAL / 1000} s, at most ${CONCURRENCY} in flight; one write after ${WRITE_AFTER / 1000} s`,
    );

    const versions = new Array<string>(N).fill(v0);
    const lat: { t: number; ms: number }[] = [];
    const bytes = { notModified: 0, delta: 0, full: 0, other: 0 };
    const counts = { notModified: 0, delta: 0, full: 0, other: 0, errors: 0 };
    let inFlight = 0;
    const waiting: (() => void)[] = [];
    const acquire = () => (inFlight < CONCURRENCY ? (inFlight++, Promise.resolve()) : new Promise<void>((r) => waiting.push(r)));
    const release = () => {
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    };
    let newVersion: string | null = null;
    let behind = N;
    let committedAt = 0;
    let convergedAt = 0;
    let stop = false;
    const start = performance.now();
    const cpu0 = cpuSeconds(pid);

    const poll = async (i: number): Promise<void> => {
      if (stop) return;
      await acquire();
      try {
        const v = versions[i] as string;
        const r = await get(`/snapshot?since=${v}`, { 'accept-encoding': 'br', 'if-none-match': `"${v}"` });
        lat.push({ t: performance.now(), ms: r.ms });
        if (r.status === 304) {
          counts.notModified++;
          bytes.notModified += r.wire;
        } else if (r.status === 200) {
          const b = JSON.parse(r.body.toString()) as { kind: 'delta' | 'full'; version: string };
          counts[b.kind]++;
          bytes[b.kind] += r.wire;
          if (b.version !== v) {
            versions[i] = b.version;
            if (b.version === newVersion && --behind === 0) convergedAt = performance.now();
          }
        } else {
          counts.other++;
          bytes.other += r.wire;
        }
      } catch {
        counts.errors++;
      } finally {
        release();
      }
      if (!stop) setTimeout(() => poll(i), INTERVAL).unref();
    };
    for (let i = 0; i < N; i++) setTimeout(() => poll(i), Math.random() * INTERVAL).unref();

    await new Promise((r) => setTimeout(r, WRITE_AFTER));
    const write = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({
        query: `mutation($input: GuestOSInput!) { publishGuestOS(input: $input) { changed inputErrors { path message } } }`,
        variables: { input: { id: 'http://debian.org/debian/99', name: 'Debian 99 (fleet bench)', shortIds: ['debian99fleet'] } },
      }),
    });
    committedAt = performance.now();
    const wr = (await write.json()) as { data?: { publishGuestOS: { changed: boolean; inputErrors: unknown[] } }; errors?: unknown };
    if (!wr.data?.publishGuestOS.changed) throw new Error(`the write did not change the catalogue: ${JSON.stringify(wr)}`);
    const after = await get('/snapshot', { 'accept-encoding': 'identity', 'if-none-match': `"${v0}"` });
    newVersion = (JSON.parse(after.body.toString()) as { version: string }).version;
    behind = versions.filter((v) => v !== newVersion).length;

    const deadline = committedAt + INTERVAL * 3 + 30000;
    while (behind > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    stop = true;
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 50));
    const elapsed = (performance.now() - start) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;

    const all = lat.map((x) => x.ms);
    const during = lat.filter((x) => x.t >= committedAt && (convergedAt === 0 || x.t <= convergedAt)).map((x) => x.ms);
    const total = counts.notModified + counts.delta + counts.full + counts.other;
    console.log(`\n${total} requests in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s), ${counts.errors} errors`);
    console.log(
      `  latency (client-observed, loopback): p50 ${q(all, 0.5).toFixed(1)} ms, p99 ${q(all, 0.99).toFixed(1)} ms, max ${q(all, 1).toFixed(1)} ms`,
    );
    if (during.length)
      console.log(
        `  from the write until converged: p50 ${q(during, 0.5).toFixed(1)} ms, p99 ${q(during, 0.99).toFixed(1)} ms (${during.length} requests)`,
      );
    console.log(
      `  service CPU: ${cpu.toFixed(2)} s over ${elapsed.toFixed(1)} s (${((cpu / elapsed) * 100).toFixed(0)}% of a core), ${((cpu / total) * 1e6).toFixed(0)} µs per request`,
    );
    console.log(
      `  bytes sent (headers + body): 304 ${counts.notModified} × ${(bytes.notModified / Math.max(1, counts.notModified)).toFixed(0)} = ${(bytes.notModified / 1e6).toFixed(2)} MB; ` +
        `delta ${counts.delta} × ${(bytes.delta / Math.max(1, counts.delta)).toFixed(0)} = ${(bytes.delta / 1e6).toFixed(2)} MB; full ${counts.full} (${(bytes.full / 1e6).toFixed(2)} MB); other ${counts.other}`,
    );
    console.log(
      behind === 0
        ? `  every runtime had ${newVersion} ${((convergedAt - committedAt) / 1000).toFixed(2)} s after the write committed (poll interval ${INTERVAL / 1000} s)`
        : `  NOT converged: ${behind} of ${N} runtimes still behind`,
    );
    console.log(`load average after: ${loadAverage()}`);
  } finally {
    agent.destroy();
    await service.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  fleetBench().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
