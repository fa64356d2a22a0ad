// Web pages benchmark (issue 14): on the full catalogue (curated seed + osinfo-db, ~800 guests) in
// PostgreSQL, two services (response cache off and on), measured in interleaved rounds (off, on,
// off, on ...) so machine load falls on both alike:
//   - time to first byte of /, a guest page, the matrix's first page (newest release of every
//     hypervisor) and one hypervisor's matrix (every release), from node;
//   - time to a rendered matrix in Chromium (navigation start to the load event, the table painted).
// Pages render on the server, so the first byte comes when the page is ready.
//
//   node --import tsx bench/web.ts [--rounds 3]      (also: BENCH_ONLY=web npm run bench)
// Environment: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/index.ts';
import { prepareDatabase } from '../src/api/startup.ts';
import { launchChromium } from '../test/helpers/browser.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const PAGES = ['/', '/guest?id=debian12', '/matrix', '/matrix?hypervisor=kvm'] as const;

async function scratchDatabase(): Promise<string> {
  const name = 'vc_bench_web';
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

function serve(url: string, cache: boolean): Promise<{ child: ChildProcess; base: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/virtcompat.mjs', 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: '0',
        SEED_ON_START: 'false',
        IMPORT_OSINFO_ON_START: 'false',
        RESPONSE_CACHE: String(cache),
        RATE_LIMIT_ENABLED: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(out);
      if (m?.[1]) resolve({ child, base: m[1] });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
  });
}

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

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
};

export async function benchWeb(rounds = 3): Promise<void> {
  const url = await scratchDatabase();
  const db = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
  await prepareDatabase(db, { seed: true, osinfo: { enabled: true, path: process.env.OSINFO_PATH ?? '/usr/share/osinfo' } });
  const [row] = await db.sql.query<{ guests: number }>(`SELECT count(*)::int AS guests FROM "GuestOS"`);
  await db.close();
  console.log(`catalogue: ${row?.guests} guests (PostgreSQL, scratch database vc_bench_web)`);
  console.log(`load average before the run: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

  const services = { off: await serve(url, false), on: await serve(url, true) };
  const browser = await launchChromium();
  const results: Record<string, number[]> = {};
  const add = (k: string, v: number) => {
    results[k] ??= [];
    results[k].push(v);
  };
  try {
    const page = await browser.newPage();
    for (let round = 1; round <= rounds; round++) {
      for (const cache of ['off', 'on'] as const) {
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
      }
      console.log(`round ${round} done`);
    }
  } finally {
    await browser.close();
    for (const s of Object.values(services)) {
      s.child.kill('SIGTERM');
      await new Promise((r) => s.child.once('exit', r));
    }
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
