// Web pages benchmark (issue 14): on the full catalogue (curated seed + osinfo-db, ~800 guests) in
// PostgreSQL, two services (response cache off and on), measured in interleaved rounds (off, on,
// off, on ...) so machine load falls on both alike:
//   - time to first byte of /, a guest page, the matrix's first page (newest release of every
//     hypervisor) and one hypervisor's matrix (every release), from node;
//   - time to a rendered matrix in Chromium (navigation start to the load event, the table painted).
// Pages render on the server, so the first byte comes when the page is ready.
//
//   node --import tsx bench/web.ts [--rounds 3]      (also: BENCH_ONLY=web npm run bench)
// Environment: BENCH_DATABASE_URL and BENCH_DB_PREFIX (bench/lib/harness.ts; the database is <prefix>_web).
import { request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '../test/helpers/browser.ts';
import { catalogueDatabase, interleaved, loadAverage, median, startService } from './lib/harness.ts';

const PAGES = ['/', '/guest?id=debian12', '/matrix', '/matrix?hypervisor=kvm'] as const;

/** Milliseconds to the response's first byte (status line and headers), and the whole body. */
function ttfb(url: string): Promise<{ ms: number; totalMs: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    request(url, (res) => {
      const first = performance.now() - t0;
      res.resume();
      res.on('end', () => resolve({ ms: first, totalMs: performance.now() - t0, status: res.statusCode ?? 0 }));
    })
      .on('error', reject)
      .end();
  });
}

export async function benchWeb(rounds = 3): Promise<void> {
  const { url, name, db } = await catalogueDatabase('_web', { osinfo: true });
  const [row] = await db.sql.query<{ guests: number }>(`SELECT count(*)::int AS guests FROM "GuestOS"`);
  await db.close();
  console.log(`catalogue: ${row?.guests} guests (PostgreSQL, scratch database ${name})`);
  console.log(`load average before the run: ${loadAverage()}`);

  const services = {
    off: await startService(url, { RESPONSE_CACHE: 'false' }),
    on: await startService(url, { RESPONSE_CACHE: 'true' }),
  };
  const browser = await launchChromium();
  const results: Record<string, number[]> = {};
  const add = (k: string, v: number) => {
    results[k] ??= [];
    results[k].push(v);
  };
  try {
    const page = await browser.newPage();
    await interleaved(rounds, ['off', 'on'] as const, async (cache, round) => {
      const base = services[cache].base;
      for (const p of PAGES) {
        const r = await ttfb(base + p);
        if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status}`);
        add(`ttfb ${p} cache ${cache}`, r.ms);
      }
      await page.goto(`${base}/matrix`, { waitUntil: 'load' });
      await page.locator('table.matrix td.cell').first().waitFor();
      const rendered = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return { ttfb: n.responseStart - n.startTime, load: n.loadEventEnd - n.startTime };
      });
      add(`chromium /matrix first byte, cache ${cache}`, rendered.ttfb);
      add(`chromium /matrix rendered (load event), cache ${cache}`, rendered.load);
      if (cache === 'on') console.log(`round ${round} done`);
    });
  } finally {
    await browser.close();
    for (const s of Object.values(services)) await s.stop();
  }
  console.log('\n| measurement | median ms | rounds (ms) |\n|---|---|---|');
  for (const [k, xs] of Object.entries(results))
    console.log(`| ${k} | ${median(xs).toFixed(0)} | ${xs.map((x) => x.toFixed(0)).join(', ')} |`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
  benchWeb(Number(values.rounds)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
