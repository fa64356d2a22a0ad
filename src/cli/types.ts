/** Streams and environment a subcommand works with; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Exit code: 0 ok, 1 failure, 2 usage error. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Thrown for a bad command line; main prints the message with the usage and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
