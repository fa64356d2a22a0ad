import { entries as commands } from './commands/index.ts';
import { UsageError, type CliIO } from './types.ts';

function topUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'Usage: virtcompat <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'virtcompat <command> --help' for a command's options.",
  ].join('\n');
}

/** Dispatches argv to a subcommand. Multi-word commands (`db migrate`) match longest first. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(topUsage() + '\n');
    return argv.length === 0 ? 2 : 0;
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
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`virtcompat ${cmd.name}: ${err.message}\n\n${cmd.usage.trimEnd()}\n`);
      return 2;
    }
    const e = err as Error & { code?: string };
    io.stderr.write(`virtcompat ${cmd.name}: ${e.code ? `[${e.code}] ` : ''}${e.message}\n`);
    if (io.env.VIRTCOMPAT_DEBUG) io.stderr.write(`${e.stack}\n`);
    return 1;
  }
}
