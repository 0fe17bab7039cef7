import type { Browser, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { DESKTOP, openPage, screenshot, seriousA11yViolations } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';

let app: TestApp;
let browser: Browser;
let e2e: E2e | undefined;
beforeAll(async () => {
  e2e = await startE2e();
  ({ app, browser } = e2e);
});
afterAll(async () => {
  await e2e?.close();
});

const chunkName = (url: string) => new URL(url).pathname.replace(/^\/assets\//, '').replace(/-[\w-]{8}\.js$/, '');

describe('pages whose code loads when they are opened', () => {
  it('fetches the report page and leaflet only on the way to the report form, as scripts the CSP allows', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    const scripts: Response[] = [];
    page.on('response', (res) => {
      if (new URL(res.url()).pathname.endsWith('.js')) scripts.push(res);
    });
    const cspViolations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });

    const home = await page.goto(app.url);
    expect(home?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { level: 1, name: /Seen something worrying/ }).waitFor();
    const firstLoad = scripts.map((r) => chunkName(r.url()));
    expect(firstLoad).toContain('index');
    expect(firstLoad).not.toContain('ReportPage');
    expect(firstLoad).not.toContain('leaflet');

    await page.getByRole('link', { name: 'Report a concern' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Report a concern' }).waitFor();
    const later = scripts.slice(firstLoad.length);
    expect(later.map((r) => chunkName(r.url()))).toEqual(expect.arrayContaining(['ReportPage', 'leaflet']));
    for (const res of later) {
      expect(res.status()).toBe(200);
      expect(res.headers()['content-type']).toMatch(/^(text|application)\/javascript/);
    }
    expect(cspViolations).toEqual([]);
    await page.context().close();
  });

  it('offers a reload, announced as an alert, when a page’s code cannot be fetched, and forgets it on the next page', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    await page.goto(app.url);
    await page.getByRole('heading', { level: 1, name: /Seen something worrying/ }).waitFor();
    // The network drops just as the reporter opens the form.
    await page.route('**/assets/ReportPage-*.js', (route) => route.abort());
    await page.getByRole('link', { name: 'Report a concern' }).first().click();
    const alert = page.getByRole('alert');
    await expect(alert.textContent()).resolves.toMatch(/could not be loaded/);
    await expect(page.getByRole('button', { name: 'Reload' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'page-load-failed');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Follow up' }).click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expect(page.getByText(/could not be loaded/).count()).resolves.toBe(0);

    await page.unroute('**/assets/ReportPage-*.js');
    await page.goto(`${app.url}/report`);
    await page.getByRole('button', { name: 'Reload' }).waitFor({ state: 'detached' });
    await page.getByRole('heading', { level: 1, name: 'Report a concern' }).waitFor();
    await page.context().close();
  });
  it('answers 404 for a script that no longer exists, instead of the app page an old tab would try to run', async () => {
    const missing = await fetch(`${app.url}/assets/ReportPage-00000000.js`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('id="root"');
    const page = await fetch(`${app.url}/police`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  });
});
