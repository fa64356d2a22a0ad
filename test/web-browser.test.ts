// The web pages in a real browser (Debian's chromium through playwright-core): the journeys of
// issue 14, axe-core on every page (no serious or critical violation), and a screenshot of each
// page in docs/screenshots/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type AxeProblem, launchChromium, noBrowser, screenshot, seriousViolations } from './helpers/browser.ts';
import { testTargets } from './helpers/db.ts';
import { skipWith } from './helpers/skip.ts';
import { webServer, type WebServer } from './helpers/web-server.ts';

const RELEASE = 'http://virtcompat.org/hypervisor/kvm/qemu-8.2';

describe.skipIf(skipWith(noBrowser()))('web pages in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  for (const kind of testTargets()) {
    describe(kind, () => {
      let s: WebServer;
      let ctx: BrowserContext;
      let page: Page;
      const axe: AxeProblem[] = [];
      /** Checks the page with axe and writes its screenshot (first database only). */
      const check = async (name: string) => {
        await page.waitForLoadState('load');
        axe.push(...(await seriousViolations(page)), { page: page.url(), id: 'probe', impact: null, help: 'checked', targets: [] });
        if (kind === testTargets()[0]) await screenshot(page, name);
      };
      const cell = (guestId: string, releaseId: string) => page.locator(`td[data-guest="${guestId}"][data-release="${releaseId}"] .lv`);

      beforeAll(async () => {
        s = await webServer(kind);
        ctx = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
        page = await ctx.newPage();
      }, 400_000);
      afterAll(async () => {
        await ctx?.close();
        await s?.close();
      });

      it('search → guest page', async () => {
        await page.goto(`${s.base}/`);
        await check('home');
        await page.getByLabel(/Guest, hypervisor, device/).fill('debian12');
        await page.getByRole('button', { name: 'Search' }).click();
        await expect.poll(() => page.url()).toContain('/search?q=debian12');
        await check('search');
        await page.getByRole('link', { name: 'Debian 12', exact: true }).click();
        await expect.poll(() => page.locator('h1').textContent()).toBe('Debian 12');
        // effective devices with where each came from
        expect(await page.locator('main table').first().textContent()).toMatch(/inherited from|this release/);
        await check('guest');
        await page.goto(`${s.base}/search?q=1af4:1041`);
        await page.locator('main table a').first().click();
        await expect.poll(() => page.url()).toContain('/device?id=');
        await check('device');
        await page.goto(`${s.base}/release?id=${encodeURIComponent(RELEASE)}`);
        expect(await page.locator('h1').textContent()).toContain('8.2');
        await check('release');
      }, 400_000);

      it('matrix: filter → permalink → CSV', async () => {
        await page.goto(`${s.base}/matrix`);
        await check('matrix');
        await page.getByLabel('Hypervisor', { exact: true }).selectOption('kvm');
        await page.getByLabel('One guest (short id)').fill('debian12');
        await page.getByRole('button', { name: 'Show' }).click();
        await expect.poll(() => page.url()).toMatch(/hypervisor=kvm/);
        await page.getByRole('link', { name: 'Permalink to this view' }).click();
        const permalink = page.url();
        expect(permalink).toMatch(/hypervisor=kvm&guest=debian12|guest=debian12.*hypervisor=kvm/);
        const shown = await page.locator('td.cell .lv').allTextContents();
        expect(shown.length).toBeGreaterThan(1);
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
        const csv = readFileSync(await download.path(), 'utf8')
          .trim()
          .split('\r\n');
        expect(csv[0]).toBe('guest_id,guest,hypervisor_release_id,hypervisor_release,level,evidence,basis,reasons');
        expect(csv.length - 1).toBe(shown.length); // exactly the cells shown
        expect(csv.slice(1).map((l) => l.split(',')[4]?.toLowerCase())).toEqual(shown);
        // the permalink reproduces the view in a fresh context (nothing kept in the session)
        const other = await browser.newPage();
        await other.goto(permalink);
        expect(await other.locator('td.cell .lv').allTextContents()).toEqual(shown);
        await other.close();
      }, 400_000);

      it('planner → download', async () => {
        await page.goto(`${s.base}/planner`);
        await page.getByLabel('Guest (short id or id)').fill('debian12');
        await page.getByLabel('Hypervisor', { exact: true }).selectOption('kvm');
        await page.getByLabel('Host profile', { exact: true }).selectOption('kvm-x86_64');
        await page.getByRole('button', { name: 'Plan' }).click();
        await expect.poll(() => page.locator('#explain').textContent()).toMatch(/Plan for debian12/);
        expect(await page.locator('#explain').textContent()).toMatch(/why:/);
        await check('planner');
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: 'libvirt', exact: true }).click(),
        ]);
        expect(download.suggestedFilename()).toMatch(/\.xml$/);
        expect(readFileSync(await download.path(), 'utf8')).toMatch(/<domain type="kvm"/);
      }, 400_000);

      it('mover → download', async () => {
        await page.goto(`${s.base}/move`);
        await page
          .getByLabel('Configuration')
          .fill(readFileSync(join(import.meta.dirname, 'fixtures/inspect/vmx-esx-rhel9-efi-nvme.vmx'), 'utf8'));
        await page.getByLabel('Target hypervisor').selectOption('kvm');
        await page.getByLabel(/Guest \(short id or id/).fill('rhel9.0');
        await page.getByLabel(/Prepared/).check();
        await page.getByRole('button', { name: 'Plan the move' }).click();
        await expect.poll(() => page.locator('#move-result').textContent()).toBe('Move plan');
        expect(await page.locator('table.preflight tbody tr').count()).toBeGreaterThan(0);
        await check('move');
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Download / }).click()]);
        expect(download.suggestedFilename()).toBe('virtcompat-move-kvm.xml');
        expect(readFileSync(await download.path(), 'utf8')).toMatch(/<domain type="kvm"/);
      }, 400_000);

      it('vendor signs in, submits with an error, fixes it; a maintainer accepts; the matrix cell changes', async () => {
        const matrixUrl = `${s.base}/matrix?hypervisor=kvm&guest=debian12`;
        const guestId = 'http://debian.org/debian/12';
        await page.goto(matrixUrl);
        const before = await cell(guestId, RELEASE).textContent();
        expect(before).not.toBe('certified');

        await page.goto(`${s.base}/vendor/sign-in`);
        await check('sign-in');
        await page.getByLabel('API key').fill(s.keys.debian);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect.poll(() => page.url()).toBe(`${s.base}/vendor`);
        // the key is in no page and no script-readable cookie
        expect(await page.content()).not.toContain(s.keys.debian);
        const cookies = await ctx.cookies();
        const session = cookies.find((c) => c.name === 'vc_session');
        expect(session?.httpOnly).toBe(true);
        expect(session?.sameSite).toBe('Strict');
        expect(cookies.map((c) => c.value).join(' ')).not.toContain(s.keys.debian.slice(3));

        await page.getByLabel('Guest (short id or id)').fill('debian12');
        await page.getByLabel(/Hypervisor release/).fill('kvm:99.9');
        await page.getByLabel('Status').selectOption('CERTIFIED');
        await page.getByRole('button', { name: 'Submit for review' }).click();
        // errors beside their fields
        await expect.poll(() => page.locator('#err-hypervisorRelease').textContent()).toMatch(/99\.9/);
        expect(await page.locator('#err-evidenceUrl').textContent()).toMatch(/evidence|url|date/i);
        expect(await page.getByLabel(/Hypervisor release/).getAttribute('aria-invalid')).toBe('true');
        await check('vendor-errors');

        await page.getByLabel(/Hypervisor release/).fill('kvm:8.2');
        await page.getByLabel('Evidence URL').fill('https://wiki.debian.org/KVM');
        await page.getByLabel(/Evidence date/).fill('2026-11-01');
        await page.getByRole('button', { name: 'Submit for review' }).click();
        await expect.poll(() => page.locator('[role=status]').textContent()).toMatch(/pending review/);
        expect(await page.locator('td.review-state').first().textContent()).toBe('PENDING');
        await check('vendor');

        // pending records do not count
        await page.goto(matrixUrl);
        expect(await cell(guestId, RELEASE).textContent()).toBe(before);

        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.goto(`${s.base}/vendor/sign-in`);
        await page.getByLabel('API key').fill(s.keys.maintainer);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('link', { name: 'Review pending records' }).click();
        const item = page.locator('section.review', { hasText: 'Debian 12 on' });
        await item.getByLabel('Reason').fill('evidence checked');
        await check('review');
        await item.getByRole('button', { name: 'Accept' }).click();
        await expect.poll(() => page.locator('[role=status]').textContent()).toMatch(/reviewed/);

        await page.goto(matrixUrl);
        expect(await cell(guestId, RELEASE).textContent()).toBe('certified');
        // the submitter is Debian, an OS vendor owning the guest (not the hypervisor's vendor): tested by the guest's vendor
        expect(await page.locator(`td[data-guest="${guestId}"][data-release="${RELEASE}"] .ev`).textContent()).toBe('guest_vendor_tested');
      }, 400_000);

      it('record page and change feed', async () => {
        await page.goto(`${s.base}/changes`);
        await check('changes');
        await page.locator('main table a[href^="/record"]').first().click();
        await expect.poll(() => page.url()).toContain('/record?id=');
        expect(await page.locator('main').textContent()).toMatch(/Evidence[\s\S]*History/);
        await check('record');
      }, 400_000);

      it('the forms work with JavaScript switched off', async () => {
        const off = await browser.newContext({ javaScriptEnabled: false });
        const p = await off.newPage();
        await p.goto(`${s.base}/`);
        await p.getByLabel(/Guest, hypervisor, device/).fill('debian12');
        await p.getByRole('button', { name: 'Search' }).click();
        await p.getByRole('link', { name: 'Debian 12', exact: true }).click();
        await expect.poll(() => p.locator('h1').textContent()).toBe('Debian 12');
        await p.goto(`${s.base}/vendor/sign-in`);
        await p.getByLabel('API key').fill(s.keys.debian);
        await p.getByRole('button', { name: 'Sign in' }).click();
        await expect.poll(() => p.url()).toBe(`${s.base}/vendor`);
        await p.getByLabel('Guest (short id or id)').fill('no-such-guest');
        await p.getByLabel(/Hypervisor release/).fill('kvm:8.2');
        await p.getByRole('button', { name: 'Submit for review' }).click();
        await expect.poll(() => p.locator('#err-guest').textContent()).toMatch(/no-such-guest/);
        await off.close();
      }, 400_000);

      it('no page has a serious or critical accessibility violation', async () => {
        expect(axe.filter((a) => a.id === 'probe').length).toBeGreaterThanOrEqual(14); // the check ran on every page
        expect(axe.filter((a) => a.id !== 'probe')).toEqual([]);
        // and it does see a violation when there is one
        const probeContext = await browser.newContext();
        const probe = await probeContext.newPage();
        await probe.setContent(
          '<!doctype html><html lang="en"><head><title>t</title></head><body><main><img src="x.png"></main></body></html>',
        );
        expect((await seriousViolations(probe)).map((v) => v.id)).toContain('image-alt');
        await probeContext.close();
      });
    });
  }
});
