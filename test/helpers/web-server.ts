// The seeded service (curated seed) behind a real HTTP server, with a submitter key for the Debian
// vendor and a maintainer key, for tests that drive the web pages over HTTP or from a browser.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKey } from '../../src/catalogue/accounts.ts';
import { SYSTEM } from '../../src/catalogue/actor.ts';
import { answerClientErrors } from '../../src/api/plugins/http-errors.ts';
import { seededApp, type TestApp } from './app.ts';
import type { TargetKind } from './db.ts';

export interface WebServer {
  t: TestApp;
  base: string;
  keys: { debian: string; maintainer: string };
  close(): Promise<void>;
}

export async function webServer(kind: TargetKind, env: Record<string, string> = {}): Promise<WebServer> {
  const t = await seededApp(kind, { RATE_LIMIT_ENABLED: 'false', ...env });
  const env0 = { db: t.db, actor: SYSTEM } as Parameters<typeof createApiKey>[0];
  const debian = (await createApiKey(env0, { vendorId: 'debian', role: 'SUBMITTER', label: 'web test' })).key;
  const maintainer = (await createApiKey(env0, { role: 'MAINTAINER', label: 'web test' })).key;
  const server: Server = createServer(t.app.app);
  answerClientErrors(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    t,
    base: `http://127.0.0.1:${port}`,
    keys: { debian, maintainer },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await t.app.close();
      await t.close();
    },
  };
}
