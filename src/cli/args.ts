import { parseArgs, type ParseArgsConfig } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, type CliIO } from './types.ts';

/** node:util parseArgs, strict, with errors turned into UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, ...options }, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * A file or folder named on the command line, resolved against the caller's cwd (the service's
 * differs when it runs the command for a client). A missing one is a usage error (exit 2), in
 * every command alike.
 */
export function inputPath(io: Pick<CliIO, 'cwd'>, given: string, what: string): string {
  const path = resolve(io.cwd, given);
  if (!existsSync(path)) throw new UsageError(`${what} ${given}: no such file or directory`);
  return path;
}
