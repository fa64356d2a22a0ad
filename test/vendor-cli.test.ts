// The account commands (vendor, key) on an embedded database folder, and `virtcompat submit`
// against a real listening service: batches, progress, input errors, and resuming after an
// interruption without writing anything twice.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify as toYaml } from 'yaml';
import { main } from '../src/cli/main.ts';
import { openDatabase } from '../src/db/index.ts';
import { createAuthenticator } from '../src/api/auth.ts';
import { vendorApp, IDS, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { at, must } from '../src/util/must.ts';

function capture(s: PassThrough) {
  let out = '';
  s.on('data', (c) => (out += c));
  return () => out;
}

async function run(args: string[], env: Record<string, string>, cwd = process.cwd()) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = capture(stdout);
  const err = capture(stderr);
  const code = await main(args, { stdout, stderr, env: { LOG_LEVEL: 'silent', ...env }, cwd });
  return { code, stdout: out(), stderr: err() };
}

describe('virtcompat vendor / key (embedded database)', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vc-cli-'));
    env = { DATA_DIR: join(dir, 'data') };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints usage with --help', async () => {
    for (const cmd of [['key', 'create'], ['key', 'revoke'], ['key', 'list'], ['vendor', 'create'], ['vendor', 'list'], ['submit']]) {
      const r = await run([...cmd, '--help'], env);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: virtcompat /);
    }
  });

  it('creates vendors and keys, shows a key once, lists and revokes them', async () => {
    assert.equal(
      (
        await run(
          ['vendor', 'create', 'newco', '--name', 'New Co', '--kind', 'os', '--kind', 'hardware', '--url', 'https://newco.example'],
          env,
        )
      ).code,
      0,
    );
    const dup = await run(['vendor', 'create', 'newco', '--name', 'Again', '--kind', 'os'], env);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /vendor newco already exists/);
    const vendors = JSON.parse((await run(['vendor', 'list', '--json'], env)).stdout);
    assert.deepEqual(
      vendors.find((v: { id: string }) => v.id === 'newco'),
      { id: 'newco', name: 'New Co', url: 'https://newco.example', kinds: ['OS', 'HARDWARE'] },
    );

    assert.equal((await run(['key', 'create', '--role', 'submitter'], env)).code, 2, 'a submitter key needs a vendor');
    assert.equal((await run(['key', 'create', '--role', 'root'], env)).code, 2);
    assert.equal((await run(['key', 'create', '--role', 'submitter', '--vendor', 'ghost'], env)).code, 1);
    const admin = await run(['key', 'create', '--role', 'admin', '--label', 'first admin'], env);
    assert.equal(admin.code, 0, admin.stderr);
    const key = admin.stdout.trim();
    assert.match(key, /^vc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.match(admin.stderr, /shown only now/);
    const sub = await run(['key', 'create', '--role', 'submitter', '--vendor', 'newco', '--expires', '30d'], env);
    const subKey = sub.stdout.trim();

    const listed = await run(['key', 'list'], env);
    assert.equal(listed.code, 0);
    assert.ok(!listed.stdout.includes(key.slice(20)), 'secrets are never listed');
    assert.match(listed.stdout, new RegExp(`${subKey.slice(3, 19)}\\s+submitter\\s+newco`));

    const db = await openDatabase({ kind: 'pglite', dataDir: must(env.DATA_DIR, 'the DATA_DIR this test set') });
    try {
      const auth = createAuthenticator(db);
      assert.deepEqual({ ...(await auth.verifyKey(key)) }, { role: 'ADMIN', keyId: key.slice(3, 19), vendorId: null });
      assert.equal((await auth.verifyKey(subKey)).vendorId, 'newco');
      const row = at(await db.sql.query<{ hash: string }>(`SELECT hash FROM "ApiKey" WHERE id = $1`, [key.slice(3, 19)]), 0, 'row');
      assert.ok(!row.hash.includes(key.slice(20)));
    } finally {
      await db.close();
    }
    const revoked = await run(['key', 'revoke', subKey], env);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.doesNotMatch((await run(['key', 'list'], env)).stdout, new RegExp(subKey.slice(3, 19)));
    assert.match((await run(['key', 'list', '--all'], env)).stdout, /revoked/);
    assert.equal((await run(['key', 'revoke', 'nonsense'], env)).code, 2);
  });
});

