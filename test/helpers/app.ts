// A seeded service driven in-process through yoga.fetch, with a count of SQL statements so tests
// can prove that an operation's cost is bounded.
import type { Logger } from 'pino';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import type { Database } from '../../src/db/index.ts';
import type { Sql } from '../../src/db/sql.ts';
import { buildApp, type App } from '../../src/api/app.ts';
import { prepareDatabase } from '../../src/api/startup.ts';
import { freshDatabase, type TargetKind } from './db.ts';

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
}

export interface TestApp {
  app: App;
  db: Database;
  statements: { count: number; texts: string[] };
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

export const quietLogger = (): Logger => pino({ level: 'silent' });

function countingSql(sql: Sql, stats: { count: number; texts: string[] }): Sql {
  return {
    query(text, params) {
      stats.count++;
      stats.texts.push(text);
      return sql.query(text, params);
    },
    transaction: (fn) => sql.transaction((tx) => fn(countingSql(tx, stats))),
  };
}

export async function seededApp(kind: TargetKind, env: Record<string, string> = {}): Promise<TestApp> {
  const t = await freshDatabase(kind);
  const raw = await t.open();
  await prepareDatabase(raw, { seed: true });
  const statements = { count: 0, texts: [] as string[] };
  const db: Database = { ...raw, sql: countingSql(raw.sql, statements), close: raw.close };
  const config = loadConfig({ RESPONSE_CACHE: 'false', LOG_LEVEL: 'silent', ...env });
  const app = buildApp(config, db, quietLogger());
  return {
    app,
    db,
    statements,
    async gql(query, variables, headers = {}) {
      const res = await app.yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as GqlResult;
      return { ...body, status: res.status };
    },
    async close() {
      await raw.close();
      await t.drop();
    },
  };
}
