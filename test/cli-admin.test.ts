// The embedded database's admin channel: while `virtcompat serve` holds a PGlite data folder,
// `vendor`, `key`, `import` and `export` run as separate processes hand their command to the
// service (src/cli/remote.ts → src/api/admin.ts) instead of failing with DB_LOCKED, and the service
// answers GraphQL with the new data at once. A wrong token or an unknown command is refused; a
// client killed mid-import leaves nothing half-written.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../src/db/index.ts';
import { findService, runRemote, type AdminEndpoint } from '../src/cli/remote.ts';
import { PCI_IDS, ROOT, pciIdsSubset, runCli, tempDir, writeTemp } from './import-support.ts';

const DEADLINE_MS = 180_000;

interface Service {
  child: ChildProcess;
  url: string;
  log: () => string;
  stop(): Promise<void>;
}

async function startService(dataDir: string): Promise<Service> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/virtcompat.mjs'), 'serve', '--port', '0'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      DATA_DIR: dataDir,
      // An empty catalogue: what the commands write is all there is.
      SEED_ON_START: 'false',
      IMPORT_OSINFO_ON_START: 'false',
      RATE_LIMIT_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service not listening after ${DEADLINE_MS} ms:\n${log}`)), DEADLINE_MS);
    child.stderr?.on('data', () => {
      const m = /"url":"([^"]+)"[^\n]*virtcompat is listening/.exec(log);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code}:\n${log}`));
    });
  });
  return {
    child,
    url,
    log: () => log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function gql<T>(url: string, query: string, key?: string): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data as T;
}

