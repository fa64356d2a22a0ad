// `npm run bench:soak` (SOAK_MINUTES, default 30): two service instances on one PostgreSQL database
// under mixed load — reads (a guest, a page, the compatibility question), submissions reviewed by a
// maintainer, compatibilityChanged subscriptions, and snapshot polls when the service has
// /snapshot — sampled every SOAK_SAMPLE_SECONDS: each instance's RSS, open file descriptors
// (connections and listeners) and the window's p99. Halfway, instance B is killed (SIGKILL) under
// load and started again; clients retry on the other instance with the same idempotency key. At the
// end: every acknowledged submission is in the database exactly once, and a plot of RSS and p99 over
// time is written to bench/results/soak.svg (with the samples in soak.csv).
//
// Environment: BENCH_DATABASE_URL and BENCH_DB_PREFIX (bench/lib/harness.ts; the scratch
// database is <prefix>_soak), SOAK_MINUTES (30), SOAK_SAMPLE_SECONDS (10), SOAK_READERS (6),
// REDIS_URL (optional, passed to the instances).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { catalogueDatabase, openFds, percentile, ROOT, rssMiB, sleep, type Started, startService } from './lib/harness.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_SECONDS ?? 10);
const READERS = Number(process.env.SOAK_READERS ?? 6);

interface Instance {
  name: string;
  s: Started;
  url: string;
  alive: boolean;
}

async function start(name: string, databaseUrl: string, env: Record<string, string>): Promise<Instance> {
  const s = await startService(databaseUrl, env);
  const i: Instance = { name, s, url: s.base, alive: true };
  s.child.once('exit', () => {
    i.alive = false;
  });
  return i;
}

async function gql(base: string, query: string, variables: Record<string, unknown>, key?: string) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { data?: any; errors?: Array<{ message: string }> };
  return { status: res.status, body };
}

const READS = [
  {
    query: `query($s: String!) { guestOS(shortId: $s) { id name devices { device { id } supported } } }`,
    vars: () => ({ s: pick(GUESTS) }),
  },
  { query: `{ guestOSes(first: 50) { edges { node { id name deviceCount } } } }`, vars: () => ({}) },
  {
    query: `query($g: String!, $r: String!) { compatibility(guest: $g, hypervisorRelease: $r) { verdict basis reasons } }`,
    vars: () => ({ g: pick(GUESTS), r: 'kvm:8.2' }),
  },
];
/** Short ids of guests the catalogue holds (read at start). */
let GUESTS: string[] = [];
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)] as T;

const SUBMIT = `mutation($records: [CompatibilityRecordInput!]!, $key: String!) {
  submitCompatibilityRecords(records: $records, idempotencyKey: $key) { ok replayed records { record { id } } inputErrors { path message } }
}`;
const REVIEW = `mutation($id: ID!) { reviewRecord(id: $id, decision: ACCEPTED, reason: "soak") { id reviewState } }`;

