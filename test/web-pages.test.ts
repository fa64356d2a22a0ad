// The web pages over plain HTTP (no browser, no JavaScript): what they promise about sessions, CSRF,
// caching per caller, errors and the Atom feed, on both databases.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey, revokeApiKey } from '../src/catalogue/accounts.ts';
import { SYSTEM } from '../src/catalogue/actor.ts';
import { testTargets } from './helpers/db.ts';
import { webServer, type WebServer } from './helpers/web-server.ts';

/** A browser without JavaScript: keeps cookies, follows nothing. */
function client(base: string) {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair?.indexOf('=') ?? -1;
      if (!pair || i < 0) continue;
      const v = pair.slice(i + 1);
      if (/Max-Age=0/.test(c)) jar.delete(pair.slice(0, i));
      else jar.set(pair.slice(0, i), v);
    }
  };
  const headers = () => ({ cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') });
  return {
    jar,
    async get(path: string) {
      const res = await fetch(base + path, { headers: headers(), redirect: 'manual' });
      remember(res);
      return { res, text: await res.text() };
    },
    async post(path: string, form: Record<string, string>) {
      const res = await fetch(base + path, {
        method: 'POST',
        headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        redirect: 'manual',
      });
      remember(res);
      return { res, text: await res.text() };
    },
  };
}
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

async function signedIn(base: string, key: string) {
  const c = client(base);
  const form = await c.get('/vendor/sign-in');
  const r = await c.post('/vendor/sign-in', { _csrf: csrfOf(form.text), key });
  expect(r.res.status).toBe(303);
  return c;
}

for (const kind of testTargets()) {
  describe(`web pages over HTTP (${kind})`, () => {
    let s: WebServer;
    beforeAll(async () => {
      s = await webServer(kind, { RESPONSE_CACHE: 'true' });
    }, 120_000);
    afterAll(async () => {
      await s?.close();
    });

    it('the matrix: one page of guests × hypervisor releases, every cell graded by who stands behind it', async () => {
      const c = client(s.base);
      const page = await c.get('/matrix?format=json');
      expect(page.res.status).toBe(200);
      const v = JSON.parse(page.text) as {
        rows: Array<{ id: string }>;
        columns: Array<{ id: string }>;
        cells: Array<{ guest: string; release: string; evidence: string; level: string }>;
      };
      expect(v.rows.length).toBeGreaterThan(20);
      expect(v.rows.length).toBeLessThanOrEqual(50);
      expect(v.columns.length).toBeGreaterThan(1);
      expect(v.cells).toHaveLength(v.rows.length * v.columns.length);
      // row-major answers land in their own cell
      expect(v.cells.map((x) => `${x.guest} ${x.release}`)).toEqual(v.rows.flatMap((r) => v.columns.map((col) => `${r.id} ${col.id}`)));
      for (const x of v.cells)
        expect(['vendor_certified', 'guest_vendor_tested', 'user_reported', 'derived', 'unknown', 'conflict']).toContain(x.evidence);
      const html = await c.get('/matrix?hypervisor=kvm&guest=debian12');
      expect(html.res.status).toBe(200);
      expect(html.text).toMatch(/<td class="cell lv-[A-Z]+" data-guest="http:\/\/debian.org\/debian\/12"/);
    });

    it('the mover: a pasted .vmx planned on KVM shows its mapping, pre-flight report and target configuration', async () => {
      const c = client(s.base);
      const form = await c.get('/move');
      expect(form.res.status).toBe(200);
      expect(form.text).toContain('<a href="/move" aria-current="page">Move</a>');
      const config = readFileSync(join(import.meta.dirname, 'fixtures/inspect/vmx-esx-rhel9-efi-nvme.vmx'), 'utf8');
      // the .vmx says rhel9-64, which the catalogue does not know: the page asks for the guest
      const unknown = await c.post('/move', { config, to: 'kvm', _csrf: csrfOf(form.text) });
      expect(unknown.res.status).toBe(400);
      expect(unknown.text).toMatch(/<p class="field-error" id="err-guest">[^<]*rhel9/);
      const body = { config, to: 'kvm', guest: 'rhel9.0', prepared: 'on' };
      expect((await c.post('/move', body)).res.status).toBe(403); // no CSRF token
      const r = await c.post('/move', { ...body, _csrf: csrfOf(form.text) });
      expect(r.res.status, r.text).toBe(200);
      expect(r.text).toContain('Move plan');
      expect(r.text).toMatch(/vmware → kvm/);
      expect(r.text).toMatch(/<table class="mapping">[\s\S]*<td>disk<\/td>/);
      expect(r.text).toMatch(/<tr class="sev-(info|warning|blocker)" data-item="[^"]+">/);
      expect(r.text).toMatch(/<pre id="target-config" tabindex="0">[^<]*&lt;domain type=&quot;kvm&quot;/);
      const dl = await c.post('/move/download', { ...body, _csrf: csrfOf(form.text) });
      expect(dl.res.status).toBe(200);
      expect(dl.res.headers.get('content-disposition')).toBe('attachment; filename="virtcompat-move-kvm.xml"');
      expect(dl.text).toMatch(/<domain type="kvm"/);
      const bad = await c.post('/move', { config: 'this is not a VM', to: 'kvm', _csrf: csrfOf(form.text) });
      expect(bad.res.status).toBe(400);
      expect(bad.text).toMatch(/<p class="field-error" id="err-config">/);
    });

    it('GET / is a page, its stylesheet comes from the service, and pages are private to the caller', async () => {
      const c = client(s.base);
      const home = await c.get('/');
      expect(home.res.status).toBe(200);
      expect(home.res.headers.get('content-type')).toMatch(/text\/html/);
      expect(home.res.headers.get('cache-control')).toBe('private, no-cache');
      expect(home.res.headers.get('vary')).toMatch(/Cookie/);
      expect(home.text).not.toMatch(/<script/i); // nothing needs JavaScript
      expect(home.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[^"]*\.(css|js)"/); // no CDN
      const css = await c.get('/static/web.css');
      expect(css.res.status).toBe(200);
      expect(css.res.headers.get('content-type')).toMatch(/text\/css/);
    });

    it('refuses a form without the CSRF token of its own cookie', async () => {
      const c = client(s.base);
      const form = await c.get('/vendor/sign-in');
      const token = csrfOf(form.text);
      expect(token).not.toBe('');
      const none = await c.post('/vendor/sign-in', { key: s.keys.debian });
      expect(none.res.status).toBe(403);
      expect(none.res.headers.getSetCookie().join(' ')).not.toMatch(/vc_session=[^;]/);
      // another browser's token does not fit this cookie
      const other = client(s.base);
      const otherToken = csrfOf((await other.get('/vendor/sign-in')).text);
      expect((await c.post('/vendor/sign-in', { _csrf: otherToken, key: s.keys.debian })).res.status).toBe(403);
      expect((await c.post('/vendor/sign-in', { _csrf: token, key: s.keys.debian })).res.status).toBe(303);
    });

    it('a bad key is refused beside the field; the stored session does not hold the key in clear', async () => {
      const c = client(s.base);
      const form = await c.get('/vendor/sign-in');
      const bad = await c.post('/vendor/sign-in', { _csrf: csrfOf(form.text), key: 'vc_nope_nope' });
      expect(bad.res.status).toBe(401);
      expect(bad.text).toMatch(/id="err-key"/);
      await signedIn(s.base, s.keys.debian);
      const rows = await s.t.db.sql.query<{ sealedKey: string; id: string }>(`SELECT id, "sealedKey" FROM "WebSession"`);
      expect(rows.length).toBeGreaterThan(0);
      // vc_<id>_<secret>: the secret is base64url and may itself hold '_', so take all of it.
      const secret = s.keys.debian.split('_').slice(2).join('_');
      expect(secret.length).toBeGreaterThan(20);
      for (const r of rows) expect(`${r.id} ${r.sealedKey} ${Buffer.from(r.sealedKey, 'base64').toString('latin1')}`).not.toContain(secret);
    });

    it('never serves one caller’s page to another, with the response cache on', async () => {
      const vendor = await signedIn(s.base, s.keys.debian);
      const form = await vendor.get('/vendor');
      const sub = await vendor.post('/vendor/records', {
        _csrf: csrfOf(form.text),
        idempotencyKey: 'web-cache-test-1',
        guest: 'debian11',
        hypervisorRelease: 'kvm:8.2',
        status: 'WORKS',
      });
      expect(sub.res.status).toBe(303);
      const id = decodeURIComponent(/submitted=([^&]+)/.exec(sub.res.headers.get('location') ?? '')?.[1] ?? '');
      expect(id).not.toBe('');
      const anon = client(s.base);
      // anonymous first, then the submitter, then anonymous again: each sees its own answer
      expect((await anon.get(`/record?id=${id}`)).res.status).toBe(404);
      const mine = await vendor.get(`/record?id=${id}`);
      expect(mine.res.status).toBe(200);
      expect(mine.text).toContain('PENDING');
      expect((await anon.get(`/record?id=${id}`)).res.status).toBe(404);
      expect((await vendor.get('/vendor')).text).toContain(id.slice(0, 8));
    });

    it('a revoked key ends its session', async () => {
      const c = await signedIn(s.base, s.keys.maintainer);
      expect((await c.get('/vendor/review')).res.status).toBe(200);
      const keyId = parseApiKey(s.keys.maintainer)?.keyId ?? '';
      await revokeApiKey({ db: s.t.db, actor: SYSTEM } as Parameters<typeof revokeApiKey>[0], keyId);
      const after = await c.get('/vendor/review');
      expect(after.res.status).toBe(303);
      expect(after.res.headers.get('location')).toBe('/vendor/sign-in');
      expect(c.jar.has('vc_session')).toBe(false);
    });

    it("shows a guest's corrections (what was replaced, whose, why) and a release's unpublished limits", async () => {
      const c = client(s.base);
      // As an osinfo-db import leaves it: Ubuntu 22.10 is osinfo-db's row, with the curated corrections applied.
      const id = 'http://ubuntu.com/ubuntu/22.10';
      await s.t.db.sql.query(`UPDATE "GuestOS" SET source = 'osinfo-db' WHERE id = $1`, [id]);
      try {
        const g = await c.get(`/guest?id=${encodeURIComponent(id)}`);
        expect(g.res.status).toBe(200);
        const table = /<table class="corrections">[\s\S]*?<\/table>/.exec(g.text)?.[0] ?? '';
        expect(table).toMatch(
          /<tr><td>releaseStatus<\/td><td>PRERELEASE <span class="muted">\(osinfo-db\)<\/span><\/td>\s*<td>RELEASED <span class="muted">\(curated\)<\/span><\/td>/,
        );
        expect(table).toMatch(/prerelease/);
        expect(table).toMatch(/<td>APPLIED<\/td>/);
      } finally {
        await s.t.db.sql.query(`UPDATE "GuestOS" SET source = 'curated' WHERE id = $1`, [id]);
      }
      const own = await c.get('/guest?id=debian12');
      expect(own.text).toMatch(/<h2>Corrections<\/h2>\s*<p>None: every value above is its source's own.<\/p>/);
      const r = await c.get(`/release?id=${encodeURIComponent('http://virtcompat.org/hypervisor/firecracker/v1.7.0')}`);
      expect(r.res.status).toBe(200);
      expect(r.text).toMatch(
        /<li>maxMemoryMiB: not published\. The API \(PUT \/machine-config\)[^<]*\(looked: <a href="https:\/\/github.com\/firecracker-microvm/,
      );
    });

    it('answers unknown things with 404 pages and bad input with 400', async () => {
      const c = client(s.base);
      const g = await c.get('/guest?id=no-such-guest');
      expect(g.res.status).toBe(404);
      expect(g.text).toMatch(/no-such-guest/);
      expect((await c.get('/guest')).res.status).toBe(400);
      expect((await c.get('/planner/download?guest=debian12&hypervisor=kvm&host=kvm-x86_64&format=exe')).res.status).toBe(400);
      const p = await c.get(`/planner?guest=debian12&hypervisor=kvm&host=kvm-x86_64&spec=${encodeURIComponent('vcpus: many')}`);
      expect(p.res.status).toBe(400);
      expect(p.text).toMatch(/id="err-spec"[^>]*>[^<]*vcpus/);
    });

    it('lists what changed since a date or a change number', async () => {
      const c = client(s.base);
      const all = await c.get('/changes?since=2000-01-01');
      expect(all.res.status).toBe(200);
      const seqs = [...all.text.matchAll(/<tr><td><a href="\/changes\?since=\d+">(\d+)<\/a>/g)].map((m) => Number(m[1]));
      expect(seqs[0]).toBe(1);
      expect((await c.get('/changes?since=2999-01-01')).text).toMatch(/No changes since then/);
      const after = await c.get(`/changes?since=${seqs[2]}`);
      expect([...after.text.matchAll(/<tr><td><a href="\/changes\?since=\d+">(\d+)<\/a>/g)].map((m) => Number(m[1]))[0]).toBe(seqs[3]);
    });

    it('serves the change feed as well-formed Atom, newest first', async () => {
      const c = client(s.base);
      const { res, text } = await c.get('/changes.atom');
      expect(res.headers.get('content-type')).toMatch(/application\/atom\+xml/);
      const updated: string[] = [];
      let inUpdated = false;
      let depth = 0;
      const p = new SaxesParser({ xmlns: true });
      p.on('opentag', (t) => {
        depth++;
        inUpdated = t.local === 'updated' && depth === 3;
      });
      p.on('closetag', () => {
        depth--;
        inUpdated = false;
      });
      p.on('text', (t) => {
        if (inUpdated) updated.push(t);
      });
      p.write(text).close();
      expect(updated.length).toBeGreaterThan(0);
      expect([...updated].sort().reverse()).toEqual(updated);
    });
  });
}
