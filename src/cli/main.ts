import { readFileSync } from 'node:fs';
import { entries as commands } from './commands/index.ts';
import { runCommand } from './run-command.ts';
import type { CliIO } from './types.ts';
import { DELEGABLE, delegate } from './remote.ts';

function topUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'Usage: virtcompat <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'virtcompat <command> --help' for a command's options; 'virtcompat --version' for the version.",
  ].join('\n');
}

/** The version in package.json (the one file that states it). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** Dispatches argv to a subcommand. Multi-word commands (`db migrate`) match longest first. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(topUsage() + '\n');
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.stdout.write(`virtcompat ${packageVersion()}\n`);
    return 0;
  }
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  const entry = sorted.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!entry) {
    io.stderr.write(`virtcompat: unknown command '${argv.join(' ')}'\n\n${topUsage()}\n`);
    return 2;
  }
  const rest = argv.slice(entry.name.split(' ').length);
  const cmd = await entry.load();
  if (io.service || !(DELEGABLE as readonly string[]).includes(entry.name)) return runCommand(cmd, rest, io);
  // A running service holds the embedded database: it runs the command for us (src/cli/remote.ts);
  // --help and errors of the hand-over itself are answered here, as for any command.
  return runCommand({ ...cmd, run: async (args, io) => (await delegate(argv, io)) ?? cmd.run(args, io) }, rest, io);
}
