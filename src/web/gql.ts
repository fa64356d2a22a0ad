// Pages ask the catalogue by running GraphQL operations in-process against the very yoga instance
// that serves /graphql (yoga.fetch, no socket). Why not call the domain layer directly: this way
// a page reads through one data path with the API, so it can never drift from it, and it inherits
// everything the API does per request: authentication (the session's API key travels in the
// Authorization header, so a page sees exactly what that key sees through /graphql), the document
// limits, the rate limit (charged to the visitor's address: the express request goes along as
// yoga's server context), database-outage answers, and the response cache, keyed by API key, so
// one caller's answer is never served to another (test/web-pages.test.ts checks a pending record).
import type { Request as ExpressRequest } from 'express';

/** What pages need of the yoga instance (structural: src/web does not import src/api). */
export interface YogaFetch {
  fetch(url: string, init: RequestInit, serverContext?: Record<string, unknown>): Promise<Response> | Response;
}

export interface GqlErrorShape {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [k: string]: unknown };
}

/** A GraphQL answer a page cannot render: carries the HTTP status the page answers with. */
export class PageError extends Error {
  override name = 'PageError';
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  DATABASE_UNAVAILABLE: 503,
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
};

export interface Gql {
  /** Data of the operation; throws PageError when the answer has errors and no usable data. */
  <T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** The whole answer (data and errors), for pages that show partial errors. */
  full<T>(query: string, variables?: Record<string, unknown>): Promise<{ data: T | null; errors: GqlErrorShape[] }>;
}

export function gqlFor(yoga: YogaFetch, req: ExpressRequest, apiKey: string | null): Gql {
  async function full<T>(query: string, variables: Record<string, unknown> = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const res = await yoga.fetch(
      'http://pages.internal/graphql',
      { method: 'POST', headers, body: JSON.stringify({ query, variables }) },
      { req },
    );
    const body = (await res.json()) as { data?: T | null; errors?: GqlErrorShape[] };
    const errors = body.errors ?? [];
    if (!body.data && errors.length) throw toPageError(errors, res);
    return { data: body.data ?? null, errors };
  }
  const run = (async <T>(query: string, variables?: Record<string, unknown>) => {
    const r = await full<T>(query, variables);
    if (r.errors.length) throw toPageError(r.errors, null);
    return r.data as T;
  }) as Gql;
  run.full = full;
  return run;
}

function toPageError(errors: GqlErrorShape[], res: Response | null): PageError {
  const first = errors[0];
  const code = String(first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const headers: Record<string, string> = {};
  const retry = res?.headers.get('retry-after');
  if (retry) headers['Retry-After'] = retry;
  return new PageError(
    STATUS[code] ?? (code.endsWith('_NOT_FOUND') ? 404 : res && res.status >= 400 ? res.status : 500),
    first?.message ?? 'unexpected error',
    code,
    headers,
  );
}
