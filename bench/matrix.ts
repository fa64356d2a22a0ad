// The compatibility matrix (issue 12): the service's `matrix` query for 100 guests × 24 hypervisor
// releases against the raw floor (bench/floor.ts, POST /matrix: every fact in one hand-written
// statement, then the same pure derivation), on a PostgreSQL catalogue with the curated seed and
// osinfo-db. Both must answer identically. Then A/B interleaved: each round times
// BENCH_MATRIX_REQUESTS sequential requests to one side then the other (the order alternating by
// round, so drift in machine load falls on both), and prints each round's medians and their ratio,
// with the ratios' mean, spread and range. Last, the whole catalogue: every guest on every release,
// derived in-process, with the number of statements it took and the count of each level.
//
//   node --import tsx bench/matrix.ts          (also the last part of `npm run bench`)
//
// Environment: BENCH_DATABASE_URL and BENCH_DB_PREFIX (bench/lib/harness.ts; the database is <prefix>_matrix),
// BENCH_MATRIX_ROUNDS (6), BENCH_MATRIX_REQUESTS (8), BENCH_MATRIX_GUESTS (100),
// BENCH_MATRIX_RELEASES (24), OSINFO_PATH (/usr/share/osinfo).
import { existsSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Sql } from '../src/db/sql.ts';
import { cellsFor, levelCounts } from '../src/schema/compatibility/matrix.ts';
import { allReleases } from '../src/catalogue/compatibility/facts.ts';
import { catalogueDatabase, interleaved, median, OSINFO_PATH, ratios, spread, startFloor, startService } from './lib/harness.ts';

const ROUNDS = Number(process.env.BENCH_MATRIX_ROUNDS ?? 6);
const REQUESTS = Number(process.env.BENCH_MATRIX_REQUESTS ?? 8);
const GUESTS = Number(process.env.BENCH_MATRIX_GUESTS ?? 100);
const RELEASES = Number(process.env.BENCH_MATRIX_RELEASES ?? 24);

export const MATRIX_QUERY = `query M($g: [String!]!, $r: [String!]!) {
  matrix(guests: $g, hypervisorReleases: $r) {
    cells { guest { id } hypervisorRelease { id } level basis evidenceLevel reasons conflicts { reason }
            backends { backend level basis evidenceLevel } }
    counts { level count }
  }
}`;

/** Counts statements on the way to the database, as test/helpers/app.ts does. */
function counting(sql: Sql, stats: { n: number }): Sql {
  return {
    query(text, params) {
      stats.n++;
      return sql.query(text, params);
    },
    transaction: (fn) => sql.transaction((tx) => fn(counting(tx, stats))),
  };
}

export async function matrixBench(): Promise<void> {
  const osinfo = existsSync(OSINFO_PATH);
  const { url, name, db } = await catalogueDatabase('_matrix', { osinfo, poolSize: 4 });
  const allGuests = await db.sql.query<{ id: string; name: string }>(`SELECT id, name FROM "GuestOS" ORDER BY id`);
  // Every k-th guest, so the sample spans the vendors; the curated releases first (they have devices).
  const step = Math.max(1, Math.floor(allGuests.length / GUESTS));
  const guests = allGuests.filter((_, i) => i % step === 0).slice(0, GUESTS);
  const releases = (
    await db.sql.query<{ id: string }>(`SELECT id FROM "HypervisorRelease" ORDER BY (source = 'curated') DESC, id LIMIT $1`, [RELEASES])
  ).map((r) => r.id);
  console.log(
    `\nmatrix: ${guests.length} guests × ${releases.length} releases (catalogue: ${allGuests.length} guests${osinfo ? ', osinfo-db imported' : ', no osinfo-db'}; PostgreSQL, scratch database ${name})`,
  );

  const service = await startService(url, {
    RESPONSE_CACHE: 'false',
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '1000000',
  });
  const floor = await startFloor(url);
  try {
    const ids = guests.map((g) => g.id);
    const ask = {
      service: async () => {
        const res = await fetch(`${service.base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: MATRIX_QUERY, variables: { g: ids, r: releases } }),
        });
        const json = (await res.json()) as { data?: unknown; errors?: unknown };
        if (res.status !== 200 || json.errors) throw new Error(`service: HTTP ${res.status} ${JSON.stringify(json).slice(0, 500)}`);
        return json.data;
      },
      floor: async () => {
        const res = await fetch(`${floor.base}/matrix`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ guests: ids, releases }),
        });
        if (res.status !== 200) throw new Error(`floor: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
        return ((await res.json()) as { data: unknown }).data;
      },
    };
    const [a, b] = [await ask.service(), await ask.floor()];
    if (!isDeepStrictEqual(a, b)) {
      throw new Error(
        `the service and the floor answer the matrix differently:\n${JSON.stringify(a).slice(0, 2000)}\n${JSON.stringify(b).slice(0, 2000)}`,
      );
    }
    console.log(`the service and the floor give identical cells (${guests.length * releases.length})`);
    for (let i = 0; i < 3; i++) await Promise.all([ask.service(), ask.floor()].map((p) => p.then(() => undefined)));

    const time = async (side: 'service' | 'floor') => {
      const ms: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const t0 = performance.now();
        await ask[side]();
        ms.push(performance.now() - t0);
      }
      return median(ms);
    };
    console.log(`${ROUNDS} rounds of ${REQUESTS} sequential requests each way, interleaved, the order alternating`);
    console.log('| round | service median ms | floor median ms | service/floor |');
    console.log('|---:|---:|---:|---:|');
    const m = await interleaved(ROUNDS, ['service', 'floor'] as const, time, { alternate: true });
    const r = ratios(m.service, m.floor);
    for (const [i, x] of r.entries())
      console.log(`| ${i + 1} | ${m.service[i]?.toFixed(1)} | ${m.floor[i]?.toFixed(1)} | ${x.toFixed(2)} |`);
    console.log(`service/floor = ${spread(r)}`);
  } finally {
    await service.stop();
    await floor.stop();
  }

  // The whole catalogue, every guest on every release, in-process.
  const stats = { n: 0 };
  const sql = counting(db.sql, stats);
  const everyRelease = await allReleases(sql);
  stats.n = 0;
  const t0 = performance.now();
  const cells = await cellsFor(sql, allGuests, everyRelease);
  const ms = performance.now() - t0;
  console.log(
    `\nfull matrix: ${allGuests.length} guests × ${everyRelease.length} releases = ${cells.length} cells in ${ms.toFixed(0)} ms, ${stats.n} statements`,
  );
  console.log(
    `levels: ${levelCounts(cells)
      .map((c) => `${c.level} ${c.count}`)
      .join(', ')}`,
  );
  const withDevices = new Set(
    (await db.sql.query<{ id: string }>(`SELECT DISTINCT "releaseId" AS id FROM "HypervisorReleaseDevice"`)).map((r) => r.id),
  );
  const described = cells.filter((c) => withDevices.has(c.hypervisorRelease.id));
  console.log(
    `levels on the ${withDevices.size} releases whose devices the catalogue knows (${described.length} cells): ${levelCounts(described)
      .map((c) => `${c.level} ${c.count}`)
      .join(', ')}`,
  );
  const byBasis = new Map<string, number>();
  for (const c of cells)
    byBasis.set(
      `${c.basis}${c.evidenceLevel ? ` (${c.evidenceLevel})` : ''}`,
      (byBasis.get(`${c.basis}${c.evidenceLevel ? ` (${c.evidenceLevel})` : ''}`) ?? 0) + 1,
    );
  console.log(`basis: ${[...byBasis].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  await db.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  matrixBench().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
