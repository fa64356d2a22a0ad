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
  // VIRTCOMPAT_TIMING=1: where a command's time goes (bench/cli.ts reads this line).
  // (The client environment model is loaded only when the variable is there at all.)
  const timing = io.env.VIRTCOMPAT_TIMING !== undefined && (await import('./env.ts')).clientEnv(io.env).timing;
  const t = timing ? [performance.now()] : null;
  const lap = () => t?.push(performance.now());
  const config = loadConfig(io.env, io.cwd);
  const db = await openDatabase(config.database);
  lap();
  try {
    // Only reads _prisma_migrations and the files' checksums when nothing is pending: the schema engine starts only to apply.
    await migrate(db);
    lap();
    return await fn(db);
  } finally {
    lap();
    await db.close();
    lap();
    if (t && t.length === 5) {
      const [start = 0, opened = 0, migrated = 0, ran = 0, closed = 0] = t.map(Math.round);
      io.stderr.write(
        `timing: start-up ${start} ms, open ${opened - start} ms, migration check ${migrated - opened} ms, command ${ran - migrated} ms, close ${closed - ran} ms\n`,
      );
    }
  }
}
