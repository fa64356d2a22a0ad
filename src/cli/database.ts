import { loadConfig } from '../config/index.ts';
import { openDatabase, type Database } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import type { CliIO } from './types.ts';

/**
 * Opens the service's database (embedded, or DATABASE_URL), migrates it, runs fn, closes it. A
 * command the running service runs for a client (src/api/admin.ts) uses the service's open,
 * migrated database instead.
 */
export async function withDatabase<T>(io: CliIO, fn: (db: Database) => Promise<T>): Promise<T> {
  if (io.service) return fn(io.service.db);
  const config = loadConfig(io.env, io.cwd);
  const db = await openDatabase(config.database);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}
