// `npm run bench:soak` (SOAK_MINUTES, default 30): two service instances on one PostgreSQL database
// under the mixed load of issue 15, spread round robin as a load balancer would: reads (a guest, a
// page of 50, the compatibility question), submissions a maintainer accepts, compatibilityChanged
// subscriptions, and runtimes polling /snapshot as `catalogue sync` does. Every SOAK_SAMPLE_SECONDS:
// each instance's RSS and open descriptors, the connections to the database and those holding a
// LISTEN, and the p99 of the window's reads. Halfway, the next submission sent to instance B is
// followed by B's SIGKILL; clients retry on the other instance (a submitter with the same
// idempotency key) and B is started again. At the end: RSS and descriptors early and late with their
// slope, connections, p99 per third, what became of the submission in flight, every acknowledged
// submission found exactly once (exit 1 otherwise), and the plot bench/results/soak.svg (samples in
// soak.csv).
//
// Environment: BENCH_DATABASE_URL and BENCH_DB_PREFIX (bench/lib/harness.ts; the scratch
// database is <prefix>_soak), SOAK_MINUTES (30), SOAK_SAMPLE_SECONDS (10), SOAK_READERS (6),
// SOAK_WRITERS (2), SOAK_SUBSCRIBERS (4), SOAK_POLLERS (20), SOAK_KILL_DELAY_MS (30), REDIS_URL
// (optional: it reaches the instances with the rest of the environment).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import pg from 'pg';
import { catalogueDatabase, openFds, percentile, ROOT, rssMiB, sleep, type Started, startService } from './lib/harness.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const SAMPLE_S = Number(process.env.SOAK_SAMPLE_SECONDS ?? 10);
const READERS = Number(process.env.SOAK_READERS ?? 6);
const WRITERS = Number(process.env.SOAK_WRITERS ?? 2);
const SUBSCRIBERS = Number(process.env.SOAK_SUBSCRIBERS ?? 4);
const POLLERS = Number(process.env.SOAK_POLLERS ?? 20);
// B's SIGKILL comes a random 0..SOAK_KILL_DELAY_MS after a submission is sent to it: short, the kill
// lands before B commits; longer, sometimes after it commits and before it answers (a replay on retry).
const KILL_DELAY_MS = Number(process.env.SOAK_KILL_DELAY_MS ?? 30);

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

interface Sample {
  t: number;
  rss: Record<string, number>;
  fds: Record<string, number>;
  /** Connections to the soak's database (both instances' pools, their LISTEN connections, the soak's own). */
  pgConnections: number;
  /** Of those, the ones whose last statement was a LISTEN: one per instance. */
  listeners: number;
  p99: number;
  reads: number;
  events: number;
}

/** Least-squares slope of y over t (per second). */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mt = points.reduce((a, [t]) => a + t, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [t, y]) => a + (t - mt) * (y - my), 0);
  const den = points.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  return den === 0 ? Number.NaN : num / den;
}

