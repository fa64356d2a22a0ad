// HTTP plumbing of the service: health and readiness, masked errors, the response cache and its
// invalidation, body limits, and the `serve` command's lifecycle on the embedded database.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { seededApp, type TestApp } from './helpers/app.ts';
import { captures } from '../src/util/must.ts';

async function listen(app: TestApp): Promise<{ server: Server; base: string }> {
  const server = createServer(app.app.app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('service plumbing (embedded database)', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    t = await seededApp('pglite', { RESPONSE_CACHE: 'true', MAX_BODY_BYTES: '4096' });
    ({ server, base } = await listen(t));
  });
  afterAll(async () => {
    server?.close();
    await t?.close();
  });

  it('answers /healthz and /readyz', async () => {
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: 'ok' });
    const r = await fetch(`${base}/readyz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ready', database: 'pglite' });
  });

  it('serves GraphiQL to a browser', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /graphiql/i);
  });

  it('caches responses and drops them on a catalogue change', async () => {
    const q = `{ guestOSes(first: 3) { totalCount nodes { id deviceCount } } }`;
    const first = await t.gql(q);
    t.statements.count = 0;
    const second = await t.gql(q);
    assert.deepEqual(second.data, first.data);
    assert.equal(t.statements.count, 0, 'a cached answer costs no SQL');
    t.app.services.onCatalogueChange();
    await t.gql(q);
    assert.ok(t.statements.count > 0, 'after a change the answer is computed again');
  });

  it('rejects a body over the limit with a coded JSON error', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ catalogueVersion }`, variables: { pad: 'x'.repeat(10_000) } }),
    });
    assert.equal(res.status, 413);
    const body = (await res.json()) as any;
    assert.equal(body.errors[0].extensions.code, 'BODY_TOO_LARGE');
    assert.match(body.errors[0].message, /exceeds 4096 bytes/);
  });

  it('answers malformed JSON with 400, not a stack trace', async () => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.doesNotMatch(text, /at .*\.ts:\d+/);
    assert.equal(JSON.parse(text).errors[0].extensions.code, 'BAD_REQUEST_BODY');
  });

  it('answers persisted queries by hash after the first send', async () => {
    const query = `{ hypervisor(key: "kvm") { key } }`;
    const { createHash } = await import('node:crypto');
    const ext = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    const post = (body: object) =>
      fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
        (r) => r.json() as any,
      );
    const miss = await post({ extensions: ext });
    assert.equal(miss.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.deepEqual((await post({ query, extensions: ext })).data, { hypervisor: { key: 'kvm' } });
    assert.deepEqual((await post({ extensions: ext })).data, { hypervisor: { key: 'kvm' } });
    const wrong = await post({ query: `{ catalogueVersion }`, extensions: ext });
    assert.equal(wrong.errors[0].extensions.code, 'PERSISTED_QUERY_HASH_MISMATCH');
  });

  it('masks unexpected errors', async () => {
    const broken = await seededApp('pglite');
    await broken.db.close();
    const res = await broken.gql(`{ guestOS(shortId: "anything") { id } }`);
    assert.equal(res.errors?.[0]?.message, 'Unexpected error.');
    assert.equal(res.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.doesNotMatch(JSON.stringify(res), /PGlite|closed|stack/i);
  });
});

describe('virtcompat serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vc-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts on a fresh embedded database, seeds it, answers, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/virtcompat.mjs', 'serve', '--port', '0'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dir, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    // No start-up deadline: a new folder is initialised, seeded and gets osinfo-db, which takes
    // minutes on a loaded machine; a start that fails exits, and vitest's testTimeout backs up a hang.
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (b) => {
        log += b;
        const m = /"url":"(http:[^"]+)"/.exec(log);
        if (m) resolve(captures(m, 1)[0]);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}:\n${log}`)));
    });
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ hypervisors { totalCount } }' }),
    });
    const body = (await res.json()) as any;
    assert.ok(body.data.hypervisors.totalCount >= 6);
    const exit = new Promise<number | null>((r) => child.once('exit', r));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.match(log, /virtcompat stopped/);
    for (const line of log.trim().split('\n')) JSON.parse(line); // structured logs only
  });
});
