// Listens, and shuts down gracefully: on SIGTERM/SIGINT stop accepting, let requests in flight
// finish (bounded by SHUTDOWN_TIMEOUT_MS), then close the database.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { openDatabase, type Database } from '../db/index.ts';
import { buildApp, type App } from './app.ts';
import { prepareDatabase } from './startup.ts';
import { startAdminChannel } from './admin.ts';
import { answerClientErrors } from './plugins/http-errors.ts';

export interface RunningServer {
  url: string;
  app: App;
  db: Database;
  server: Server;
  close(): Promise<void>;
}

/** The port is taken: found before any database work, so a second start never migrates or seeds. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
  readonly code = 'PORT_IN_USE';
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`${host}:${port} is already in use (another virtcompat running?); stop it, or start on another port with PORT=N or --port N`);
  }
}

/** Binds the address; until the app is attached, every request gets 503 "starting". */
async function bind(config: Config): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ status: 'starting' }));
  });
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(config.host, config.port) : err),
    );
    server.listen(config.port, config.host, () => resolve());
  });
  return server;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const server = await bind(config);
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  let db: Database | undefined;
  let app: App;
  try {
    // Node and module loading until now, then the database's own start (a new embedded folder is initialised).
    const loadMs = Math.round(process.uptime() * 1000);
    const opening = Date.now();
    db = await openDatabase(config.database);
    const openMs = Date.now() - opening;
    const prepared = await prepareDatabase(db, { seed: config.seedOnStart, osinfo: config.osinfoOnStart, logger });
    // CPU time so far: what the start costs whatever else the machine is doing.
    const cpu = process.cpuUsage();
    const report = { loadMs, openMs, ...prepared, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
    logger.info(
      { startup: report },
      `database ready: open ${report.openMs} ms, migrate ${report.migrateMs} ms, seed ${report.seedMs} ms, osinfo-db ${report.osinfoMs} ms`,
    );
    app = buildApp(config, db, logger);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db?.close();
    throw err;
  }
  server.removeAllListeners('request');
  server.on('request', app.handler);
  server.keepAliveTimeout = 65_000;
  // CLI commands on the embedded database run here while the service holds it (src/api/admin.ts).
  const admin = await startAdminChannel(config, db, app, logger);
  logger.info({ url: `${url}/graphql`, database: db.description }, 'virtcompat is listening');
  const database = db;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn('shutdown timeout: closing remaining connections');
          server.closeAllConnections();
        }, config.shutdownTimeoutMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      await admin?.close();
      await app.close();
      await database.close();
      logger.info('virtcompat stopped');
    })());
  return { url, app, db: database, server, close };
}
