// The client side of the embedded database's admin channel. PGlite lets one process open a data
// folder; while `virtcompat serve` holds it, a command that works on the database (import, export,
// seed, vendor, key, db migrate) is handed to that service, which runs the same command code
// against its own open database (src/api/admin.ts) and streams the output back. The caller sees the
// same output and exit code as when the command runs directly.
//
// The channel: the service listens on 127.0.0.1 (a random port) and writes the port with a random
// token to DATA_DIR/admin.json, mode 0600, so only the user who runs the service can read the
// token. Every request carries it; the service refuses requests without it and commands it does not
// run for clients.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CliIO } from './types.ts';

export const ADMIN_FILE = 'admin.json';

/** The commands a service runs for a client: those that work on its database. */
export const DELEGABLE = [
  'db migrate',
  'export osinfo',
  'import osinfo',
  'import pci-ids',
  'import qemu',
  'key create',
  'key list',
  'key revoke',
  'seed',
  'vendor create',
  'vendor list',
  'vendor update',
] as const;

export interface AdminEndpoint {
  pid: number;
  port: number;
  token: string;
}

/** The body of POST /run. */
export interface RunRequest {
  argv: string[];
  cwd: string;
  /** So progress is a bar on a terminal and plain lines otherwise, as when run directly. */
  stdout: { isTTY: boolean; columns?: number };
  stderr: { isTTY: boolean; columns?: number };
  debug: boolean;
}

/** One line of the response stream (NDJSON): output on fd 1 or 2, then the exit code. */
export type RunFrame = { fd: 1 | 2; data: string } | { exit: number };

export class AdminChannelError extends Error {
  override name = 'AdminChannelError';
  constructor(
    readonly code: 'ADMIN_CHANNEL_UNSAFE' | 'ADMIN_CHANNEL_REFUSED' | 'ADMIN_CHANNEL_BROKEN',
    message: string,
  ) {
    super(message);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The admin endpoint of a live service holding dataDir, or null (no service, or a stale file left
 * by one that was killed). A file others could read or write is refused: its token is not secret.
 */
export function findService(dataDir: string): AdminEndpoint | null {
  const path = join(dataDir, ADMIN_FILE);
  let text: string;
  try {
    const st = statSync(path);
    if ((st.mode & 0o077) !== 0 || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
      throw new AdminChannelError(
        'ADMIN_CHANNEL_UNSAFE',
        `${path} is readable or writable by other users (mode ${(st.mode & 0o777).toString(8)}) or not yours; refusing to use it. Restart the service to write a new one.`,
      );
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let ep: Partial<AdminEndpoint>;
  try {
    ep = JSON.parse(text) as Partial<AdminEndpoint>;
  } catch {
    return null; // being written, or damaged: run directly, which reports the lock if there is one
  }
  if (typeof ep.pid !== 'number' || typeof ep.port !== 'number' || typeof ep.token !== 'string') return null;
  if (ep.pid === process.pid || !pidAlive(ep.pid)) return null;
  return { pid: ep.pid, port: ep.port, token: ep.token };
}

/**
 * Hands argv to the service that holds the embedded data folder and relays its output; returns the
 * exit code, or null when no service holds it (the command then runs here).
 */
export async function delegate(argv: string[], io: CliIO): Promise<number | null> {
  const { loadConfig } = await import('../config/index.ts');
  const { database } = loadConfig(io.env, io.cwd);
  if (database.kind !== 'pglite' || database.dataDir.startsWith('memory://')) return null;
  const ep = findService(database.dataDir);
  if (!ep) return null;
  const body: RunRequest = {
    argv,
    cwd: io.cwd,
    stdout: { isTTY: !!io.stdout.isTTY, columns: io.stdout.columns },
    stderr: { isTTY: !!io.stderr.isTTY, columns: io.stderr.columns },
    debug: io.env.VIRTCOMPAT_DEBUG !== undefined && (await import('./env.ts')).clientEnv(io.env).debug,
  };
  return runRemote(ep, body, io);
}

/** POST /run and relay the frames. Exported for the tests (a wrong token, a refused command). */
export async function runRemote(ep: AdminEndpoint, body: RunRequest, io: Pick<CliIO, 'stdout' | 'stderr'>): Promise<number | null> {
  // Loaded here: `virtcompat --help` and every command that finds no service need not pay for it.
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: ep.port,
        method: 'POST',
        path: '/run',
        headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            let message = text;
            try {
              message = (JSON.parse(text) as { error?: string }).error ?? text;
            } catch {}
            reject(new AdminChannelError('ADMIN_CHANNEL_REFUSED', `the service (pid ${ep.pid}) refused the command: ${message}`));
          });
          return;
        }
        let partial = '';
        let exit: number | null = null;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          partial += chunk;
          const lines = partial.split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            if (!line) continue;
            const f = JSON.parse(line) as RunFrame;
            if ('exit' in f) exit = f.exit;
            else (f.fd === 1 ? io.stdout : io.stderr).write(f.data);
          }
        });
        res.on('end', () => {
          if (exit === null)
            reject(new AdminChannelError('ADMIN_CHANNEL_BROKEN', `the service (pid ${ep.pid}) stopped before the command ended`));
          else resolve(exit);
        });
        res.on('error', (err) => reject(new AdminChannelError('ADMIN_CHANNEL_BROKEN', `connection to the service lost: ${err.message}`)));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The service went away between reading admin.json and connecting: run here (the lock says whether we may).
      if (err.code === 'ECONNREFUSED') resolve(null);
      else reject(new AdminChannelError('ADMIN_CHANNEL_BROKEN', `cannot reach the service (pid ${ep.pid}): ${err.message}`));
    });
    req.end(payload);
  });
}
