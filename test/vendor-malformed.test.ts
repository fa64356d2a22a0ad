// Malformed input over real HTTP: wrong types, huge strings, unknown ids, odd unicode, SQL and
// script injection strings, deep nesting. Every answer is a typed error (a code a client can
// branch on) or typed input errors; never a 500, never a stack trace, and nothing is damaged.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { testTargets } from './helpers/db.ts';
import { vendorApp, IDS, SUBMIT, goodRecord, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { at } from '../src/util/must.ts';

const STACK = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+:\d+|\.js:\d+:\d+/;

interface Answer {
  status: number;
  text: string;
  body: { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

for (const kind of testTargets()) {
  describe(`malformed input never breaks the service (${kind})`, () => {
    let t: VendorTestApp;
    let server: Server;
    let base: string;
    beforeAll(async () => {
      t = await vendorApp(kind, { MAX_BODY_BYTES: '262144' });
      server = createServer(t.app.app);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    });
    afterAll(async () => {
      await new Promise((r) => server?.close(r));
      await t?.close();
    });

    async function post(body: string, key: string | null = t.keys.acme, contentType = 'application/json'): Promise<Answer> {
      const res = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': contentType, ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body,
      });
      const text = await res.text();
      let parsed: Answer['body'];
      try {
        parsed = JSON.parse(text);
      } catch {
        assert.fail(`non-JSON answer ${res.status}: ${text.slice(0, 200)}`);
      }
      return { status: res.status, text, body: parsed };
    }
    const gql = (query: string, variables?: unknown, key?: string | null) => post(JSON.stringify({ query, variables }), key);

    /** A typed refusal: 4xx or 200 with errors, each error coded, no internals. */
    function typedError(a: Answer, code?: string | RegExp) {
      const label = `${a.status} ${a.text.slice(0, 300)}`;
      assert.ok(a.status < 500, label);
      assert.ok(a.body.errors?.length, label);
      for (const e of a.body.errors!) {
        assert.match(e.extensions?.code ?? '', /^[A-Z_]+$/, label);
        assert.notEqual(e.extensions?.code, 'INTERNAL_SERVER_ERROR', label);
      }
      assert.doesNotMatch(a.text, STACK, `no stack trace: ${label}`);
      if (code)
        assert.match(
          at(a.body.errors ?? [], 0, 'an error').extensions!.code!,
          typeof code === 'string' ? new RegExp(`^${code}$`) : code,
          label,
        );
    }
    /** Typed input errors in the mutation's result: each with a code and a path. */
    function inputErrors(a: Answer, codes: string[]) {
      const label = `${a.status} ${a.text.slice(0, 400)}`;
      assert.equal(a.status, 200, label);
      assert.equal(a.body.errors, undefined, label);
      const res = a.body.data.submitCompatibilityRecords;
      assert.equal(res.ok, false, label);
      assert.deepEqual([...new Set(res.inputErrors.map((e: { code: string }) => e.code))].sort(), [...codes].sort(), label);
      assert.doesNotMatch(a.text, STACK);
    }
    const submit = (records: unknown, key = 'mal') => gql(SUBMIT, { records, key });

    it('wrong types: typed errors naming the field', async () => {
      typedError(await submit('not a list'), 'BAD_USER_INPUT');
      typedError(await submit([{ ...goodRecord(), guest: 5 }]), 'BAD_USER_INPUT');
      typedError(await submit([{ ...goodRecord(), status: 'GREAT' }]), 'BAD_USER_INPUT');
      typedError(await submit([{ ...goodRecord(), testedDevices: { a: 1 } }]), 'BAD_USER_INPUT');
      typedError(await submit([{ ...goodRecord(), evidence: { date: 'yesterday' } }]), 'BAD_USER_INPUT');
      typedError(await submit([{ ...goodRecord(), unknownField: 1 }]), 'BAD_USER_INPUT');
      typedError(await submit(null), 'BAD_USER_INPUT');
      typedError(await gql(SUBMIT, { records: [goodRecord()], key: 123 }), 'BAD_USER_INPUT');
      const named = await submit([{ ...goodRecord(), status: 'GREAT' }]);
      assert.match(at(named.body.errors ?? [], 0, 'an error').message, /"GREAT"/);
      typedError(
        await gql(`mutation { reviewRecord(id: 5, decision: MAYBE, reason: "x") { id } }`, undefined, t.keys.maintainer),
        /GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/,
      );
      typedError(await gql(`{ changes(first: "ten") { nodes { seq } } }`), /GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT/);
      typedError(await gql(`{ changes(first: 100000) { nodes { seq } } }`), 'BAD_USER_INPUT');
    });

    it('malformed requests: bad JSON, batches, empty bodies', async () => {
      typedError(await post('{"query": "{ viewer { role } }"'), 'BAD_REQUEST_BODY');
      typedError(await post('[{"query":"{ viewer { role } }"},{"query":"{ viewer { role } }"}]'));
      typedError(await post(''));
      typedError(await post('{"query": 42}'));
      typedError(await post('{ "query": "mutation {" }'), 'GRAPHQL_PARSE_FAILED');
    });

    it('huge strings: TOO_LONG per field, and a body over the limit is refused before parsing', async () => {
      inputErrors(await submit([goodRecord({ guest: 'g'.repeat(100_000) })]), ['TOO_LONG']);
      inputErrors(await submit([goodRecord({ evidence: { notes: 'n'.repeat(5000), date: '2024-01-01' } })]), ['TOO_LONG']);
      inputErrors(await submit([goodRecord({ testedDevices: Array.from({ length: 200 }, (_, i) => `http://x.example/${i}`) })]), [
        'OUT_OF_RANGE',
      ]);
      typedError(await submit([goodRecord({ evidence: { notes: 'n'.repeat(300_000) } })]), 'BODY_TOO_LARGE');
      typedError(
        await gql(`mutation($k: String!) { submitCompatibilityRecords(records: [], idempotencyKey: $k) { ok } }`, { k: 'k'.repeat(1000) }),
        'BAD_USER_INPUT',
      );
    });

    it('unknown ids: UNKNOWN_REFERENCE or NOT_FOUND', async () => {
      inputErrors(await submit([goodRecord({ guest: '9f4c2a9e-0000-4000-8000-000000000000' })]), ['UNKNOWN_REFERENCE']);
      inputErrors(await submit([goodRecord({ supersedes: '9f4c2a9e-0000-4000-8000-000000000000' })]), ['UNKNOWN_REFERENCE']);
      inputErrors(await submit([goodRecord({ hypervisorRelease: 'kvmt:' })]), ['UNKNOWN_REFERENCE']);
      typedError(
        await gql(`mutation { reviewRecord(id: "nope", decision: ACCEPTED, reason: "x") { id } }`, undefined, t.keys.maintainer),
        'NOT_FOUND',
      );
      typedError(await gql(`mutation { revokeApiKey(id: "zz") { id } }`, undefined, t.keys.admin), 'NOT_FOUND');
      typedError(
        await gql(
          `mutation { assignOwner(entityType: DEVICE, id: "http://x.example/none", vendor: "acme") { id } }`,
          undefined,
          t.keys.admin,
        ),
        'NOT_FOUND',
      );
      typedError(await gql(`mutation { createApiKey(vendor: "ghost", role: SUBMITTER) { key } }`, undefined, t.keys.admin), 'NOT_FOUND');
      const sse = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: `subscription { compatibilityChanged(guest: "ghost") { seq } }` }),
        signal: AbortSignal.timeout(10_000),
      });
      const events = await sse.text();
      assert.match(events, /event: next\ndata: .*"code":"GUEST_OS_NOT_FOUND"/);
      assert.match(events, /event: complete/, 'the stream ends after the error');
    });

    it('odd unicode: NUL, unpaired surrogates, bidi overrides and non-ASCII ids are refused; real text is kept', async () => {
      inputErrors(await submit([goodRecord({ guest: 'acmeos1\u0000' })]), ['INVALID_FORMAT']);
      inputErrors(await submit([goodRecord({ evidence: { notes: 'a\u0000b', date: '2024-01-01' } })]), ['INVALID_FORMAT']);
      inputErrors(await submit([goodRecord({ evidence: { notes: 'half \ud800 pair', date: '2024-01-01' } })]), ['INVALID_FORMAT']);
      inputErrors(await submit([goodRecord({ guest: 'acme\u202eos1' })]), ['INVALID_FORMAT']);
      inputErrors(await submit([goodRecord({ guest: 'acmeos\u200d1' })]), ['INVALID_FORMAT']);
      inputErrors(await submit([goodRecord({ guest: 'аcmeos1' })]), ['INVALID_FORMAT']); // Cyrillic а
      inputErrors(await submit([goodRecord({ backend: 'KVM HVM' })]), ['INVALID_FORMAT']);
      // Reads with the same strings are typed errors too, not database failures.
      typedError(await gql(`query($s: String) { guestOS(shortId: $s) { id } }`, { s: 'a\u0000b' }), 'BAD_USER_INPUT');
      const ok = await submit(
        [goodRecord({ evidence: { notes: 'Tested ✓ 👍 on Café e\u0301 (日本語)', date: '2024-01-01' } })],
        'unicode-ok',
      );
      assert.equal(ok.body.data.submitCompatibilityRecords.ok, true, ok.text);
      const id = ok.body.data.submitCompatibilityRecords.records[0].record.id;
      const back = await gql(`query($id: ID!) { compatibilityRecord(id: $id) { evidence { notes } } }`, { id });
      assert.equal(back.body.data.compatibilityRecord.evidence.notes, 'Tested ✓ 👍 on Café \u00e9 (日本語)', 'stored as NFC');
    });

    it('SQL and script injection strings are data, never code', async () => {
      const vendorsBefore = at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Vendor"`), 0).n;
      inputErrors(await submit([goodRecord({ guest: `acmeos1'; DROP TABLE "Vendor"; --` })]), ['INVALID_FORMAT']);
      inputErrors(await submit([goodRecord({ guest: `'OR'1'='1` })]), ['UNKNOWN_REFERENCE']);
      inputErrors(await submit([goodRecord({ hypervisorRelease: `kvmt:1.0'--` })]), ['UNKNOWN_REFERENCE']);
      const notes = `<script>alert(1)</script> '); DELETE FROM "CompatibilityRecord"; -- \${7*7} {{7*7}}`;
      const stored = await submit([goodRecord({ evidence: { notes, date: '2024-01-02' } })], 'inject-ok');
      assert.equal(stored.body.data.submitCompatibilityRecords.ok, true, stored.text);
      const id = stored.body.data.submitCompatibilityRecords.records[0].record.id;
      const res = await fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.keys.acme}` },
        body: JSON.stringify({ query: `query($id: ID!) { compatibilityRecord(id: $id) { evidence { notes } } }`, variables: { id } }),
      });
      assert.match(res.headers.get('content-type') ?? '', /^application\/(graphql-response\+)?json/, 'answers are JSON, never HTML');
      assert.equal(((await res.json()) as any).data.compatibilityRecord.evidence.notes, notes, 'kept verbatim');
      const name = `Robert'); DROP TABLE "GuestOS";--`;
      const pub = await gql(`mutation($i: GuestOSInput!) { publishGuestOS(input: $i) { inputErrors { code } guestOS { name } } }`, {
        i: { id: IDS.acme1, name },
      });
      assert.equal(pub.body.data.publishGuestOS.guestOS.name, name);
      inputErrors(
        await submit([goodRecord({ evidence: { url: `https://acme.example/"><script>alert(1)</script>`, date: '2024-01-01' } })]),
        ['INVALID_FORMAT'],
      );
      assert.equal(at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Vendor"`), 0).n, vendorsBefore);
      assert.ok(at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS"`), 0).n >= 3);
    });

    it('deep nesting: documents past the depth limit and deeply nested variables are refused', async () => {
      let sel = 'id';
      for (let i = 0; i < 40; i++) sel = `derivesFrom { ${sel} }`;
      typedError(await gql(`{ guestOS(shortId: "acmeos2") { ${sel} } }`));
      const deep = '['.repeat(5000) + ']'.repeat(5000);
      typedError(
        await post(
          `{"query":"mutation($r:[CompatibilityRecordInput!]!){submitCompatibilityRecords(records:$r,idempotencyKey:\\"d\\"){ok}}","variables":{"r":${deep}}}`,
        ),
        'BAD_USER_INPUT',
      );
      const deeper = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
      typedError(await post(`{"query":"{ viewer { role } }","variables":${deeper}}`));
      const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: viewer { role }`).join(' ');
      typedError(await gql(`{ ${aliases} }`));
      typedError(await gql(`{ ${'viewer { role } '.repeat(1500)} }`));
    });

    it('the service still answers normally afterwards', async () => {
      const r = await gql(`{ viewer { role vendor { id } } }`);
      assert.equal(r.status, 200);
      assert.equal(r.body.data.viewer.vendor.id, 'acme');
    });
  });
}
