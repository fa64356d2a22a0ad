import type { Database } from '../db/index.ts';
import type { CatalogueEvent } from '../catalogue/events.ts';

/** Streams and environment a subcommand works with; tests pass their own. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set when a running service runs the command for a client over its admin channel (src/api/admin.ts). */
  service?: ServiceHost;
}

/** The running service's side of a handed-over command: its open database and its event bus. */
export interface ServiceHost {
  db: Database;
  /** Tells the service's subscribers (and other instances) of committed changes, and clears its response cache. */
  announce(events: CatalogueEvent[]): void;
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
