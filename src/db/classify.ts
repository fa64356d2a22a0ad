// One place that knows what a database failure means. Drivers report failures in several shapes:
// node-postgres and PGlite throw errors with a SQLSTATE `code`; node itself throws socket errors
// (ECONNREFUSED ...) or pg's plain "Connection terminated" Error; Prisma wraps all of those in its
// own errors (P1001, P1017, P2024 ...) with the driver adapter's error (a `kind`, the original
// SQLSTATE) in `meta.driverAdapterError` or `cause`. Everything else in the code asks this module,
// never a SQLSTATE literal, and public errors carry the catalogue code only, never driver text.
import { createGraphQLError } from 'graphql-yoga';
import { appError, ErrorCode } from '../errors.ts';

/**
 * - CONFLICT: a unique key is taken (23505).
 * - BAD_INPUT: the value is at fault (class 22, 23502, 23503, 23514).
 * - RETRY: the transaction lost a race (40001 serialization failure, 40P01 deadlock); run it again.
 * - UNAVAILABLE: the connection or the server is gone or refusing (class 08, 57P01-57P03, 53300,
 *   socket errors, pool timeouts), or a statement ran past statement_timeout (57014); the request
 *   may succeed later.
 */
export type DbFailureKind = 'CONFLICT' | 'BAD_INPUT' | 'RETRY' | 'UNAVAILABLE';

export interface DbFailure {
  kind: DbFailureKind;
  /** The SQLSTATE when there was one, for logs and for picking a message; never sent to clients. */
  sqlState?: string;
}

/** Seconds a client is asked to wait before trying again while the database is unavailable. */
export const RETRY_AFTER_SECONDS = 2;

/** Thrown by our own code when it knows the database is unreachable (e.g. a commit with unknown outcome). */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
  constructor(
    message: string,
    readonly commitOutcomeUnknown = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function classifySqlState(code: string): DbFailureKind | undefined {
  if (code === '23505') return 'CONFLICT';
  if (code === '23502' || code === '23503' || code === '23514' || code.startsWith('22')) return 'BAD_INPUT';
  if (code === '40001' || code === '40P01') return 'RETRY';
  // 57014: a statement cancelled by statement_timeout (a slow or locked database): try again later.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '57014' || code === '53300')
    return 'UNAVAILABLE';
  return undefined;
}

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

// Prisma's own codes: P1001 cannot reach, P1002 timed out reaching, P1008 operation timed out,
// P1011 TLS, P1017 server closed the connection, P2024 pool timeout, P2037 too many connections.
const PRISMA_UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024', 'P2037']);
const PRISMA_KIND: Record<string, DbFailureKind> = { P2002: 'CONFLICT', P2003: 'BAD_INPUT', P2034: 'RETRY' };

// Driver adapter error kinds (@prisma/driver-adapter-utils).
const ADAPTER_KIND: Record<string, DbFailureKind> = {
  DatabaseNotReachable: 'UNAVAILABLE',
  ConnectionClosed: 'UNAVAILABLE',
  SocketTimeout: 'UNAVAILABLE',
  TooManyConnections: 'UNAVAILABLE',
  TlsConnectionError: 'UNAVAILABLE',
  TransactionWriteConflict: 'RETRY',
  UniqueConstraintViolation: 'CONFLICT',
  NullConstraintViolation: 'BAD_INPUT',
  ForeignKeyConstraintViolation: 'BAD_INPUT',
  LengthMismatch: 'BAD_INPUT',
  ValueOutOfRange: 'BAD_INPUT',
  InvalidInputValue: 'BAD_INPUT',
};

// Messages node-postgres and pg-pool use for a lost or unobtainable connection (they carry no code).
const CONNECTION_TEXT =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|terminating connection due to|the database system is (starting up|shutting down|in recovery mode)/i;

type Node = {
  code?: unknown;
  errorCode?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  clientVersion?: unknown;
  severity?: unknown;
  syscall?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  originalError?: unknown;
  meta?: { driverAdapterError?: unknown };
};

function classifyNode(n: Node): DbFailure | undefined {
  if (n instanceof DatabaseUnavailableError) return { kind: 'UNAVAILABLE' };
  // Prisma's errors: a P-code on `code` (known request errors) or `errorCode` (initialization).
  const prismaCode =
    typeof n.clientVersion === 'string'
      ? typeof n.code === 'string'
        ? n.code
        : typeof n.errorCode === 'string'
          ? n.errorCode
          : undefined
      : undefined;
  if (prismaCode) {
    if (PRISMA_UNAVAILABLE.has(prismaCode)) return { kind: 'UNAVAILABLE' };
    const k = PRISMA_KIND[prismaCode];
    if (k) return { kind: k };
  }
  // A driver adapter's error description ({ kind, originalCode }).
  if (typeof n.kind === 'string') {
    if (typeof n.originalCode === 'string') {
      const k = classifySqlState(n.originalCode);
      if (k) return { kind: k, sqlState: n.originalCode };
    }
    if (n.kind === 'postgres' && typeof n.code === 'string') {
      const k = classifySqlState(n.code);
      if (k) return { kind: k, sqlState: n.code };
    }
    const k = ADAPTER_KIND[n.kind];
    if (k) return { kind: k };
  }
  // node-postgres / PGlite: a SQLSTATE on `code`, with a severity.
  if (typeof n.code === 'string' && /^[0-9A-Z]{5}$/.test(n.code) && (typeof n.severity === 'string' || !prismaCode)) {
    const k = classifySqlState(n.code);
    if (k) return { kind: k, sqlState: n.code };
  }
  if (typeof n.code === 'string' && SOCKET_CODES.has(n.code)) return { kind: 'UNAVAILABLE' };
  if (typeof n.message === 'string' && CONNECTION_TEXT.test(n.message)) return { kind: 'UNAVAILABLE' };
  return undefined;
}

/** What a database failure means, looking through wrappers (cause, originalError, Prisma meta); undefined if it is none. */
export function classifyDbError(err: unknown): DbFailure | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length && seen.size < 16) {
    const cur = queue.shift();
    if (cur == null || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    const n = cur as Node;
    const hit = classifyNode(n);
    if (hit) return hit;
    queue.push(n.originalError, n.cause, n.meta?.driverAdapterError);
    if (cur instanceof AggregateError) queue.push(...cur.errors);
  }
  return undefined;
}

