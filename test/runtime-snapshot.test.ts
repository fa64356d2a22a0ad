// The runtime's snapshot: a corrupt entry does not block planning while the service answers (it is
// refetched and overwritten), and --offline finds the entry whatever --service says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { seededApp, type TestApp } from './helpers/app.ts';
import { fetchFacts, FactsError } from '../src/hypervisor-runtime/client.ts';
import { tempDir } from './fixtures/runtime/load.ts';

describe('runtime snapshot', () => {
  let app: TestApp;
  let server: Server;
  let url: string;
  const snap = tempDir('vc-snap-');
  const entryFile = () => {
    const files = readdirSync(join(snap, 'facts')).filter((f) => f.endsWith('.json'));
    expect(files.length).toBe(1);
    return join(snap, 'facts', files[0] ?? '');
  };

  beforeAll(async () => {
    app = await seededApp('pglite', { RATE_LIMIT_ENABLED: 'false' });
    server = app.app.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  });
  afterAll(async () => {
    server?.close();
    await app?.close();
  });

  it('a corrupt entry is refetched while the service is up, and reported when it is all there is', async () => {
    const first = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    expect(first.provenance.source).toBe('service');
    const file = entryFile();
    for (const broken of ['{"schema": "virtcompat-snapshot/1", "data": ', JSON.stringify({ schema: 'something-else/9' })]) {
      writeFileSync(file, broken);
      const again = await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
      expect(again.provenance.source).toBe('service');
      expect(again.facts).toEqual(first.facts);
      expect(JSON.parse(readFileSync(file, 'utf8')).schema).toBe('virtcompat-snapshot/1');
    }
    writeFileSync(file, 'not json');
    await expect(fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap, offline: true })).rejects.toSatisfy(
      (e) => e instanceof FactsError && e.code === 'SNAPSHOT_CORRUPT' && /--offline/.test(e.message),
    );
    // Repaired by the next online plan.
    expect((await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap })).provenance.source).toBe('service');
  });

  it('--offline finds the snapshot whatever service is named (or defaulted)', async () => {
    await fetchFacts({ service: url, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap });
    for (const service of ['http://127.0.0.1:4000/graphql', 'https://catalogue.example/graphql']) {
      const r = await fetchFacts({ service, guest: 'debian12', hypervisor: 'kvm', snapshotDir: snap, offline: true });
      expect(r.provenance.source).toBe('snapshot');
      expect(r.provenance.service).toBe(url);
    }
  });
});
