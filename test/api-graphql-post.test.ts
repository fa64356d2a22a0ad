// POST /graphql with a JSON body skips express (App.handler, src/api/app.ts): each request below is
// sent to the production handler and to the express app alone, and both must answer alike: same
// status, content type and body, for valid bodies, malformed ones, non-object JSON, a byte order
// mark, a charset, the GraphQL response media type, and the cases left to express (compressed,
// chunked, too large, another charset).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { testTargets } from './helpers/db.ts';
import { httpTestServer, type HttpTestServer } from './helpers/http-server.ts';

interface Sent {
  headers: Record<string, string>;
  body: Buffer;
  /** Sent without content-length (chunked). */
  chunked?: boolean;
  path?: string;
}

function send(base: string, s: Sent): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...s.headers };
    if (!s.chunked) headers['content-length'] = s.body.length;
    const req = request(new URL(s.path ?? '/graphql', base), { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    if (s.chunked) {
      req.write(s.body.subarray(0, 5));
      req.end(s.body.subarray(5));
    } else req.end(s.body);
  });
}

const json = { 'content-type': 'application/json' };
const query = JSON.stringify({ query: '{ guestOSes(first: 2) { nodes { id name } } }' });

const CASES: Record<string, Sent> = {
  'a query': { headers: json, body: Buffer.from(query) },
  'a query with variables and an operation name': {
    headers: json,
    body: Buffer.from(
      JSON.stringify({ query: 'query Q($n: Int) { guestOSes(first: $n) { nodes { id } } }', variables: { n: 1 }, operationName: 'Q' }),
    ),
  },
  'charset=utf-8': { headers: { 'content-type': 'application/json; charset=UTF-8' }, body: Buffer.from(query) },
  'the GraphQL response media type': { headers: { 'content-type': 'application/graphql-response+json' }, body: Buffer.from(query) },
  'a byte order mark': { headers: json, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(query)]) },
  'malformed JSON': { headers: json, body: Buffer.from('{"query": ') },
  'a JSON string, not an object': { headers: json, body: Buffer.from('"{ __typename }"') },
  'whitespace only': { headers: json, body: Buffer.from('  \n ') },
  'an array (a batch, which yoga refuses)': { headers: json, body: Buffer.from(`[${query}]`) },
  'a GraphQL error (unknown field)': { headers: json, body: Buffer.from(JSON.stringify({ query: '{ nope }' })) },
  'gzip (left to express)': { headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync(query) },
  'chunked (left to express)': { headers: json, body: Buffer.from(query), chunked: true },
  'over the body limit (left to express)': {
    headers: json,
    body: Buffer.from(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(10_000) } })),
  },
  'latin1 (left to express)': { headers: { 'content-type': 'application/json; charset=latin1' }, body: Buffer.from(query) },
  'a query string on the path': { headers: json, body: Buffer.from(query), path: '/graphql?x=1' },
};

for (const kind of testTargets()) {
  describe(`POST /graphql without express (${kind})`, () => {
    let s: HttpTestServer;
    let expressOnly: Server;
    let expressBase: string;
    beforeAll(async () => {
      s = await httpTestServer(kind, { MAX_BODY_BYTES: '4096' });
      expressOnly = createServer(s.app.app);
      await new Promise<void>((r) => expressOnly.listen(0, '127.0.0.1', () => r()));
      expressBase = `http://127.0.0.1:${(expressOnly.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      expressOnly?.closeAllConnections();
      await new Promise<void>((r) => (expressOnly ? expressOnly.close(() => r()) : r()));
      await s?.close();
    });

    for (const [name, sent] of Object.entries(CASES)) {
      it(`answers ${name} as express does`, async () => {
        const fast = await send(s.base, sent);
        const slow = await send(expressBase, sent);
        expect(fast).toEqual(slow);
        expect(fast.status).toBeGreaterThanOrEqual(200);
      });
    }
  });
}