/** Three panels over time: RSS per instance, p99 of reads, descriptors and database connections. */
function svg(samples: Sample[], names: string[], killedAt: number | null): string {
  const W = 860;
  const PH = 170; // panel height
  const pad = { l: 60, r: 190, t: 34, gap: 34 };
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const x = (t: number) => pad.l + (t / tMax) * (W - pad.l - pad.r);
  const colors = ['#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#ff7f0e'];
  const panels: Array<{ title: string; unit: string; series: Array<{ label: string; ys: number[] }> }> = [
    { title: 'RSS per instance', unit: 'MiB', series: names.map((n) => ({ label: `RSS ${n}`, ys: samples.map((s) => s.rss[n] ?? 0) })) },
    { title: 'p99 of reads in each sample window', unit: 'ms', series: [{ label: 'p99 reads', ys: samples.map((s) => s.p99) }] },
    {
      title: 'open descriptors per instance; connections to the database',
      unit: '',
      series: [
        ...names.map((n) => ({ label: `fds ${n}`, ys: samples.map((s) => s.fds[n] ?? 0) })),
        { label: 'pg connections', ys: samples.map((s) => s.pgConnections) },
        { label: 'LISTEN connections', ys: samples.map((s) => s.listeners) },
      ],
    },
  ];
  const out: string[] = [];
  let c = 0;
  panels.forEach((p, k) => {
    const top = pad.t + k * (PH + pad.gap);
    const max = Math.max(1, ...p.series.flatMap((s) => s.ys));
    const y = (v: number) => top + PH - (v / max) * PH;
    out.push(`<text x="${pad.l}" y="${top - 8}" font-weight="bold">${p.title}</text>`);
    out.push(`<line x1="${pad.l}" y1="${top + PH}" x2="${W - pad.r}" y2="${top + PH}" stroke="#000"/>`);
    out.push(`<line x1="${pad.l}" y1="${top}" x2="${pad.l}" y2="${top + PH}" stroke="#000"/>`);
    for (const f of [0, 0.5, 1]) {
      out.push(`<text x="${pad.l - 6}" y="${y(max * f) + 4}" text-anchor="end">${Math.round(max * f)}${p.unit ? ` ${p.unit}` : ''}</text>`);
      out.push(`<line x1="${pad.l}" y1="${y(max * f)}" x2="${W - pad.r}" y2="${y(max * f)}" stroke="#ddd"/>`);
    }
    if (killedAt !== null)
      out.push(`<line x1="${x(killedAt)}" y1="${top}" x2="${x(killedAt)}" y2="${top + PH}" stroke="#000" stroke-dasharray="4 3"/>`);
    p.series.forEach((s, i) => {
      const color = colors[c++ % colors.length];
      const pts = s.ys.map((v, j) => `${x(samples[j]?.t ?? 0).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts}"/>`);
      out.push(`<text x="${W - pad.r + 10}" y="${top + 14 + i * 16}" fill="${color}">${s.label}</text>`);
    });
  });
  const H = pad.t + panels.length * (PH + pad.gap);
  const bottom = pad.t + (panels.length - 1) * (PH + pad.gap) + PH;
  for (const f of [0, 0.25, 0.5, 0.75, 1])
    out.push(`<text x="${x(tMax * f)}" y="${bottom + 16}" text-anchor="middle">${Math.round((tMax * f) / 60)} min</text>`);
  if (killedAt !== null) out.push(`<text x="${x(killedAt) + 4}" y="${pad.t + 12}">instance B killed</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12" role="img">
<title>Soak: RSS, connections and p99 per instance over time</title>
<rect width="100%" height="100%" fill="#fff"/>
${out.join('\n')}
</svg>
`;
}

async function main() {
  const { url, name, db } = await catalogueDatabase('_soak');
  GUESTS = (
    await db.sql.query<{ s: string }>(`SELECT "shortIds"[1] AS s FROM "GuestOS" WHERE cardinality("shortIds") > 0 ORDER BY id LIMIT 40`)
  ).map((r) => r.s);
  const submitter = (await createApiKey({ db, actor: SYSTEM }, { role: 'SUBMITTER', vendorId: 'qemu', label: 'soak' })).key;
  const maintainer = (await createApiKey({ db, actor: SYSTEM }, { role: 'MAINTAINER', vendorId: null, label: 'soak' })).key;
  // The sampler's own connection, outside the instances' pools (it counts itself out).
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const env: Record<string, string> = {}; // REDIS_URL, when set, reaches the instances with the rest of the environment
  const instances: Instance[] = [await start('A', url, env), await start('B', url, env)];
  const live = () => instances.filter((i) => i.alive);
  let rr = 0;
  /** What a load balancer does: the next live instance, round robin; `not` when retrying after a failure there. */
  const next = (not?: Instance): Instance => {
    const l = live().filter((i) => i !== not);
    const pool = l.length ? l : live();
    return pool[rr++ % Math.max(1, pool.length)] ?? (instances[0] as Instance);
  };
  const snapshot = (await fetch(`${instances[0]?.url}/snapshot`).catch(() => undefined))?.status === 200;
  console.log(
    `soak: ${MINUTES} min on ${name}, samples every ${SAMPLE_S} s; ${READERS} readers, ${WRITERS} writers (submit, then a maintainer accepts), ` +
      `${SUBSCRIBERS} subscribers, ${snapshot ? `${POLLERS} snapshot pollers (1/s each)` : 'no snapshot polls (no /snapshot)'}; instance B killed halfway`,
  );

  const until = Date.now() + MINUTES * 60_000;
  const started = Date.now();
  let window: number[] = [];
  const errors: string[] = [];
  const pollErrorCauses = new Map<string, number>();
  const counts = { reads: 0, readRetries: 0, polls: 0, polls304: 0, pollDeltas: 0, pollErrors: 0, events: 0, subscriptions: 0 };
  const acknowledged = new Map<string, string>(); // idempotency key -> record id
  // the kill: armed halfway; the next submission sent to B is followed by B's SIGKILL 0–KILL_DELAY_MS later
  const kill = {
    armed: false,
    at: null as number | null,
    inFlight: new Set<string>(), // keys of submissions sent to B when it was killed
    retried: 0,
    replayed: 0,
    done: null as Promise<void> | null,
    restartedAt: null as number | null,
  };
  const killB = async () => {
    const b = instances[1] as Instance;
    kill.at = (Date.now() - started) / 1000;
    console.log(`  t=${kill.at.toFixed(0).padStart(5)} s  killing instance B (SIGKILL) with a submission in flight; clients retry on A`);
    await b.s.stop('SIGKILL');
    instances[1] = await start('B', url, env);
    kill.restartedAt = (Date.now() - started) / 1000;
    console.log(`  instance B started again after ${(kill.restartedAt - kill.at).toFixed(1)} s`);
  };

  const reader = async () => {
    while (Date.now() < until) {
      const r = pick(READS);
      let inst = next();
      const t0 = performance.now();
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          const res = await gql(inst.url, r.query, r.vars());
          if (res.status !== 200 || res.body.errors)
            errors.push(`${inst.name} read ${res.status} ${JSON.stringify(res.body.errors)?.slice(0, 200)}`);
          window.push(performance.now() - t0);
          counts.reads++;
          break;
        } catch (err) {
          // the instance went away mid-request: the client tries another one
          counts.readRetries++;
          if (attempt === 4) errors.push(`read on ${inst.name}: ${(err as Error).message}`);
          inst = next(inst);
        }
      }
    }
  };

  const writer = async (w: number) => {
    for (let n = 0; Date.now() < until; n++) {
      const key = `soak-w${w}-${n}`;
      const record = {
        guest: pick(GUESTS),
        hypervisorRelease: 'kvm:8.2',
        status: 'WORKS',
        evidence: { notes: `soak w${w} ${n}`, date: '2026-11-29' },
      };
      let inst = next();
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          const sent = gql(inst.url, SUBMIT, { records: [record], key }, submitter);
          if (kill.armed && inst === instances[1]) {
            kill.armed = false;
            kill.inFlight.add(key);
            kill.done = sleep(Math.random() * KILL_DELAY_MS).then(killB);
          }
          const s = await sent;
          const result = s.body.data?.submitCompatibilityRecords;
          const id = result?.records?.[0]?.record?.id as string | undefined;
          if (!id) throw new Error(`submit ${s.status} ${JSON.stringify(s.body).slice(0, 300)}`);
          if (attempt > 0) {
            kill.retried++;
            if (result.replayed) kill.replayed++;
          }
          acknowledged.set(key, id);
          const rv = await gql(inst.url, REVIEW, { id }, maintainer);
          if (rv.body.data?.reviewRecord?.reviewState !== 'ACCEPTED' && !/already/.test(JSON.stringify(rv.body))) {
            throw new Error(`review ${rv.status} ${JSON.stringify(rv.body).slice(0, 300)}`);
          }
          break;
        } catch (err) {
          if (attempt === 19) errors.push(`write ${key}: ${(err as Error).message}`);
          // the same idempotency key on another instance: a submission B stored before it died is answered, not stored again
          inst = next(inst);
          await sleep(200);
        }
      }
      await sleep(500);
    }
  };

  const subscriber = async () => {
    while (Date.now() < until) {
      const inst = next();
      const ac = new AbortController();
      const stop = setTimeout(() => ac.abort(), Math.max(0, until - Date.now()));
      try {
        const res = await fetch(`${inst.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: 'subscription { compatibilityChanged { seq } }' }),
          signal: ac.signal,
        });
        counts.subscriptions++;
        const body = res.body?.getReader();
        const text = new TextDecoder();
        for (;;) {
          const chunk = await body?.read();
          if (!chunk || chunk.done) break;
          counts.events += (text.decode(chunk.value, { stream: true }).match(/event: next/g) ?? []).length;
        }
      } catch {
        // the instance was killed, or the end: subscribe again (or stop)
      } finally {
        clearTimeout(stop);
      }
      await sleep(200);
    }
  };

  // A runtime keeping its catalogue copy current, as syncCatalogue() does: If-None-Match and ?since= the version held.
  const poller = async () => {
    let version = '';
    while (Date.now() < until) {
      const inst = next();
      try {
        const res = await fetch(`${inst.url}/snapshot${version ? `?since=${version}` : ''}`, {
          headers: { 'accept-encoding': 'br', ...(version ? { 'if-none-match': `"${version}"` } : {}) },
          signal: AbortSignal.timeout(30_000),
        });
        const body = await res.arrayBuffer();
        counts.polls++;
        if (res.status === 304) counts.polls304++;
        else if (res.status === 200) {
          version = (JSON.parse(Buffer.from(body).toString('utf8')) as { version: string }).version;
          if (res.headers.get('x-snapshot-kind') === 'delta') counts.pollDeltas++;
        } else errors.push(`${inst.name} snapshot ${res.status}`);
      } catch (e) {
        counts.pollErrors++; // polled again on the next round
        // why, by instance: a poll sent to the killed instance while it is down is refused, which is expected
        const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name ?? 'error';
        const why = `${inst.name} ${cause}`;
        pollErrorCauses.set(why, (pollErrorCauses.get(why) ?? 0) + 1);
      }
      await sleep(1000);
    }
  };

  const samples: Sample[] = [];
  let lastEvents = 0;
  const sampler = async () => {
    while (Date.now() < until) {
      await sleep(SAMPLE_S * 1000);
      const t = (Date.now() - started) / 1000;
      const w = window;
      window = [];
      const [conn] = (
        await admin.query<{ n: number; listen: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE query ILIKE 'LISTEN %')::int AS listen
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        )
      ).rows;
      const s: Sample = {
        t,
        rss: Object.fromEntries(instances.map((i) => [i.name, rssMiB(i.s.pid)])),
        fds: Object.fromEntries(instances.map((i) => [i.name, openFds(i.s.pid)])),
        pgConnections: conn?.n ?? 0,
        listeners: conn?.listen ?? 0,
        p99: Math.round(percentile(w, 0.99) || 0),
        reads: w.length,
        events: counts.events - lastEvents,
      };
      lastEvents = counts.events;
      samples.push(s);
      console.log(
        `  t=${t.toFixed(0).padStart(5)} s  ${instances.map((i) => `${i.name}: ${s.rss[i.name]} MiB ${s.fds[i.name]} fds`).join('  ')}  pg ${s.pgConnections} (LISTEN ${s.listeners})  reads ${w.length}  p99 ${s.p99} ms  events +${s.events}  submissions ${acknowledged.size}  errors ${errors.length}`,
      );
      if (kill.at === null && !kill.armed && Date.now() - started > (until - started) / 2) kill.armed = true;
    }
  };

  await Promise.all([
    sampler(),
    ...Array.from({ length: WRITERS }, (_, i) => writer(i)),
    ...Array.from({ length: READERS }, () => reader()),
    ...Array.from({ length: SUBSCRIBERS }, () => subscriber()),
    ...(snapshot ? Array.from({ length: POLLERS }, () => poller()) : []),
  ]);
  await kill.done;

  // Nothing acknowledged is lost, and no retried submission was stored twice.
  const ids = [...acknowledged.values()];
  const found = await db.sql.query<{ id: string }>(`SELECT id FROM "CompatibilityRecord" WHERE id = ANY($1::text[])`, [ids]);
  const [dupes] = await db.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT "evidenceNotes" FROM "CompatibilityRecord" WHERE "evidenceNotes" LIKE 'soak %' GROUP BY "evidenceNotes" HAVING count(*) > 1) d`,
  );
  const [stored] = await db.sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM "CompatibilityRecord" WHERE "evidenceNotes" LIKE 'soak %'`,
  );
  const inFlight = [...kill.inFlight].map((k) => ({ k, id: acknowledged.get(k) }));
  const inFlightStored = inFlight.length
    ? await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "CompatibilityRecord" WHERE id = ANY($1::text[])`, [
        inFlight.flatMap((x) => (x.id ? [x.id] : [])),
      ])
    : [];
  for (const i of instances) await i.s.stop();
  await admin.end();
  await db.close();

  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'soak.csv'),
    `t_s,${instances.map((i) => `rss_${i.name}_mib,fds_${i.name}`).join(',')},pg_connections,listen_connections,p99_ms,reads,events\n${samples
      .map(
        (s) =>
          `${s.t.toFixed(0)},${instances.map((i) => `${s.rss[i.name]},${s.fds[i.name]}`).join(',')},${s.pgConnections},${s.listeners},${s.p99},${s.reads},${s.events}`,
      )
      .join('\n')}\n`,
  );
  writeFileSync(
    join(outDir, 'soak.svg'),
    svg(
      samples,
      instances.map((i) => i.name),
      kill.at,
    ),
  );

  // Early and late: the samples after the first fifth (start-up and the first requests' allocations)
  // against the last fifth; B's after its restart. The slope over the same span, MiB per 10 minutes.
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const span = (from: number, to: number) => samples.filter((s) => s.t >= from && s.t <= to);
  const end = samples.at(-1)?.t ?? 0;
  const report = (label: string, from: number) => {
    const settled = span(from + (end - from) / 5, end);
    const early = settled.slice(0, Math.max(1, Math.floor(settled.length / 4)));
    const late = settled.slice(-Math.max(1, Math.floor(settled.length / 4)));
    const per10 = (f: (s: Sample) => number) => slope(settled.map((s) => [s.t, f(s)])) * 600;
    const name = label.split(' ')[0] as string;
    console.log(
      `  ${label}: RSS ${avg(early.map((s) => s.rss[name] ?? 0)).toFixed(0)} MiB early, ${avg(late.map((s) => s.rss[name] ?? 0)).toFixed(0)} MiB late, slope ${per10((s) => s.rss[name] ?? 0).toFixed(1)} MiB/10 min; ` +
        `fds ${avg(early.map((s) => s.fds[name] ?? 0)).toFixed(0)} early, ${avg(late.map((s) => s.fds[name] ?? 0)).toFixed(0)} late, slope ${per10((s) => s.fds[name] ?? 0).toFixed(1)}/10 min ` +
        `(samples ${settled[0]?.t.toFixed(0)}–${end.toFixed(0)} s)`,
    );
  };
  const pgEarly = samples.slice(1, Math.max(2, Math.floor(samples.length / 4)));
  const pgLate = samples.slice(-Math.max(1, Math.floor(samples.length / 4)));
  const thirds = [0, 1, 2].map((k) => span((end * k) / 3, (end * (k + 1)) / 3).map((s) => s.p99));
  console.log(
    `\nsoak summary (${MINUTES} min): ${counts.reads} reads (${counts.readRetries} retried on the other instance), ${counts.polls} snapshot polls ` +
      `(${counts.polls304} answered 304, ${counts.pollDeltas} deltas, ${counts.pollErrors} failed and were polled again${pollErrorCauses.size ? `: ${[...pollErrorCauses].map(([k, n]) => `${k} × ${n}`).join(', ')}` : ''}), ${counts.subscriptions} subscriptions opened, ${counts.events} subscription events`,
  );
  report('A (whole run)', 0);
  report('B (after its restart)', kill.restartedAt ?? 0);
  console.log(
    `  database connections: ${avg(pgEarly.map((s) => s.pgConnections)).toFixed(1)} early, ${avg(pgLate.map((s) => s.pgConnections)).toFixed(1)} late, ` +
      `max ${Math.max(...samples.map((s) => s.pgConnections))}; LISTEN connections min ${Math.min(...samples.map((s) => s.listeners))}, max ${Math.max(...samples.map((s) => s.listeners))}`,
  );
  console.log(
    `  p99 of reads per sample window, median of each third: ${thirds.map((xs) => `${percentile(xs, 0.5)} ms`).join(', ')} ` +
      `(max ${Math.max(...samples.map((s) => s.p99))} ms)`,
  );
  console.log(
    `  kill: ${kill.at === null ? 'did not happen' : `at ${kill.at.toFixed(0)} s; submissions in flight on B: ${inFlight.length}, acknowledged after retry on the other instance: ${inFlight.filter((x) => x.id).length}, stored: ${inFlightStored[0]?.n ?? 0}`}; ` +
      `submissions that needed a retry: ${kill.retried} (${kill.replayed} answered as replays of what B had stored)`,
  );
  console.log(
    `  submissions acknowledged ${ids.length}, found in the database ${found.length}, soak records stored ${stored?.n ?? 0}, stored twice ${dupes?.n ?? 0}`,
  );
  console.log(`  errors: ${errors.length}${errors.length ? `\n    ${errors.slice(0, 10).join('\n    ')}` : ''}`);
  console.log(`  plot: bench/results/soak.svg, samples: bench/results/soak.csv`);
  if (found.length !== ids.length || (dupes?.n ?? 0) > 0 || kill.at === null) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
