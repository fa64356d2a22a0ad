// Transactions that run again when running again is safe. A transaction that failed before COMMIT
// was sent was rolled back by the server (or died with its connection), so a fresh attempt cannot
// write twice. A connection lost during COMMIT leaves the outcome unknown: only a write that is
// idempotent by construction (an idempotency key claimed in the same transaction, so a second run
// replays the first) may run again; any other write reports DATABASE_UNAVAILABLE.
import type { Sql } from './sql.ts';
import { classifyDbError, DatabaseUnavailableError } from './classify.ts';

export interface RetryOptions {
  /** The transaction may run again after a COMMIT whose outcome is unknown. */
  idempotent?: boolean;
}

/** Attempts for deadlocks and serialization failures (they clear as soon as the other writer commits). */
const RACE_ATTEMPTS = 6;
/**
 * Attempts for a lost or refused connection: enough to step over one terminated backend or a
 * pool full of dead connections, few enough that a real outage answers 503 within a second
 * rather than holding the request.
 */
const CONNECTION_ATTEMPTS = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the failure lets the transaction run again, and after how long; undefined when it does not. */
export function retryDelayMs(err: unknown, attempt: number, opts: RetryOptions = {}): number | undefined {
  const f = classifyDbError(err);
  if (!f) return undefined;
  if (f.kind === 'RETRY') return attempt < RACE_ATTEMPTS ? 5 * attempt + Math.random() * 20 * attempt : undefined;
  if (f.kind !== 'UNAVAILABLE') return undefined;
  // A statement that ran out of time would only run out of time again, with the database's load.
  if (f.sqlState === '57014') return undefined;
  if (err instanceof DatabaseUnavailableError && err.commitOutcomeUnknown && !opts.idempotent) return undefined;
  return attempt < CONNECTION_ATTEMPTS ? 100 * 2 ** (attempt - 1) * (0.5 + Math.random()) : undefined;
}

/** One transaction, run again (bounded, with backoff) on the failures where that is safe. */
export async function runTransaction<T>(sql: Sql, fn: (tx: Sql) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sql.transaction(fn);
    } catch (err) {
      const delay = retryDelayMs(err, attempt, opts);
      if (delay === undefined) throw err;
      await sleep(delay);
    }
  }
}
