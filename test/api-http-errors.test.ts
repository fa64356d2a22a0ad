// Requests refused before or around GraphQL are answered with a coded, GraphQL-shaped JSON body and
// nothing internal: bad GET parameters, unusable bodies, unsupported content types, oversized
// headers; cursors PostgreSQL could not take are BAD_CURSOR before any SQL; and aliased
// `compatibility` calls are weighed, so a document full of them is refused before it runs.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { testTargets } from './helpers/db.ts';
import { httpTestServer, type HttpTestServer } from './helpers/http-server.ts';

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  json: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } | undefined;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Answer['json'];
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type'), text, json };
}

/** A raw HTTP request (fetch refuses to send some of what these tests need). */
function raw(base: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL('/graphql?query=%7Bviewer%7Brole%7D%7D', base);
    const req = httpRequest(u, { method: 'GET', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let json: Answer['json'];
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, text, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function coded(a: Answer, status: number, code: string) {
  assert.equal(a.status, status, a.text);
  assert.match(a.contentType ?? '', /^application\/(graphql-response\+)?json/);
  assert.equal(a.json?.errors?.[0]?.extensions?.code, code, a.text);
  assert.doesNotMatch(a.text, /originalError|stack|SyntaxError|at .*\.[jt]s:\d+/);
}

const post = (base: string, body: string, contentType = 'application/json') =>
  call(`${base}/graphql`, { method: 'POST', headers: { 'content-type': contentType }, body });

describe('HTTP-level refusals', () => {
  let s: HttpTestServer;
  beforeAll(async () => {
    s = await httpTestServer('pglite');
  }, 60_000);
  afterAll(async () => {
    await s?.close();
  });

  it('a GET whose variables or extensions are not JSON is BAD_REQUEST, and nothing is logged', async () => {
    const q = encodeURIComponent('{ viewer { role } }');
    coded(await call(`${s.base}/graphql?query=${q}&variables=%7B`), 400, 'BAD_REQUEST');
    coded(await call(`${s.base}/graphql?query=${q}&extensions=%7B`), 400, 'BAD_REQUEST');
    coded(await call(`${s.base}/graphql?query=${q}&variables=5`), 400, 'BAD_REQUEST');
    coded(await call(`${s.base}/graphql?query=${q}&variables=%5B%5D`), 400, 'BAD_REQUEST');
    const ok = await call(`${s.base}/graphql?query=${q}&variables=%7B%7D`);
    assert.equal(ok.status, 200, ok.text);
    expect(s.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('a body of [] or {} is a coded BAD_REQUEST_BODY without the parser’s originalError', async () => {
    coded(await post(s.base, '[]'), 400, 'BAD_REQUEST_BODY');
    coded(await post(s.base, '[{"query":"{ viewer { role } }"}]'), 400, 'BAD_REQUEST_BODY');
    coded(await post(s.base, '{}'), 400, 'BAD_REQUEST_BODY');
    coded(await post(s.base, '{"query":'), 400, 'BAD_REQUEST_BODY');
  });

  it('an unsupported content type is 415 with a coded JSON body', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/octet-stream']) {
      const a = await post(s.base, '{ viewer { role } }', type);
      coded(a, 415, 'UNSUPPORTED_MEDIA_TYPE');
      assert.match(a.json?.errors?.[0]?.message ?? '', new RegExp(type.replace('/', '\\/')));
    }
  });

  it('oversized headers are 431 with a coded JSON body', async () => {
    const a = await raw(s.base, { 'x-padding': 'a'.repeat(40_000) });
    coded(a, 431, 'HEADERS_TOO_LARGE');
  });

  it('29 aliased compatibility calls are refused before any statement runs; ten are fine', async () => {
    const doc = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: compatibility(guest: "acmeos1", hypervisorRelease: "kvmt:1.0") { verdict }`).join(' ')} }`;
    const before = s.statements.length;
    const refused = await post(s.base, JSON.stringify({ query: doc(29) }));
    assert.equal(refused.json?.errors?.[0]?.extensions?.code, 'QUERY_TOO_EXPENSIVE', refused.text);
    assert.equal(refused.json?.data, undefined);
    assert.match(refused.json?.errors?.[0]?.message ?? '', /29 × Query\.compatibility/);
    assert.equal(s.statements.length, before, 'nothing ran');
    // The same through a fragment.
    const viaFragment = await post(s.base, JSON.stringify({ query: `query { ...F } fragment F on Query { ${doc(11).slice(1, -1)} }` }));
    assert.equal(viaFragment.json?.errors?.[0]?.extensions?.code, 'QUERY_TOO_EXPENSIVE', viaFragment.text);
    const ten = await post(s.base, JSON.stringify({ query: doc(10) }));
    assert.equal(ten.json?.errors, undefined, ten.text);
    assert.equal(Object.keys(ten.json?.data as object).length, 10);
  });
});

for (const kind of testTargets()) {
  describe(`sequence cursors past the bigint range (${kind})`, () => {
    let s: HttpTestServer;
    beforeAll(async () => {
      s = await httpTestServer(kind);
    }, 60_000);
    afterAll(async () => {
      await s?.close();
    });

    it('are BAD_CURSOR before any SQL, for the change feed and the audit log', async () => {
      for (const cursor of ['9223372036854775808', '9999999999999999999', '99999999999999999999', '-1', '1e5', '']) {
        for (const field of ['changes', 'auditLog']) {
          const before = s.statements.filter((x) => /"Change"|"AuditEntry"/.test(x)).length;
          const a = await call(`${s.base}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${s.t.keys.admin}` },
            body: JSON.stringify({ query: `query($c: String) { ${field}(after: $c) { nodes { __typename } } }`, variables: { c: cursor } }),
          });
          if (cursor === '') {
            assert.equal(a.json?.errors, undefined, `${field} with an empty cursor starts at the beginning: ${a.text}`);
            continue;
          }
          assert.equal(a.json?.errors?.[0]?.extensions?.code, 'BAD_CURSOR', `${field}(after: ${cursor}): ${a.text}`);
          assert.equal(
            s.statements.filter((x) => /"Change"|"AuditEntry"/.test(x)).length,
            before,
            `${field}(after: ${cursor}) reached SQL`,
          );
        }
      }
      // The largest bigint is a cursor the service could have issued: an empty page, no error.
      const max = await call(`${s.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ changes(after: "9223372036854775807") { nodes { seq } } }` }),
      });
      assert.deepEqual(max.json, { data: { changes: { nodes: [] } } });
    });
  });
}
