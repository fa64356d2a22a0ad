// `virtcompat catalogue sync` against a listening service, on each database: the whole snapshot
// first, 304 next, the delta after a write (the new record then in the copy `plan --offline` reads),
// the service and folder from the environment as `plan` takes them, a failed request leaving the copy
// as it was (exit 1), and usage errors (exit 2).
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import { planningDataFromCatalogue, readCatalogueIndex } from '../src/hypervisor-runtime/catalogue.ts';
import { testTargets } from './helpers/db.ts';
import { sink } from './helpers/sink.ts';
import { REVIEW, SUBMIT, goodRecord, gqlOn, vendorApp, type VendorTestApp } from './helpers/vendor-fixtures.ts';
import { tempDir } from './fixtures/runtime/load.ts';

async function listen(handler: RequestListener): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

async function close(server: Server | undefined) {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(null)));
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = sink();
  const stderr = sink();
  const home = tempDir('vc-sync-home-');
  const code = await main(['catalogue', 'sync', ...argv], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    env: { HOME: home, ...env },
    cwd: home,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

for (const kind of testTargets()) {
  describe(`virtcompat catalogue sync (${kind})`, () => {
    let t: VendorTestApp;
    let server: Server;
    let service: string;
    beforeAll(async () => {
      t = await vendorApp(kind, { RATE_LIMIT_ENABLED: 'false' });
      // the fixtures' releases leave out two lists the schema gives as non-null (the planning operation asks for them)
      await t.db.sql.query(`UPDATE "HypervisorRelease" SET "machineTypes" = '{}', firmware = '{}'`);
      const l = await listen(t.app.app);
      server = l.server;
      service = `${l.base}/graphql`;
    });
    afterAll(async () => {
      await close(server);
      await t?.close();
    });

    it('fetches the whole snapshot, then hears 304, then applies the delta of a write', async () => {
      const snap = tempDir('vc-sync-');
      const first = await run(['--service', service, '--snapshot-dir', snap, '--json']);
      assert.equal(first.code, 0, first.stderr);
      const a = JSON.parse(first.stdout) as { outcome: string; version: string; previous: string | null; guests: number; bytes: number };
      assert.equal(a.outcome, 'full');
      assert.equal(a.previous, null);
      assert.ok(a.guests > 0 && a.bytes > 0);
      assert.equal(readCatalogueIndex(snap)?.version, a.version);

      const again = await run(['--service', service, '--snapshot-dir', snap]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, new RegExp(`already current \\(catalogue ${a.version.replace('.', '\\.')}\\)`));
      assert.equal((await run(['--service', service, '--snapshot-dir', snap, '--quiet'])).stdout, '');

      const s = await gqlOn(t.app, SUBMIT, { records: [goodRecord()], key: 'sync-1' }, t.keys.acme);
      const id = s.data.submitCompatibilityRecords.records[0].record.id as string;
      const r = await gqlOn(t.app, REVIEW, { id, decision: 'ACCEPTED', reason: 'ok' }, t.keys.maintainer);
      assert.equal(r.data.reviewRecord.reviewState, 'ACCEPTED');

      const delta = await run(['--service', service, '--snapshot-dir', snap, '--json']);
      assert.equal(delta.code, 0, delta.stderr);
      const d = JSON.parse(delta.stdout) as { outcome: string; version: string; previous: string };
      assert.equal(d.outcome, 'delta');
      assert.equal(d.previous, a.version);
      assert.notEqual(d.version, a.version);
      const held = planningDataFromCatalogue(snap, 'acmeos1', 'kvmt');
      assert.ok(held, 'acmeos1 on kvmt is in the copy');
      assert.equal(held.index.version, d.version);
      const records = (held.data.guestOS as { compatibilityRecords: { id: string }[] }).compatibilityRecords;
      assert.ok(
        records.some((x) => x.id === id),
        'the accepted record is in the copy plan --offline reads',
      );
    });

    it('takes the service and the folder from VIRTCOMPAT_SERVICE and VIRTCOMPAT_SNAPSHOT_DIR, as plan does', async () => {
      const snap = tempDir('vc-sync-env-');
      const r = await run([], { VIRTCOMPAT_SERVICE: service, VIRTCOMPAT_SNAPSHOT_DIR: snap });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /whole snapshot fetched/);
      assert.ok(readCatalogueIndex(snap), 'the copy is in VIRTCOMPAT_SNAPSHOT_DIR');
    });

    it('exits 1 and leaves the copy as it was when the service answers an error or does not answer', async () => {
      const snap = tempDir('vc-sync-fail-');
      assert.equal((await run(['--service', service, '--snapshot-dir', snap])).code, 0);
      const before = readCatalogueIndex(snap);
      const broken = await listen((_req, res) => {
        res.writeHead(503, { 'retry-after': '1' }).end();
      });
      try {
        const r = await run(['--service', `${broken.base}/graphql`, '--snapshot-dir', snap]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /\[CATALOGUE_SYNC_FAILED\] .*answered HTTP 503/);
      } finally {
        await close(broken.server);
      }
      // the port is closed now: nothing answers there
      const gone = await run(['--service', `${broken.base}/graphql`, '--snapshot-dir', snap, '--timeout', '2000']);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /\[CATALOGUE_SYNC_FAILED\] .*unreachable/);
      assert.deepEqual(readCatalogueIndex(snap), before);
    });

    it('--help exits 0; bad options exit 2 with the usage', async () => {
      const help = await run(['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^Usage: virtcompat catalogue sync/);
      for (const argv of [['--timeout', 'soon'], ['extra'], ['--service', 'not a url'], ['--nope']]) {
        const r = await run(argv);
        assert.equal(r.code, 2, argv.join(' '));
        assert.match(r.stderr, /Usage: virtcompat catalogue sync/);
      }
    });
  });
}
