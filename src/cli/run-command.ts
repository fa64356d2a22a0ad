import { type CliIO, type Command, UsageError } from './types.ts';

/**
 * Runs one command with its arguments: `--help` prints its usage; a UsageError prints the message and the
 * usage (exit 2); any other error prints its code and message (exit 1). main() and the fast `plan` bundle
 * (fast-plan.ts) both run commands through here, so they answer alike.
 */
export async function runCommand(cmd: Command, rest: string[], io: CliIO): Promise<number> {
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
    if (await debugging(io.env)) io.stderr.write(`${e.stack}\n`);
    return 1;
  }
}

/** VIRTCOMPAT_DEBUG from the client environment; an environment that does not parse has been reported already. */
async function debugging(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    // loaded here: only an unexpected error needs the environment model
    const { clientEnv } = await import('./env.ts');
    return clientEnv(env).debug;
  } catch {
    return false;
  }
}