describe('virtcompat submit', () => {
  let t: VendorTestApp;
  let server: Server;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    t = await vendorApp('pglite', { MAX_RECORDS_PER_REQUEST: '10' });
    server = createServer(t.app.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    dir = mkdtempSync(join(tmpdir(), 'vc-submit-'));
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const records = (tag: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      guest: i % 2 ? 'acmeos1' : 'acmeos2',
      hypervisorRelease: 'kvmt:1.0',
      status: 'WORKS',
      testedDevices: [IDS.virtioNet],
      evidence: { notes: `${tag} ${i}`, date: '2024-06-01' },
    }));
  const count = async (tag: string) =>
    at(
      await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "CompatibilityRecord" WHERE "evidenceNotes" LIKE $1`, [
        `${tag} %`,
      ]),
      0,
    ).n;

  it('sends a YAML file in batches no larger than the service allows, with progress lines', async () => {
    const file = join(dir, 'records.yaml');
    writeFileSync(file, toYaml({ records: records('yaml', 25) }));
    const r = await run(['submit', file, '--service', url, '--batch-size', '50'], { VIRTCOMPAT_API_KEY: t.keys.acme });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /25 record\(s\) in 3 batch\(es\) of up to 10: 25 new, 0 already present, 0 batch\(es\) stored by an earlier run/,
    );
    assert.match(r.stderr, /batch 1\/3: 10\/25 records \(10 new, 0 already present\)/);
    assert.match(r.stderr, /batch 3\/3: 25\/25 records/);
    assert.equal(await count('yaml'), 25);

    const again = await run(['submit', file, '--service', url, '--json'], { VIRTCOMPAT_API_KEY: t.keys.acme });
    assert.equal(again.code, 0, again.stderr);
    const s = JSON.parse(again.stdout);
    assert.deepEqual([s.created, s.replayedBatches, s.complete], [0, 3, true], 'a rerun replays every batch');
    assert.equal(await count('yaml'), 25);
  });

  it('resumes after an interruption without storing anything twice', async () => {
    const file = join(dir, 'resume.json');
    writeFileSync(file, JSON.stringify(records('resume', 35)));
    // A proxy that lets the key check and two batches through, then fails like a dying service.
    let seen = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (++seen > 3) {
        res.writeHead(503).end('{"errors":[{"message":"gone","extensions":{"code":"UNAVAILABLE"}}]}');
        return;
      }
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: String(req.headers.authorization) },
        body: Buffer.concat(chunks),
      });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
    try {
      const cut = await run(['submit', file, '--service', proxyUrl, '--retries', '1', '--key', t.keys.acme], {});
      assert.equal(cut.code, 1);
      assert.match(cut.stderr, /batch 3\/4.*503/);
      assert.equal(await count('resume'), 20, 'two batches got through');
    } finally {
      await new Promise((r) => proxy.close(r));
    }
    const resumed = await run(['submit', file, '--service', url, '--key', t.keys.acme], {});
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stdout,
      /35 record\(s\) in 4 batch\(es\) of up to 10: 15 new, 0 already present, 2 batch\(es\) stored by an earlier run/,
    );
    assert.equal(await count('resume'), 35, 'every record once');
  });

  it('reports input errors by record number in the file and stores nothing of that batch', async () => {
    const list = records('errors', 12);
    list[11] = { ...at(list, 11), guest: 'no-such-guest' };
    const file = join(dir, 'errors.json');
    writeFileSync(file, JSON.stringify(list));
    const r = await run(['submit', file, '--service', url, '--key', t.keys.acme], {});
    assert.equal(r.code, 1);
    assert.match(r.stderr, /record 11 guest: \[UNKNOWN_REFERENCE\] no guest OS has the id or short id "no-such-guest"/);
    assert.equal(await count('errors'), 10, 'the first batch was fine and is stored');

    const strict = join(dir, 'typo.json');
    writeFileSync(strict, JSON.stringify([{ ...records('typo', 1)[0], statuss: 'WORKS' }]));
    const typo = await run(['submit', strict, '--service', url, '--key', t.keys.acme], {});
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /record 0: unknown field "statuss"/);

    const notSubmitter = await run(['submit', file, '--service', url, '--key', t.keys.maintainer], {});
    assert.equal(notSubmitter.code, 1);
    assert.match(notSubmitter.stderr, /needs a vendor's submitter key/);
    const badKey = await run(['submit', file, '--service', url, '--key', 'vc_0000000000000000_' + 'A'.repeat(43)], {});
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /UNAUTHENTICATED/);
    assert.equal((await run(['submit', file, '--service', url], {})).code, 2, 'no key: usage error');
  });
});
