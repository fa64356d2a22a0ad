import type { Command } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { loadConfig } from '../../config/index.ts';
import { openDatabase } from '../../db/index.ts';
import { checkHistory, migrate } from '../../db/migrate.ts';

export const migrateCommand: Command = {
  name: 'db migrate',
  summary: 'apply pending migrations (embedded database, or DATABASE_URL)',
  usage: `Usage: virtcompat db migrate [--status]

Applies prisma/migrations to the database the service uses, with Prisma's schema engine
(offline). A failed or foreign migration history is reported and left untouched.

Options:
  --status   only report applied and pending migrations
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { status: { type: 'boolean' } });
    // Run by the service for a client (admin channel): its database, which it migrated at start.
    const db = io.service?.db ?? (await openDatabase(loadConfig(io.env, io.cwd).database));
    try {
      if (values.status) {
        const s = await checkHistory(db);
        io.stdout.write(`${db.description}\napplied: ${s.applied.length}\npending: ${s.pending.length ? s.pending.join(', ') : 'none'}\n`);
        return 0;
      }
      const applied = await migrate(db);
      io.stdout.write(applied.length ? `applied ${applied.join(', ')} to ${db.description}\n` : `${db.description} is up to date\n`);
      return 0;
    } finally {
      if (!io.service) await db.close();
    }
  },
};
