// A slow service (a loaded machine, a cold start) is waited for when there is no snapshot to fall back
// to: `plan` used to give up after 3 s with NO_SNAPSHOT. With a snapshot, the short limit still applies
// and the snapshot answers.
import assert from 'node:assert/strict';
import type { Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fetchFacts } from '../src/hypervisor-runtime/client.ts';
import { seededApp, type TestApp } from './helpers/app.ts';
import { tempDir } from './fixtures/runtime/load.ts';

/** Answers take this long to come back through the relay: longer than the old 3 s limit. */
const DELAY_MS = 4000;

describe('runtime client: a slow service', () => {
  let app: TestApp;
  let server: HttpServer;
  let relay: Server;
  let slowUrl: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    app = await seededApp('pglite', { RATE_LIMIT_ENABLED: 'false' });
    server = app.app.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    // a TCP relay that holds every chunk of the service's answers for DELAY_MS
    relay = createServer((client) => {
      const upstream = connect(port, '127.0.0.1');
      sockets.push(client, upstream);
      client.pipe(upstream);
      upstream.on('data', (chunk) => setTimeout(() => client.destroyed || client.write(chunk), DELAY_MS));
      upstream.on('end', () => setTimeout(() => client.end(), DELAY_MS));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    slowUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}/graphql`;
  }, 300_000);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    relay?.close();
    server?.close();
    await app?.close();
  });

  it('no snapshot yet: the client waits for the slow service instead of failing after 3 s', { timeout: 120_000 }, async () => {
    const snap = tempDir('vc-patient-');
    const t0 = Date.now();
    const r = await fetchFacts({ service: slowUrl, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    assert.ok(Date.now() - t0 >= DELAY_MS, 'the relay did not hold the answer');
    assert.equal(r.provenance.source, 'service');
    assert.equal(r.facts.guest.id, 'http://debian.org/debian/12');

    // now there is a snapshot: the short limit applies again and the snapshot answers
    const t1 = Date.now();
    const again = await fetchFacts({ service: slowUrl, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    assert.equal(again.provenance.source, 'snapshot');
    assert.match(again.provenance.fallbackReason ?? '', /did not answer within 3000 ms/);
    assert.ok(Date.now() - t1 < DELAY_MS + 2000);
  });
});
