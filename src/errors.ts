// One catalogue of expected errors: a code clients can branch on, the HTTP status it maps to, and
// a message written for the person reading it. Anything not in here is unexpected and is masked.
// graphql's own error class (what graphql-yoga's createGraphQLError makes): loading graphql-yoga
// costs every CLI command that touches the domain code over a second.
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  GUEST_OS_NOT_FOUND: 'GUEST_OS_NOT_FOUND',
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  HYPERVISOR_NOT_FOUND: 'HYPERVISOR_NOT_FOUND',
  HYPERVISOR_RELEASE_NOT_FOUND: 'HYPERVISOR_RELEASE_NOT_FOUND',
  HARDWARE_FEATURE_NOT_FOUND: 'HARDWARE_FEATURE_NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_CURSOR: 'BAD_CURSOR',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  RATE_LIMITED: 'RATE_LIMITED',
  CONFLICT: 'CONFLICT',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  TOO_MANY_RECORDS: 'TOO_MANY_RECORDS',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  TOO_MANY_RECORDS: 413,
  DATABASE_UNAVAILABLE: 503,
};

/** An expected error: shown to the client with its code, never masked. */
export function appError(code: ErrorCode, message: string, extra: Record<string, unknown> = {}, originalError?: unknown) {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...extra, ...(status ? { http: { status } } : {}) },
    originalError: originalError instanceof Error ? originalError : undefined,
  });
}

export const notFound = (code: ErrorCode, what: string, key: string) =>
  appError(code, `${what} ${JSON.stringify(key)} does not exist`, { key });

export const badInput = (message: string, field?: string) => appError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

/**
 * Translates Prisma's known request errors into catalogue errors at the boundary, so raw Prisma
 * text never reaches a client. Returns undefined for anything it does not recognise.
 */
export function fromPrismaError(err: unknown) {
  const e = err as { code?: string; meta?: Record<string, unknown> };
  switch (e?.code) {
    case 'P2002':
      return appError(
        ErrorCode.CONFLICT,
        'a record with the same unique key already exists',
        {
          target: e.meta?.target,
        },
        err,
      );
    case 'P2003':
      return appError(
        ErrorCode.BAD_USER_INPUT,
        'a referenced record does not exist',
        {
          field: e.meta?.field_name,
        },
        err,
      );
    case 'P2025':
      return appError(ErrorCode.NOT_FOUND, 'the record to change does not exist', {}, err);
    default:
      return undefined;
  }
}
