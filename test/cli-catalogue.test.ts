// Finding an id: `virtcompat guests [TEXT] [--family F]`, `virtcompat hypervisors`, "did you mean"
// on an unknown guest (in the service's GUEST_OS_NOT_FOUND error, printed by `guests` and `plan`),
// and `--version`. Against a real service on the curated seed, listening on a local port.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../src/cli/main.ts';
import { closeness, suggestGuests } from '../src/schema/guest-os/suggest.ts';
import { seededApp, type TestApp } from './helpers/app.ts';
import { ROOT, tempDir } from './import-support.ts';

const cache = tempDir('vc-catalogue-cache-');

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b) => (out += b));
  stderr.on('data', (b) => (err += b));
  // A private cache: plan must not read or write the user's snapshot or probe.
  const code = await main(argv, { stdout, stderr, env: { VIRTCOMPAT_CACHE_DIR: cache.dir, HOME: cache.dir }, cwd: ROOT });
  return { code, stdout: out, stderr: err };
}

describe('suggestions for an unknown guest id', () => {
  it('ranks the id with the same version and a longer name first', () => {
    const a = closeness('alpine3.18', 'alpinelinux3.18');
    const b = closeness('alpine3.18', 'alpinelinux3.17');
    expect(a).not.toBeNull();
    expect(b === null || (a !== null && a < b)).toBe(true);
    expect(closeness('debain12', 'debian12')).not.toBeNull();
    expect(closeness('win11', 'freebsd14.0')).toBeNull();
  });
});

describe('guests, hypervisors and did-you-mean against a running service', () => {
  let t: TestApp;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    t = await seededApp('pglite');
    server = createServer(t.app.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }, 180_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await t?.close();
    cache.cleanup();
  });

  it('--version and -V print the package version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = await run([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`virtcompat ${version}\n`);
    }
  });

  it('guests lists every guest of the catalogue, across pages', async () => {
    const [{ n } = { n: -1 }] = await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS"`);
    const r = await run(['guests', '--service', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ id: string; shortId: string | null }>;
    expect(list.length).toBe(n);
    expect(list.map((g) => g.id)).toEqual([...list.map((g) => g.id)].sort());
    const table = await run(['guests', '--service', url]);
    expect(table.stdout.split('\n')[0]).toMatch(/^Short ID +\| Name +\| Version +\| Family +\| ID$/);
    expect(table.stdout.trimEnd().split('\n').length).toBe(n + 2);
    expect(table.stdout).toMatch(/^alpinelinux3\.18 +\| Alpine Linux 3\.18/m);
  });

  it('guests TEXT and --family filter as osinfo-query users expect', async () => {
    const r = await run(['guests', 'ALPINE', '--service', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ shortIds: string[]; name: string; family: string }>;
    expect(list.length).toBeGreaterThanOrEqual(3);
    for (const g of list) expect(`${g.name} ${g.shortIds.join(' ')}`.toLowerCase()).toContain('alpine');
    const win = JSON.parse((await run(['guests', '--family', 'winnt', '--service', url, '--json'])).stdout) as Array<{ family: string }>;
    expect(win.length).toBeGreaterThan(0);
    for (const g of win) expect(g.family).toBe('winnt');
  });

  it('guests with no match says what was meant, exit 1', async () => {
    const r = await run(['guests', 'alpine3.18', '--service', url]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no guest OS matches 'alpine3\.18'; did you mean alpinelinux3\.18/);
  });

  it('the service puts the suggestions in GUEST_OS_NOT_FOUND', async () => {
    const r = await t.gql(`{ guestOS(shortId: "alpine3.18") { id } }`);
    expect(r.data).toEqual({ guestOS: null });
    expect(r.errors?.[0]?.extensions?.code).toBe('GUEST_OS_NOT_FOUND');
    expect(r.errors?.[0]?.extensions?.suggestions?.[0]).toBe('alpinelinux3.18');
    const c = await t.gql(`{ compatibility(guest: "debain12", hypervisorRelease: "kvm:8.2") { verdict } }`);
    expect(c.errors?.[0]?.extensions?.code).toBe('GUEST_OS_NOT_FOUND');
    expect(c.errors?.[0]?.extensions?.suggestions).toContain('debian12');
    expect(await suggestGuests(t.db.sql, 'zzzzzzzz')).toEqual([]);
  });

  it('plan prints the suggestion', async () => {
    const r = await run([
      'plan',
      '--guest',
      'alpine3.18',
      '--hypervisor',
      'kvm',
      '--host',
      join(ROOT, 'examples/hosts/kvm-x86_64.json'),
      '--service',
      url,
      '--snapshot-dir',
      join(cache.dir, 'snapshot'),
      '--timeout',
      '60000',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GUEST_NOT_FOUND.*alpine3\.18.*did you mean alpinelinux3\.18\?/);
  });

  it('hypervisors lists each hypervisor with its releases', async () => {
    const [{ n } = { n: -1 }] = await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Hypervisor"`);
    const r = await run(['hypervisors', '--service', url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Array<{ key: string; releases: Array<{ version: string }> }>;
    expect(list.length).toBe(n);
    expect(list.find((h) => h.key === 'kvm')?.releases.length).toBeGreaterThan(0);
    const table = await run(['hypervisors', '--service', url]);
    expect(table.stdout).toMatch(/^kvm +\| /m);
  });

  it('says how to start a service when none answers', async () => {
    const r = await run(['guests', '--service', 'http://127.0.0.1:1/graphql']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SERVICE_UNREACHABLE.*npm start/);
  });
});
