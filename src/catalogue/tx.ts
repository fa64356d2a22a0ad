// Every catalogue write runs in one transaction: its checks, the write itself, the audit entries
// and the change-feed rows commit together or not at all.
import type { Database } from '../db/index.ts';
import { runTransaction, type RetryOptions } from '../db/retry.ts';
import type { Sql } from '../db/sql.ts';

/** One transaction, retried where that is safe (deadlocks, serialization failures, lost connections: src/db/retry.ts). */
export async function inTransaction<T>(db: Database, fn: (tx: Sql) => Promise<T>, opts?: RetryOptions): Promise<T> {
  return runTransaction(db.sql, fn, opts);
}

/** The row a statement must return (one just written, or locked in this transaction); none is a bug, not bad input. */
export function theRow<T>(rows: readonly T[], what: string): T {
  const row = rows[0];
  if (row === undefined) throw new Error(`${what}: expected a row, got none`);
  return row;
}
