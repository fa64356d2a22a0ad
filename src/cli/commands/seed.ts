import type { Command } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { loadConfig } from '../../config/index.ts';
import { openDatabase } from '../../db/index.ts';
import { migrate } from '../../db/migrate.ts';
import { applyCuratedSeed } from '../../../seed/load.ts';

export const command: Command = {
  name: 'seed',
  summary: 'apply the curated seed (idempotent)',
  usage: `Usage: virtcompat seed [--json]

Validates seed/curated/ and applies it in one transaction: new facts are added, changed
ones updated, nothing else touched. Running it twice changes nothing the second time.

Options:
  --json   print the summary as JSON
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' } });
    const config = loadConfig(io.env, io.cwd);
    const db = await openDatabase(config.database);
    try {
      await migrate(db);
      const summary = await applyCuratedSeed(db.prisma);
      io.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary) + '\n');
      return 0;
    } finally {
      await db.close();
    }
  },
};

function formatSummary(summary: unknown): string {
  if (!summary || typeof summary !== 'object') return String(summary);
  const rows = Object.entries(summary as Record<string, unknown>).map(([k, v]) =>
    typeof v === 'object' && v ? `${k.padEnd(24)} ${Object.entries(v).map(([a, b]) => `${a} ${b}`).join(', ')}` : `${k.padEnd(24)} ${v}`,
  );
  return rows.join('\n');
}
