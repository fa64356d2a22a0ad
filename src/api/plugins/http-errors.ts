// Requests refused before GraphQL starts, answered like every other error: a GraphQL-shaped JSON
// body whose error carries extensions.code, never an empty body, a stack or a parser's internals.
// - yoga answers an unsupported content type with an empty 415, a GET whose `variables` or
//   `extensions` is not JSON with INTERNAL_SERVER_ERROR (and a logged stack), and a JSON body it
//   cannot use (`[]`, `{}`; express has consumed the stream) with the JSON parser's originalError;
// - Node's HTTP parser answers oversized headers (431) and malformed requests (400) with no body.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export const HttpErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  BAD_REQUEST_BODY: 'BAD_REQUEST_BODY',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
} as const;

/** The body every refusal here carries. */
export function errorBody(message: string, code: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

const badRequest = (message: string, code: string = HttpErrorCode.BAD_REQUEST) =>
  createGraphQLError(message, { extensions: { code, http: { status: 400 } } });

/** The parsed body express left on the node request, if any. */
function expressBody(serverContext: unknown): unknown {
  return (serverContext as { req?: { body?: unknown } } | undefined)?.req?.body;
}

/** GET parameters that must hold a JSON object, when present. */
const JSON_PARAMS = ['variables', 'extensions'] as const;

function checkGetParams(url: URL): GraphQLError | undefined {
  for (const name of JSON_PARAMS) {
    const raw = url.searchParams.get(name);
    if (raw == null || raw === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      return badRequest(`the \`${name}\` query parameter is not valid JSON`);
    }
    if (v !== null && (typeof v !== 'object' || Array.isArray(v)))
      return badRequest(`the \`${name}\` query parameter must be a JSON object`);
  }
  return undefined;
}

/** A parser error without what the parser said internally (extensions.originalError). */
function withoutInternals(err: unknown): unknown {
  if (!(err instanceof GraphQLError) || !err.extensions || !('originalError' in err.extensions)) return err;
  const { originalError: _dropped, ...extensions } = err.extensions;
  return createGraphQLError(err.message, { extensions: { code: HttpErrorCode.BAD_REQUEST, ...extensions } });
}

export function useHttpErrors(): Plugin {
  return {
    // A subscription asked for as plain JSON would hold the connection until the first event (maybe
    // forever): it needs a streaming answer.
    onSubscribe({ args, setResultAndStopExecution }) {
      const accept = (args.contextValue as { request?: Request }).request?.headers.get('accept') ?? '';
      if (/text\/event-stream|multipart\/mixed/i.test(accept)) return;
      setResultAndStopExecution({
        errors: [
          createGraphQLError('subscriptions stream their events: send `Accept: text/event-stream` (Server-Sent Events)', {
            extensions: { code: HttpErrorCode.BAD_REQUEST, http: { status: 406 } },
          }),
        ],
      });
    },
    onRequestParse({ request, url, requestParser, serverContext, setRequestParser, endResponse, fetchAPI }) {
      const refuse = (status: number, message: string, code: string) =>
        endResponse(
          new fetchAPI.Response(errorBody(message, code), { status, headers: { 'content-type': 'application/json; charset=utf-8' } }),
        );
      // Other methods get yoga's own 405 (JSON, coded).
      if (!requestParser && request.method === 'POST') {
        const type = request.headers.get('content-type') ?? 'none';
        refuse(
          415,
          `unsupported content type ${JSON.stringify(type.slice(0, 100))}: send application/json (POST) or use GET with a query string`,
          HttpErrorCode.UNSUPPORTED_MEDIA_TYPE,
        );
        return;
      }
      if (request.method === 'GET') {
        const bad = checkGetParams(url);
        if (bad) throw bad;
      } else if (request.method === 'POST') {
        const body = expressBody(serverContext);
        if (Array.isArray(body))
          throw badRequest('batched requests are not supported: send one operation as a JSON object', HttpErrorCode.BAD_REQUEST_BODY);
        if (body !== null && typeof body === 'object' && Object.keys(body).length === 0) {
          throw badRequest('the request body is an empty JSON object: give at least `query`', HttpErrorCode.BAD_REQUEST_BODY);
        }
      }
      const parse = requestParser;
      if (!parse) return;
      setRequestParser(async (req) => {
        try {
          return await parse(req);
        } catch (err) {
          throw withoutInternals(err);
        }
      });
    },
  };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/**
 * Answers what Node's HTTP parser refuses (before express sees a request) with a JSON body and a
 * code, as Node itself would choose the status: 431 for oversized headers, 408 for a request that
 * took too long, 400 for anything malformed.
 */
export function answerClientErrors(server: Server): void {
  // No separate cap on the number of headers: past it Node drops the rest (Host included) and
  // answers an empty 400. Their total size stays capped (maxHeaderSize), answered 431 below.
  server.maxHeadersCount = 0;
  server.on('clientError', (err: Error & { code?: string }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, message, code] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'request headers are too large', HttpErrorCode.HEADERS_TOO_LARGE]
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'the request took too long to arrive', 'REQUEST_TIMEOUT']
          : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
            ? [413, 'chunk extensions are too large', 'BODY_TOO_LARGE']
            : [400, 'malformed HTTP request', HttpErrorCode.BAD_REQUEST];
    const body = errorBody(message, code);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
