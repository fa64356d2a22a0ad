// `virtcompat serve` as `npm start` runs it: from the prebuilt service bundle (scripts/service-bundle.cjs),
// answering GraphQL, /healthz, /readyz, the web pages and GraphiQL's assets exactly as the TypeScript
// sources do (VIRTCOMPAT_SERVICE_BUNDLE=0); and a bundle whose sources changed is not the one that runs.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './helpers/db.ts';

const ROOT = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const temps: string[] = [];
const temp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  temps.push(d);
  return d;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

interface Service {
  child: ChildProcess;
  url: string;
  /** What the bin said about the bundle (VIRTCOMPAT_DEBUG). */
  path: string;
}

/** Starts the bin's `serve` on `env` and resolves once it says it listens. */
function serve(env: Record<string, string>, bundle: boolean): Promise<Service> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/virtcompat.mjs'), 'serve'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      IMPORT_OSINFO_ON_START: 'false',
      VIRTCOMPAT_DEBUG: '1',
      ...(bundle ? {} : { VIRTCOMPAT_SERVICE_BUNDLE: '0' }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const seen = (b: Buffer) => {
      out += b.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(out);
      if (m?.[1]) {
        const path = out
          .split('\n')
          .filter((l) => l.startsWith('virtcompat: service bundle: '))
          .join('\n');
        resolve({ child, url: m[1], path });
      }
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${out}`)));
  });
}

async function stop(s: Service): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

const QUERIES = [
  `{ guestOS(shortId: "debian12") { id name devices { device { id name class } supported driverSource inheritedFrom { id } } } }`,
  `{ guestOSes(first: 20) { edges { node { id name deviceCount } } pageInfo { endCursor hasNextPage } } }`,
  `{ compatibility(guest: "win11", hypervisorRelease: "kvm:8.2", hostFeatures: ["vmx", "ept"]) { verdict basis reasons devices { class model paravirtual } } }`,
  `{ hypervisors { key name releases { version } } }`,
  `{ __schema { types { name fields { name } } } }`,
  `{ guestOS(shortId: 1) { id } }`,
];

/** What a client sees of the service: status, content type and body of each request. */
async function answers(base: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const query of QUERIES) {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    out.push({ query, status: res.status, type: res.headers.get('content-type'), body: await res.json() });
  }
  for (const path of ['/healthz', '/readyz', '/', '/guest?id=debian12', '/planner', '/static/web.css', '/graphql', '/no-such-page']) {
    const res = await fetch(`${base}${path}`, { headers: { accept: 'text/html' } });
    out.push({ path, status: res.status, type: res.headers.get('content-type'), body: await res.text() });
  }
  return out;
}

describe('virtcompat serve from the service bundle', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/service-bundle.cjs'), 'build'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(b.status, 0, b.stderr);
    // PostgreSQL when the run has it (both services at once); else one embedded folder, one service at a time
    if (process.env.DATABASE_URL) {
      db = await freshDatabase('postgres');
      if (db.target.kind !== 'postgres') throw new Error('a PostgreSQL target');
      env = { DATABASE_URL: db.target.url };
    } else {
      env = { DATA_DIR: join(temp('vc-bundle-data-'), 'data') };
    }
  }, 240_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('answers GraphQL, /healthz, /readyz and the pages as the sources do', { timeout: 300_000 }, async () => {
    const fromSources = await serve(env, false);
    let sourceAnswers: unknown[];
    try {
      assert.equal(fromSources.path, '', 'VIRTCOMPAT_SERVICE_BUNDLE=0 runs the sources');
      sourceAnswers = await answers(fromSources.url);
    } finally {
      await stop(fromSources);
    }
    const fromBundle = await serve(env, true);
    try {
      const { currentBuild } = require('../scripts/service-bundle.cjs') as { currentBuild(): { entry?: string } };
      assert.ok(currentBuild().entry);
      assert.equal(fromBundle.path, `virtcompat: service bundle: ${currentBuild().entry}`);
      const bundleAnswers = await answers(fromBundle.url);
      assert.deepEqual(bundleAnswers, sourceAnswers);
      // the answers are real ones, not two equal failures
      const [guest, , , , , bad, health, ready, home, guestPage, planner] = bundleAnswers as Array<{ status: number; body: unknown }>;
      assert.equal(guest?.status, 200);
      assert.match(JSON.stringify(guest?.body), /"id":"http:\/\/debian\.org\/debian\/12"/);
      assert.equal(bad?.status, 200);
      assert.match(JSON.stringify(bad?.body), /"errors"/);
      assert.deepEqual([health?.status, ready?.status, home?.status, guestPage?.status, planner?.status], [200, 200, 200, 200, 200]);
    } finally {
      await stop(fromBundle);
    }
  });
});

describe('the service bundle: a stale build is not used', () => {
  type Bundles = {
    currentBuild(root: string): { entry?: string; stale?: string };
    build(root: string): Promise<{ entry: string }>;
    serviceEntry(o: { root: string; say(m: string): void }): Promise<string | null>;
  };
  let copy: string;
  let bundles: Bundles;

  beforeAll(() => {
    copy = temp('vc-bundle-copy-');
    for (const p of ['bin', 'scripts', 'package.json', 'tsconfig.json', 'src', 'seed', 'examples'])
      cpSync(join(ROOT, p), join(copy, p), { recursive: true, filter: (s) => !s.endsWith('.test.ts') });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    bundles = require(join(copy, 'scripts/service-bundle.cjs')) as Bundles;
  });

  it('a touched but unchanged source keeps the build; a changed one is built again, never run as it was', {
    timeout: 240_000,
  }, async () => {
    const first = await bundles.build(copy);
    assert.equal(bundles.currentBuild(copy).entry, first.entry);
    const file = join(copy, 'src/api/server.ts');
    const t = new Date(Date.now() + 5000);
    utimesSync(file, t, t);
    assert.equal(bundles.currentBuild(copy).entry, first.entry);

    writeFileSync(file, readFileSync(file, 'utf8').replace("'virtcompat is listening'", "'virtcompat (changed) is listening'"));
    assert.equal(bundles.currentBuild(copy).stale, 'src/api/server.ts changed');
    const said: string[] = [];
    const entry = await bundles.serviceEntry({ root: copy, say: (m) => said.push(m) });
    assert.equal(said[0], 'src/api/server.ts changed; building');
    assert.ok(entry, 'a build');
    const fresh = fileURLToPath(entry);
    assert.notEqual(fresh, first.entry);
    assert.equal(bundles.currentBuild(copy).entry, fresh);
    const built = readdirSync(dirname(fresh)).map((f) => readFileSync(join(dirname(fresh), f), 'utf8'));
    assert.ok(built.some((text) => text.includes('virtcompat (changed) is listening')));
    assert.ok(!built.some((text) => text.includes('virtcompat is listening')));
  });
});
