// The vendor fixtures' service behind a real node:http server on a free port, set up as startServer
// sets it up (answerClientErrors included), with every log line kept and every SQL statement counted,
// so tests can say what a refused request did not do.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildApp, type App } from '../../src/api/app.ts';
import { answerClientErrors } from '../../src/api/plugins/http-errors.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { Database } from '../../src/db/index.ts';
import type { Sql } from '../../src/db/sql.ts';
import { vendorApp, type VendorTestApp } from './vendor-fixtures.ts';
import type { TargetKind } from './db.ts';

export interface HttpTestServer {
  t: VendorTestApp;
  app: App;
  base: string;
  /** Log lines (parsed pino JSON) at warn level and above. */
  logs: Array<{ level: number; msg: string; err?: unknown }>;
  statements: string[];
  close(): Promise<void>;
}

function counting(sql: Sql, texts: string[]): Sql {
  return {
    query(text, params) {
      texts.push(text);
      return sql.query(text, params);
    },
    transaction: (fn) => sql.transaction((tx) => fn(counting(tx, texts))),
  };
}

export async function httpTestServer(kind: TargetKind, env: Record<string, string> = {}): Promise<HttpTestServer> {
  const t = await vendorApp(kind);
  const logs: HttpTestServer['logs'] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const statements: string[] = [];
  const db: Database = { ...t.db, sql: counting(t.db.sql, statements) };
  const app = buildApp(
    loadConfig({ RESPONSE_CACHE: 'false', LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', ...env }),
    db,
    pino({ level: 'warn' }, sink),
  );
  const server: Server = createServer(app.handler);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    t,
    app,
    base: `http://127.0.0.1:${port}`,
    logs,
    statements,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      await t.close();
    },
  };
}
