// Listens, and shuts down gracefully: on SIGTERM/SIGINT stop accepting, let requests in flight
// finish (bounded by SHUTDOWN_TIMEOUT_MS), then close the database.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { openDatabase, type Database } from '../db/index.ts';
import { buildApp, type App } from './app.ts';
import { prepareDatabase } from './startup.ts';

export interface RunningServer {
  url: string;
  app: App;
  db: Database;
  server: Server;
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const db = await openDatabase(config.database);
  try {
    await prepareDatabase(db, { seed: config.seedOnStart, logger });
  } catch (err) {
    await db.close();
    throw err;
  }
  const app = buildApp(config, db, logger);
  const server = createServer(app.app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  logger.info({ url: `${url}/graphql`, database: db.description }, 'virtcompat is listening');

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
      await app.close();
      await db.close();
      logger.info('virtcompat stopped');
    })());
  return { url, app, db, server, close };
}
