// GraphiQL works on a host without internet: the page at /graphql is loaded in headless Chromium
// with every request to another host refused, a query is typed into the editor and run, and its
// result must appear in the result pane. Nothing may even try to reach another host.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { seededApp, type TestApp } from './helpers/app.ts';
import { GRAPHIQL_ASSETS } from '../src/api/graphiql.ts';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`graphiql-offline: skipped, ${CHROMIUM} is missing (Debian package chromium)`);

describe.skipIf(!haveChromium)('GraphiQL without internet', () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await seededApp('pglite');
    server = createServer(t.app.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await t?.app.close();
    await t?.close();
  });

  it('loads every asset from the service, runs a query typed in the editor and shows its result', async () => {
    const page = await browser.newPage();
    const origin = new URL(base).origin;
    const elsewhere: string[] = [];
    const local: string[] = [];
    // Any network request at all (http, https, ws) is either to the service or refused; data: and
    // blob: URLs never leave the page.
    await page.route('**/*', async (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) {
        local.push(url);
        await route.continue();
      } else {
        elsewhere.push(url);
        await route.abort('internetdisconnected');
      }
    });
    page.on('request', (req) => {
      const url = req.url();
      if (/^(https?|wss?):/.test(url) && new URL(url).origin !== origin && !elsewhere.includes(url)) elsewhere.push(url);
    });
    page.on('websocket', (ws) => elsewhere.push(ws.url()));
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    const res = await page.goto(`${base}/graphql`, { waitUntil: 'load', timeout: 120_000 });
    expect(res?.status()).toBe(200);
    // GraphiQL rendered: its query editor (Monaco) is on the page.
    const editor = page.locator('.graphiql-query-editor .monaco-editor, .graphiql-query-editor .view-lines').first();
    await editor.waitFor({ state: 'visible', timeout: 120_000 });

    // Replace the default query by typing: select all in the editor, then insert the text (as a
    // paste would, so the editor's bracket auto-closing does not double the braces).
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // The default document's operation is named Example; keeping the name means a run that races
    // GraphiQL's debounced re-parse still names an operation that exists.
    await page.keyboard.insertText('query Example { guestOS(shortId: "rhel9.2") { id name } }');
    const queryText = async () => ((await page.locator('.graphiql-query-editor').textContent()) ?? '').replace(/\s+/g, ' ');
    await expect.poll(queryText, { timeout: 60_000, interval: 250 }).toContain('guestOS(shortId: "rhel9.2") { id name } }');
    expect(await queryText()).not.toContain('devices(');
    await page.keyboard.press('Control+Enter');

    // The result pane is an editor too: it renders spaces as no-break spaces.
    const response = page.locator('.graphiql-response');
    const shown = async () => ((await response.textContent({ timeout: 5_000 }).catch(() => '')) ?? '').replace(/\s+/g, ' ');
    await expect.poll(shown, { timeout: 120_000, interval: 250 }).toContain('Red Hat Enterprise Linux 9.2');
    const text = await shown();
    expect(text).toContain('"guestOS"');
    expect(text).not.toContain('"errors"');

    // The page's own assets came from the service, by the versioned URLs graphiql.ts serves.
    expect(local.some((u) => u.includes(`${GRAPHIQL_ASSETS}/`) && u.endsWith('/graphiql.js'))).toBe(true);
    expect(local.some((u) => u.includes(`${GRAPHIQL_ASSETS}/`) && u.endsWith('/graphiql.css'))).toBe(true);
    expect(elsewhere).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('serves the assets with a long cache lifetime, and the page without inlining them', async () => {
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    // The package's own renderer inlines ~9 MB; this page only names the assets.
    expect(html.length).toBeLessThan(10_000);
    expect(html).not.toMatch(/https?:\/\//);
    const src = /src="\.([^"]+\/graphiql\.js)"/.exec(html)?.[1];
    expect(src).toBeDefined();
    const js = await fetch(`${base}${src}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect((await js.text()).length).toBeGreaterThan(1_000_000);
    const missing = await fetch(`${base}${GRAPHIQL_ASSETS}/x/nothing.js`);
    expect(missing.status).toBe(404);
  });
});
