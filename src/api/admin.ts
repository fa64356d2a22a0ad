// The embedded database's admin channel, service side (the client is src/cli/remote.ts). PGlite
// lets one process open a data folder, so while the service runs, `virtcompat import|export|seed|
// vendor|key|db migrate` hand their command line to it; it runs the same command code against its
// own open database, one command at a time, and streams stdout/stderr and the exit code back.
//
// Who may use it: the service listens on 127.0.0.1 only (a random port) and writes the port and a
// random 256-bit token to DATA_DIR/admin.json with mode 0600; a request without that token is
// refused (401) before anything runs, and only the commands in DELEGABLE run (others: 403).
//
// A client that goes away (Ctrl-C, killed) cancels its command: the next output the command writes
// throws, which rolls back its transaction, so nothing is half-written.
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { openSync, writeSync, closeSync, renameSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { withSql, type Database } from '../db/index.ts';
import type { Sql } from '../db/sql.ts';
import { ADMIN_FILE, DELEGABLE, type RunFrame, type RunRequest } from '../cli/remote.ts';
import type { CliIO } from '../cli/types.ts';
import { CATALOGUE_TOPIC, type CatalogueEvent } from '../catalogue/events.ts';
import type { App } from './app.ts';

export interface AdminChannel {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/** Thrown by a cancelled command's output streams. */
class ClientGone extends Error {
  override name = 'ClientGone';
}

/**
 * The service's database as a handed-over command sees it: before each statement it lets the event
 * loop run (PGlite answers through microtasks alone, so a long import would otherwise never notice
 * its client leaving) and stops the command, rolling back its transaction, once the client has gone.
 */
function cancellableSql(sql: Sql, check: () => Promise<void>): Sql {
  return {
    async query(text, params) {
      await check();
      return sql.query(text, params);
    },
    transaction: (fn) => sql.transaction((tx) => fn(cancellableSql(tx, check))),
  };
}

/** The command argv names, longest name first, if it is one the channel runs. */
export function delegableCommand(argv: readonly string[]): string | undefined {
  const byLength = [...DELEGABLE].sort((a, b) => b.split(' ').length - a.split(' ').length);
  return byLength.find((name) => name.split(' ').every((w, i) => argv[i] === w));
}

function sameToken(given: string, expected: string): boolean {
  // Hash both so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Writes path with mode 0600 from the start (never readable by others, even briefly), then swaps it in. */
function writePrivate(path: string, text: string) {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error(`request body over ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseRun(text: string): RunRequest {
  const b = JSON.parse(text) as Partial<RunRequest>;
  if (!Array.isArray(b.argv) || !b.argv.every((a) => typeof a === 'string')) throw new Error('argv must be a list of strings');
  if (typeof b.cwd !== 'string' || !b.cwd.startsWith('/')) throw new Error('cwd must be an absolute path');
  const tty = (t: unknown) => {
    const o = (t ?? {}) as { isTTY?: unknown; columns?: unknown };
    return { isTTY: o.isTTY === true, columns: typeof o.columns === 'number' ? o.columns : undefined };
  };
  return { argv: b.argv, cwd: b.cwd, stdout: tty(b.stdout), stderr: tty(b.stderr), debug: b.debug === true };
}

/** Starts the channel for an embedded database in a folder; null for PostgreSQL (every process can open it) or memory://. */
export async function startAdminChannel(config: Config, db: Database, app: App, logger: Logger): Promise<AdminChannel | null> {
  if (config.database.kind !== 'pglite' || config.database.dataDir.startsWith('memory://')) return null;
  const file = join(config.database.dataDir, ADMIN_FILE);
  const token = randomBytes(32).toString('hex');
  // One command at a time: they share the service's single embedded connection.
  let queue: Promise<unknown> = Promise.resolve();
  const { main } = await import('../cli/main.ts');

  const announce = (events: CatalogueEvent[]) => {
    for (const e of events) app.services.events.pubsub.publish(CATALOGUE_TOPIC, e);
    app.cache.clear();
  };

  async function run(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST' || req.url !== '/run') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${req.method} ${req.url}` }));
      return;
    }
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!auth?.[1] || !sameToken(auth[1], token)) {
      logger.warn('admin channel: request with a missing or wrong token refused');
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `missing or wrong token (see ${file})` }));
      return;
    }
    let body: RunRequest;
    try {
      body = parseRun(await readBody(req));
    } catch (err) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `bad request: ${(err as Error).message}` }));
      return;
    }
    const name = delegableCommand(body.argv);
    if (!name) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: `'${body.argv.slice(0, 2).join(' ')}' is not a command the service runs for clients (${DELEGABLE.join(', ')})`,
        }),
      );
      return;
    }

    // The client's end of the connection closing (FIN on a kill, or a reset) means it has gone: an
    // HTTP/1.1 client never half-closes while it waits for the answer.
    let gone = false;
    const leave = () => {
      if (!res.writableFinished) gone = true;
    };
    req.socket.once('end', leave);
    req.socket.once('close', leave);
    res.once('close', leave);
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const send = (f: RunFrame) => res.write(`${JSON.stringify(f)}\n`);
    const stream = (fd: 1 | 2, t: RunRequest['stdout']) =>
      ({
        isTTY: t.isTTY,
        columns: t.columns,
        write(chunk: string | Uint8Array, ...rest: unknown[]) {
          if (gone) throw new ClientGone('the client went away; the command is cancelled');
          send({ fd, data: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
          const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
          cb?.();
          return true;
        },
      }) as unknown as CliIO['stdout'];
    const check = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (gone) throw new ClientGone('the client went away; the command is cancelled');
    };
    const io: CliIO = {
      stdout: stream(1, body.stdout),
      stderr: stream(2, body.stderr),
      env: body.debug ? { VIRTCOMPAT_DEBUG: '1' } : {},
      cwd: body.cwd,
      service: { db: withSql(db, cancellableSql(db.sql, check)), announce },
    };

    const job = queue.then(async () => {
      if (gone) return;
      const started = Date.now();
      let exit: number;
      try {
        exit = await main(body.argv, io);
      } catch (err) {
        // main prints command errors itself; what reaches here is its output failing (the client left).
        exit = 1;
        if (!(err instanceof ClientGone)) logger.error({ err }, 'admin channel: command failed outside its error handling');
      }
      // Whatever the command changed is served at once (an import's rows, a vendor, a key).
      app.cache.clear();
      logger.info({ command: name, exit, ms: Date.now() - started, cancelled: gone }, 'admin channel: command ran');
      if (!gone) send({ exit });
      res.end();
    });
    queue = job.catch(() => {});
    await job;
  }

  const server = createServer((req, res) => {
    run(req, res).catch((err: unknown) => {
      logger.error({ err }, 'admin channel: request failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });
  let port: number;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    writePrivate(file, `${JSON.stringify({ pid: process.pid, port, token })}\n`);
  } catch (err) {
    // The service still serves; CLI commands on its database then stop with DB_LOCKED, as before.
    server.close();
    logger.warn(
      { err: (err as Error).message, file },
      'admin channel could not open; CLI commands cannot run while the service holds the embedded database',
    );
    return null;
  }
  logger.info({ port, file }, 'admin channel for CLI commands on the embedded database is open');

  return {
    port,
    async close() {
      rmSync(file, { force: true });
      // Commands in flight finish (their transactions commit or roll back) before the database closes.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue;
    },
  };
}
