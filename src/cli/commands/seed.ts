import type { Command } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { withDatabase } from '../database.ts';
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
    const summary = await withDatabase(io, (db) => applyCuratedSeed(db));
    io.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary) + '\n');
    return 0;
  },
};

function formatSummary(summary: unknown): string {
  if (!summary || typeof summary !== 'object') return String(summary);
  const rows = Object.entries(summary as Record<string, unknown>).map(([k, v]) =>
    typeof v === 'object' && v
      ? `${k.padEnd(24)} ${Object.entries(v)
          .map(([a, b]) => `${a} ${b}`)
          .join(', ')}`
      : `${k.padEnd(24)} ${v}`,
  );
  return rows.join('\n');
}
