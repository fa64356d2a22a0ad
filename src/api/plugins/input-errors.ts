// Errors the client caused that reach the masking step without a code: graphql-js's variable
// coercion errors ("Variable $x got invalid value ...") and values PostgreSQL refuses (a NUL byte,
// an out-of-range number). They are the caller's mistakes, so they get BAD_USER_INPUT and their
// message, never INTERNAL_SERVER_ERROR.
import { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';
import { ErrorCode } from '../../errors.ts';

function isPlainGraphQLError(e: unknown): boolean {
  if (!(e instanceof GraphQLError)) return false;
  return e.originalError == null || isPlainGraphQLError(e.originalError);
}

/** SQLSTATE class 22 (data exception): the value, not the server, is at fault. */
function dataException(e: unknown): { code: string } | undefined {
  for (let cur = e as { code?: unknown; originalError?: unknown; cause?: unknown } | undefined, i = 0; cur && i < 5; i++) {
    if (typeof cur.code === 'string' && /^22[0-9A-Z]{3}$/.test(cur.code)) return { code: cur.code };
    cur = (cur.originalError ?? cur.cause) as typeof cur;
  }
  return undefined;
}

export function classifyClientError(error: unknown): GraphQLError | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  if (error.extensions?.code) return undefined;
  if (error.path === undefined && isPlainGraphQLError(error)) {
    return createGraphQLError(error.message, {
      nodes: error.nodes,
      extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT },
    });
  }
  const data = dataException(error.originalError);
  if (data) {
    return createGraphQLError(
      data.code === '22021'
        ? 'a value in the request contains a character the database cannot store (a NUL byte or invalid UTF-8)'
        : 'a value in the request is out of range or malformed',
      { nodes: error.nodes, path: error.path, extensions: { code: ErrorCode.BAD_USER_INPUT, sqlState: data.code } },
    );
  }
  return undefined;
}