function svg(samples: Array<{ t: number; rss: Record<string, number>; p99: number }>, names: string[]): string {
  const W = 800;
  const H = 300;
  const pad = 40;
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const rMax = Math.max(1, ...samples.flatMap((s) => names.map((n) => s.rss[n] ?? 0)));
  const pMax = Math.max(1, ...samples.map((s) => s.p99));
  const x = (t: number) => pad + (t / tMax) * (W - 2 * pad);
  const line = (ys: number[], max: number, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${samples.map((s, i) => `${x(s.t).toFixed(1)},${(H - pad - ((ys[i] ?? 0) / max) * (H - 2 * pad)).toFixed(1)}`).join(' ')}"/>`;
  const colors = ['#1f77b4', '#2ca02c'];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${pad}" y="20">soak: RSS per instance (MiB, max ${rMax}) and p99 (ms, max ${pMax}) over ${Math.round(tMax)} s</text>
${names
  .map((n, i) =>
    line(
      samples.map((s) => s.rss[n] ?? 0),
      rMax,
      colors[i] ?? '#888',
    ),
  )
  .join('\n')}
${line(
  samples.map((s) => s.p99),
  pMax,
  '#d62728',
)}
${names.map((n, i) => `<text x="${W - 160}" y="${40 + i * 16}" fill="${colors[i]}">RSS ${n}</text>`).join('')}
<text x="${W - 160}" y="${40 + names.length * 16}" fill="#d62728">p99 (all requests)</text>
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#000"/>
</svg>`;
}

async function main() {
  const { url, db } = await catalogueDatabase('_soak');
  GUESTS = (
    await db.sql.query<{ s: string }>(`SELECT "shortIds"[1] AS s FROM "GuestOS" WHERE cardinality("shortIds") > 0 ORDER BY id LIMIT 40`)
  ).map((r) => r.s);
  const submitter = (await createApiKey({ db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'qemu', label: 'soak' })).key;
  const maintainer = (await createApiKey({ db, actor: SYSTEM }, { role: 'MAINTAINER', vendorId: null, label: 'soak' })).key;
  const env: Record<string, string> = {}; // REDIS_URL, when set, reaches the instances with the rest of the environment
  const instances: Instance[] = [await start('A', url, env), await start('B', url, env)];
  const live = () => instances.filter((i) => i.alive);
  const other = (i: Instance) => live().find((x) => x !== i) ?? i;
  const snapshot = (await fetch(`${instances[0]?.url}/snapshot`).catch(() => undefined))?.status === 200;
  console.log(
    `soak: ${MINUTES} min, samples every ${SAMPLE_S} s, ${READERS} readers, snapshot polls ${snapshot ? 'on' : 'off (no /snapshot)'}`,
  );

  const until = Date.now() + MINUTES * 60_000;
  const started = Date.now();
  let window: number[] = [];
  const errors: string[] = [];
  let requests = 0;
  const acknowledged = new Map<string, string>(); // idempotency key -> record id
  let events = 0;

  const reader = async (n: number) => {
    let inst = instances[n % instances.length] as Instance;
    while (Date.now() < until) {
      if (!inst.alive) inst = other(inst);
      const r = pick(READS);
      const t0 = performance.now();
      try {
        const res = await gql(inst.url, r.query, r.vars());
        if (res.status !== 200 || res.body.errors)
          errors.push(`${inst.name} read ${res.status} ${JSON.stringify(res.body.errors)?.slice(0, 200)}`);
        window.push(performance.now() - t0);
        requests++;
      } catch {
        // The instance went away mid-request: the client tries the other one.
        inst = other(inst);
      }
    }
  };

  const writer = async () => {
    for (let n = 0; Date.now() < until; n++) {
      const key = `soak-${n}`;
      const record = {
        guest: pick(GUESTS),
        hypervisorRelease: 'kvm:8.2',
        status: 'WORKS',
        evidence: { notes: `soak ${n}`, date: '2026-11-29' },
      };
      let inst = live()[n % live().length] as Instance;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const s = await gql(inst.url, SUBMIT, { records: [record], key }, submitter);
          const id = s.body.data?.submitCompatibilityRecords?.records?.[0]?.record?.id as string | undefined;
          if (!id) throw new Error(`submit ${s.status} ${JSON.stringify(s.body).slice(0, 300)}`);
          acknowledged.set(key, id);
          const rv = await gql(inst.url, REVIEW, { id }, maintainer);
          if (rv.body.data?.reviewRecord?.reviewState !== 'ACCEPTED' && !/already/.test(JSON.stringify(rv.body))) {
            throw new Error(`review ${rv.status} ${JSON.stringify(rv.body).slice(0, 300)}`);
          }
          break;
        } catch (err) {
          if (attempt === 19) errors.push(`write ${key}: ${(err as Error).message}`);
          inst = other(inst);
          await sleep(200);
        }
      }
      await sleep(500);
    }
  };

  const subscriber = async (n: number) => {
    while (Date.now() < until) {
      const inst = live()[n % live().length] as Instance;
      const ac = new AbortController();
      const stop = setTimeout(() => ac.abort(), Math.max(0, until - Date.now()));
      try {
        const res = await fetch(`${inst.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: 'subscription { compatibilityChanged { seq } }' }),
          signal: ac.signal,
        });
        const reader = res.body?.getReader();
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) break;
          events += (new TextDecoder().decode(chunk.value).match(/event: next/g) ?? []).length;
        }
      } catch {
        // killed instance or the end: reconnect (or stop)
      } finally {
        clearTimeout(stop);
      }
      await sleep(200);
    }
  };

  const poller = async (n: number) => {
    let etag = '';
    while (Date.now() < until) {
      const inst = live()[n % live().length] as Instance;
      try {
        const res = await fetch(`${inst.url}/snapshot`, {
          headers: etag ? { 'if-none-match': etag } : {},
          signal: AbortSignal.timeout(30_000),
        });
        etag = res.headers.get('etag') ?? etag;
        await res.arrayBuffer();
        requests++;
      } catch {
        // retried on the next round
      }
      await sleep(1000);
    }
  };

  const samples: Array<{ t: number; rss: Record<string, number>; fds: Record<string, number>; p99: number; n: number }> = [];
  let killed = false;
  const sampler = async () => {
    while (Date.now() < until) {
      await sleep(SAMPLE_S * 1000);
      const t = (Date.now() - started) / 1000;
      const w = window;
      window = [];
      const s = {
        t,
        rss: Object.fromEntries(instances.map((i) => [i.name, rssMiB(i.s.pid)])),
        fds: Object.fromEntries(instances.map((i) => [i.name, openFds(i.s.pid)])),
        p99: Math.round(percentile(w, 0.99) || 0),
        n: w.length,
      };
      samples.push(s);
      console.log(
        `  t=${t.toFixed(0).padStart(5)} s  ${instances.map((i) => `${i.name}: ${s.rss[i.name]} MiB ${s.fds[i.name]} fds`).join('  ')}  reads ${w.length}  p99 ${s.p99} ms  events ${events}  submissions ${acknowledged.size}  errors ${errors.length}`,
      );
      if (!killed && Date.now() - started > (until - started) / 2) {
        killed = true;
        const b = instances[1] as Instance;
        console.log('  killing instance B (SIGKILL) under load; clients retry on A; B is started again');
        await b.s.stop('SIGKILL');
        instances[1] = await start('B', url, env);
      }
    }
  };

  await Promise.all([
    sampler(),
    writer(),
    ...Array.from({ length: READERS }, (_, i) => reader(i)),
    ...Array.from({ length: 4 }, (_, i) => subscriber(i)),
    ...(snapshot ? Array.from({ length: 20 }, (_, i) => poller(i)) : []),
  ]);

  // Nothing acknowledged is lost, and no retried submission was stored twice.
  const ids = [...acknowledged.values()];
  const found = await db.sql.query<{ id: string }>(`SELECT id FROM "CompatibilityRecord" WHERE id = ANY($1::text[])`, [ids]);
  const [dupes] = await db.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT "evidenceNotes" FROM "CompatibilityRecord" WHERE "evidenceNotes" LIKE 'soak %' GROUP BY "evidenceNotes" HAVING count(*) > 1) d`,
  );
  for (const i of instances) await i.s.stop();
  await db.close();

  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'soak.csv'),
    `t_s,${instances.map((i) => `rss_${i.name}_mib,fds_${i.name}`).join(',')},p99_ms,reads\n${samples
      .map((s) => `${s.t.toFixed(0)},${instances.map((i) => `${s.rss[i.name]},${s.fds[i.name]}`).join(',')},${s.p99},${s.n}`)
      .join('\n')}\n`,
  );
  writeFileSync(
    join(outDir, 'soak.svg'),
    svg(
      samples,
      instances.map((i) => i.name),
    ),
  );
  const first = samples.slice(1, 4);
  const last = samples.slice(-3);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  console.log(`\nsoak summary (${MINUTES} min, ${requests} requests, ${events} subscription events):`);
  console.log(
    `  instance A RSS: ${avg(first.map((s) => s.rss.A ?? 0)).toFixed(0)} MiB early, ${avg(last.map((s) => s.rss.A ?? 0)).toFixed(0)} MiB late`,
  );
  console.log(
    `  instance A fds: ${avg(first.map((s) => s.fds.A ?? 0)).toFixed(0)} early, ${avg(last.map((s) => s.fds.A ?? 0)).toFixed(0)} late`,
  );
  console.log(`  p99: ${avg(first.map((s) => s.p99)).toFixed(0)} ms early, ${avg(last.map((s) => s.p99)).toFixed(0)} ms late`);
  console.log(`  submissions acknowledged ${ids.length}, found in the database ${found.length}, stored twice ${dupes?.n ?? 0}`);
  console.log(`  errors: ${errors.length}${errors.length ? `\n    ${errors.slice(0, 10).join('\n    ')}` : ''}`);
  console.log(`  plot: bench/results/soak.svg, samples: bench/results/soak.csv`);
  if (found.length !== ids.length || (dupes?.n ?? 0) > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
