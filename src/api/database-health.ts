// How the API speaks about its database: failures become catalogue errors (a lost database is
// DATABASE_UNAVAILABLE, HTTP 503 with Retry-After, never INTERNAL_SERVER_ERROR), and /readyz says
// whether the database answers now, so it turns unready during an outage and ready again by itself.
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Database } from '../db/index.ts';
import { checkHistory } from '../db/migrate.ts';
import { classifyDbError, dbFailureToAppError, RETRY_AFTER_SECONDS } from '../db/classify.ts';

/** Logs an outage's start and end once each, not once per failing request. */
export function outageLog(logger: Logger) {
  let down = false;
  return {
    failed(err: unknown) {
      if (down) return;
      down = true;
      const f = classifyDbError(err);
      logger.warn(
        { event: 'database_unavailable', sqlState: f?.sqlState, err: err instanceof Error ? err.message : String(err) },
        'database unavailable: answering DATABASE_UNAVAILABLE (503) until it is back',
      );
    },
    recovered() {
      if (!down) return;
      down = false;
      logger.info({ event: 'database_available' }, 'database available again');
    },
  };
}

export type OutageLog = ReturnType<typeof outageLog>;

/** The catalogue error for a database failure found anywhere in the error's chain, or undefined. */
export function databaseErrorFor(error: unknown, outage: OutageLog): GraphQLError | undefined {
  const original = (error as { originalError?: unknown }).originalError ?? error;
  const translated = dbFailureToAppError(original);
  if (translated?.extensions.code === 'DATABASE_UNAVAILABLE') outage.failed(original);
  return translated;
}

export interface Readiness {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** /readyz: the database answers and every migration is applied. Never driver text in the body. */
export async function readiness(db: Database, outage: OutageLog): Promise<Readiness> {
  try {
    const status = await checkHistory(db);
    outage.recovered();
    if (status.pending.length) return { status: 503, headers: {}, body: { status: 'migrations pending', pending: status.pending } };
    return { status: 200, headers: {}, body: { status: 'ready', database: db.kind } };
  } catch (err) {
    if (classifyDbError(err)?.kind === 'UNAVAILABLE') {
      outage.failed(err);
      return {
        status: 503,
        headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        body: { status: 'database unavailable', code: 'DATABASE_UNAVAILABLE' },
      };
    }
    // A migration-history problem (DatabaseError) is written for the operator and names no secret.
    return { status: 503, headers: {}, body: { status: 'not ready', error: (err as Error).message } };
  }
}

/**
 * The 503 DATABASE_UNAVAILABLE answer (with Retry-After) for a failure while authenticating the
 * caller, or undefined when the failure is not the database's. Authentication runs in access
 * control's onRequest, before yoga's error masking, where a thrown error would become a bare 500;
 * access control calls this after it has charged the caller's rate-limit token.
 */
export function outageResponse(err: unknown, outage: OutageLog, R: typeof Response): Response | undefined {
  const e = databaseErrorFor(err, outage);
  if (e?.extensions.code !== 'DATABASE_UNAVAILABLE') return undefined;
  return new R(
    JSON.stringify({ errors: [{ message: e.message, extensions: { code: e.extensions.code, retryAfter: RETRY_AFTER_SECONDS } }] }),
    {
      status: 503,
      headers: { 'content-type': 'application/json; charset=utf-8', 'Retry-After': String(RETRY_AFTER_SECONDS) },
    },
  );
}
