// What the service does to a database before it answers: migrate, and load the curated seed into
// an empty catalogue. Shared by `serve`, the tests and the benchmark.
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { migrate } from '../db/migrate.ts';
import { applyCuratedSeed } from '../../seed/load.ts';

export async function prepareDatabase(db: Database, opts: { seed: boolean; logger?: Logger }): Promise<void> {
  const applied = await migrate(db);
  if (applied.length) opts.logger?.info({ migrations: applied }, `applied ${applied.length} migration(s)`);
  if (!opts.seed) return;
  const [{ n }] = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Hypervisor"`);
  if (n > 0) return;
  const summary = await applyCuratedSeed(db.prisma);
  opts.logger?.info({ seed: summary }, 'loaded the curated seed into an empty catalogue');
}
