// Private PostgreSQL clusters, Redis servers and service processes for fault tests: each on a free
// port in a temporary folder, so a test can restart or kill them without touching the shared ones.
// PostgreSQL refuses to run as root; as root (CI, this machine) the cluster runs as user postgres.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const ROOT = resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

/** Why a private PostgreSQL cannot be started here, or undefined when it can. */
export function privatePostgresUnavailable(): string | undefined {
  if (!existsSync(join(PG_BIN, 'initdb')) || !existsSync(join(PG_BIN, 'pg_ctl'))) return `PostgreSQL 15 binaries not found in ${PG_BIN}`;
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser'))
    return 'running as root without runuser to drop to user postgres';
  return undefined;
}

export function redisUnavailable(): string | undefined {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (existsSync(p)) return undefined;
  return 'redis-server not found';
}

export const redisServerPath = () => (existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : '/usr/local/bin/redis-server');

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, deadlineMs = 180_000, everyMs = 50): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface PrivatePostgres {
  port: number;
  /** URL of the given database on this cluster (user postgres, trust authentication). */
  url(database?: string): string;
  /** pg_ctl stop -m mode. */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  /** Whether the cluster accepts a connection and answers a query now. */
  accepts(): Promise<boolean>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], database?: string): Promise<T[]>;
  destroy(): Promise<void>;
}

/**
 * A private cluster. Without `replicaOf`, a new primary (initdb; it accepts replication connections,
 * as initdb's default pg_hba.conf allows from localhost). With it, a streaming hot standby of that
 * primary (pg_basebackup -R), read-only, replaying the primary's WAL as it comes.
 */
export async function startPrivatePostgres(opts: { replicaOf?: PrivatePostgres } = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (bin: string, args: string[]) =>
    root ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]) : run(join(PG_BIN, bin), args);
  const port = await freePort();
  if (opts.replicaOf) {
    const p = opts.replicaOf.port;
    await as('pg_basebackup', ['-h', '127.0.0.1', '-p', String(p), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--no-sync']);
  } else {
    await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  }
  return runCluster(dir, data, port, as);
}

async function runCluster(
  dir: string,
  data: string,
  port: number,
  as: (bin: string, args: string[]) => Promise<unknown>,
): Promise<PrivatePostgres> {
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`;
  const ctl = (args: string[]) => as('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', opts, ...args]);
  await ctl(['-w', '-t', '300', 'start']);
  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  const query = async <T>(sql: string, params: unknown[] = [], database = 'postgres') => {
    const c = new pg.Client({ connectionString: url(database), connectionTimeoutMillis: 5000 });
    c.on('error', () => {});
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end().catch(() => {});
    }
  };
  return {
    port,
    url,
    stop: async (mode) => void (await ctl(['-w', '-t', '300', '-m', mode, 'stop'])),
    start: async () => void (await ctl(['-w', '-t', '300', 'start'])),
    restart: async (mode) => void (await ctl(['-w', '-t', '300', '-m', mode, 'restart'])),
    accepts: async () => {
      try {
        await query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    query,
    async destroy() {
      await ctl(['-w', '-t', '60', '-m', 'immediate', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'vc-redis-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    const p = spawn(redisServerPath(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = p;
    await new Promise<void>((res, rej) => {
      let out = '';
      const onData = (b: Buffer) => {
        out += b.toString();
        if (/Ready to accept connections/.test(out)) {
          p.stdout?.off('data', onData);
          p.stdout?.resume();
          res();
        }
      };
      p.stdout?.on('data', onData);
      p.stderr?.resume();
      p.once('exit', (code) => rej(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
    });
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ServiceProcess {
  url: string;
  proc: ChildProcess;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  exited: { code: number | null; signal: NodeJS.Signals | null } | null;
  /** The last few kilobytes of its stderr, for failure messages. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/** `virtcompat serve` as its own process, on a free port; resolves once it logs its listening URL. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/virtcompat.mjs'), 'serve'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const svc: ServiceProcess = { url: '', proc, logs: [], exited: null, stderrTail: () => text, stop: async () => {} };
  let tail = '';
  let text = '';
  proc.stdout?.resume();
  proc.once('exit', (code, signal) => {
    svc.exited = { code, signal };
  });
  const listening = new Promise<string>((res, rej) => {
    // pino writes JSON lines to stderr.
    proc.stderr?.on('data', (b: Buffer) => {
      text = (text + b.toString()).slice(-4000);
      tail += b.toString();
      const lines = tail.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          svc.logs.push(rec);
          if (typeof rec.url === 'string' && rec.msg === 'virtcompat is listening') res(rec.url.replace(/\/graphql$/, ''));
        } catch {
          // not a JSON line
        }
      }
    });
    proc.once('exit', (code, signal) => {
      svc.exited = { code, signal };
      rej(new Error(`service exited (${code ?? signal}) before listening: ${text}`));
    });
  });
  svc.url = await listening;
  svc.stop = async () => {
    if (svc.exited) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(t);
  };
  return svc;
}