export const isUnavailable = (err: unknown) => classifyDbError(err)?.kind === 'UNAVAILABLE';

/** DATABASE_UNAVAILABLE: HTTP 503 with Retry-After, for GraphQL answers and plain routes alike. */
export function unavailableError(message = 'the database is unavailable; try again shortly', original?: Error) {
  return createGraphQLError(message, {
    extensions: {
      code: ErrorCode.DATABASE_UNAVAILABLE,
      retryAfter: RETRY_AFTER_SECONDS,
      http: { status: 503, headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } },
    },
    originalError: original,
  });
}

/**
 * The catalogue error a database failure becomes at the API boundary, or undefined when the error
 * is not a recognised database failure (then it stays unexpected and is masked). Messages name
 * what went wrong in the caller's terms; the SQLSTATE and driver text stay in the server's log.
 */
export function dbFailureToAppError(err: unknown) {
  const f = classifyDbError(err);
  if (!f) return undefined;
  const original = err instanceof Error ? err : undefined;
  switch (f.kind) {
    case 'UNAVAILABLE':
    case 'RETRY':
      // A RETRY that reaches the boundary ran out of attempts; the caller may try again soon.
      return unavailableError(
        f.kind === 'RETRY' ? 'the database could not complete the request because of concurrent writes; try again' : undefined,
        original,
      );
    case 'CONFLICT':
      return appError(ErrorCode.CONFLICT, 'a record with the same unique key already exists', {}, original);
    case 'BAD_INPUT':
      return appError(
        ErrorCode.BAD_USER_INPUT,
        f.sqlState === '22021'
          ? 'a value in the request contains a character the database cannot store (a NUL byte or invalid UTF-8)'
          : f.sqlState === '23503'
            ? 'a referenced record does not exist'
            : 'a value in the request is out of range or malformed',
        {},
        original,
      );
  }
}