describe('CLI commands hand over to a running service on the embedded database', () => {
  const data = tempDir('vc-admin-');
  const work = tempDir('vc-admin-work-');
  const env = { DATA_DIR: data.dir };
  let svc: Service;

  beforeAll(async () => {
    svc = await startService(data.dir);
  }, DEADLINE_MS + 10_000);

  afterAll(async () => {
    await svc?.stop();
    data.cleanup();
    work.cleanup();
  });

  it('writes the channel file for the service user only', () => {
    const st = statSync(join(data.dir, 'admin.json'));
    expect(st.mode & 0o777).toBe(0o600);
    const ep = findService(data.dir);
    expect(ep?.pid).toBe(svc.child.pid);
  });

  it(
    'vendor create and key create succeed, and the service serves them at once',
    async () => {
      // Cache the (empty) answer first: the command must clear the response cache.
      expect((await gql<{ vendors: unknown[] }>(svc.url, '{ vendors { id } }')).vendors).toEqual([]);
      const v = await runCli(['vendor', 'create', 'acme', '--name', 'Acme Corp', '--kind', 'os'], env);
      expect(v.stderr).not.toMatch(/DB_LOCKED/);
      expect(v.code).toBe(0);
      expect(v.stdout).toBe('created vendor acme (OS)\n');
      expect((await gql<{ vendors: Array<{ id: string }> }>(svc.url, '{ vendors { id } }')).vendors.map((x) => x.id)).toEqual(['acme']);

      const k = await runCli(['key', 'create', '--role', 'admin', '--label', 'first'], env);
      expect(k.code).toBe(0);
      const key = k.stdout.trim();
      expect(key).toMatch(/^vc_[0-9a-f]{16}_/);
      expect(k.stderr).toMatch(/created admin key/);
      const who = await gql<{ viewer: { role: string } }>(svc.url, '{ viewer { role } }', key);
      expect(who.viewer.role).toBe('ADMIN');

      // The same exit codes and messages as a direct run: a usage error is 2, a domain error 1.
      const dup = await runCli(['vendor', 'create', 'acme', '--name', 'Acme', '--kind', 'os'], env);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(/acme already exists/);
      const usage = await runCli(['vendor', 'create', '--name', 'x'], env);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/give exactly one vendor id[\s\S]*Usage: virtcompat vendor create/);
    },
    DEADLINE_MS,
  );

  it(
    'import pci-ids streams its progress, and GraphQL sees the devices at once',
    async () => {
      const q = '{ devicesByBusId(vendorId: "1b36") { id } }';
      expect((await gql<{ devicesByBusId: unknown[] }>(svc.url, q)).devicesByBusId).toEqual([]);
      const small = writeTemp('pci.ids', pciIdsSubset(['1af4', '1b36']));
      try {
        const r = await runCli(['import', 'pci-ids', small.path], env);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(/^pci\.ids: transaction started$/m);
        expect(r.stderr).toMatch(/^pci\.ids: committed in \d+ ms$/m);
        expect(r.stdout).toMatch(/^pci\.ids .* from .*pci\.ids: \w+ in \d+ ms/m);
        expect((await gql<{ devicesByBusId: unknown[] }>(svc.url, q)).devicesByBusId.length).toBeGreaterThan(5);
      } finally {
        small.cleanup();
      }
    },
    DEADLINE_MS,
  );

  it(
    'export osinfo writes the tree from the service, paths relative to the caller',
    async () => {
      const r = await runCli(['export', 'osinfo', join(work.dir, 'tree')], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^wrote \d+ files to /m);
      expect(existsSync(join(work.dir, 'tree', 'VERSION'))).toBe(true);
    },
    DEADLINE_MS,
  );

  it('refuses a wrong token and a command it does not run for clients, before running anything', async () => {
    const ep = findService(data.dir) as AdminEndpoint;
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const body = (argv: string[]) => ({ argv, cwd: work.dir, stdout: { isTTY: false }, stderr: { isTTY: false }, debug: false });
    await expect(
      runRemote({ ...ep, token: 'f'.repeat(64) }, body(['vendor', 'create', 'evil', '--name', 'E', '--kind', 'os']), {
        stdout: sink,
        stderr: sink,
      }),
    ).rejects.toMatchObject({
      code: 'ADMIN_CHANNEL_REFUSED',
      message: expect.stringMatching(/wrong token/),
    });
    await expect(runRemote(ep, body(['serve']), { stdout: sink, stderr: sink })).rejects.toMatchObject({ code: 'ADMIN_CHANNEL_REFUSED' });
    await expect(runRemote(ep, body(['plan', '--guest', 'x']), { stdout: sink, stderr: sink })).rejects.toMatchObject({
      code: 'ADMIN_CHANNEL_REFUSED',
    });
    expect((await gql<{ vendors: Array<{ id: string }> }>(svc.url, '{ vendors { id } }')).vendors.map((x) => x.id)).toEqual(['acme']);
    expect(svc.log()).toMatch(/wrong token refused/);
  });

  it('refuses a channel file others can read', () => {
    const file = join(data.dir, 'admin.json');
    chmodSync(file, 0o644);
    try {
      expect(() => findService(data.dir)).toThrow(/readable or writable by other users/);
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it(
    'a client killed mid-import cancels it: nothing of it is written',
    async () => {
      let sawWrite = false;
      const killed = await runCli(['import', 'pci-ids', PCI_IDS], env, (line, kill) => {
        if (!sawWrite && /^pci\.ids: writing PciVendor/.test(line)) {
          sawWrite = true;
          kill('SIGKILL');
        }
      });
      expect(sawWrite, killed.stderr).toBe(true);
      expect(killed.signal).toBe('SIGKILL');
      // The next command waits for the cancelled one (one at a time), then sees the data as it was.
      const after = await runCli(['vendor', 'list'], env);
      expect(after.code).toBe(0);
      await expect.poll(() => svc.log(), { timeout: DEADLINE_MS }).toMatch(/"command":"import pci-ids","exit":1,[^\n]*"cancelled":true/);

      await svc.stop();
      expect(existsSync(join(data.dir, 'admin.json'))).toBe(false);
      const db = await openDatabase({ kind: 'pglite', dataDir: data.dir });
      try {
        const [v] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "PciVendor"`);
        expect(v?.n).toBe(2); // the small import's two vendors, none of the full file's thousands
        const runs = await db.sql.query<{ path: string }>(`SELECT path FROM "ImportRun"`);
        expect(runs.map((r) => r.path)).not.toContain(PCI_IDS);
      } finally {
        await db.close();
      }
    },
    DEADLINE_MS * 2,
  );
});

describe('admin channel start-up', () => {
  it('a channel that cannot open leaves the service running, with a warning', async () => {
    const { startAdminChannel } = await import('../src/api/admin.ts');
    const { loadConfig } = await import('../src/config/index.ts');
    const { pino } = await import('pino');
    const dir = tempDir('vc-admin-fail-');
    try {
      // A folder where the channel file should go: writing it fails.
      mkdirSync(join(dir.dir, 'admin.json'));
      let log = '';
      const logger = pino(
        { level: 'warn' },
        {
          write: (s: string) => {
            log += s;
          },
        },
      );
      const channel = await startAdminChannel(loadConfig({ DATA_DIR: dir.dir }, dir.dir), {} as never, {} as never, logger);
      expect(channel).toBeNull();
      expect(log).toMatch(/admin channel could not open/);
    } finally {
      dir.cleanup();
    }
  });
});
