import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { DESKTOP, launchBrowser, openPage, PHONE, seriousA11yViolations } from '../support/browser';
import { createUser } from '../support/factories';

let app: TestApp;
let browser: Browser;
let officer: Awaited<ReturnType<typeof createUser>>;
const KEY = 'phone:+447700900123';
const SHOTS = path.resolve('docs/screenshots');

async function file(at: { lat: number; lng: number }, hoursAgo: number, extra: Record<string, unknown>) {
  const now = Date.now();
  const res = await app.client().post('/api/reports', {
    location: at,
    propertyType: 'S',
    indicators: [1, 2],
    observedFrom: new Date(now - hoursAgo * 3_600_000).toISOString(),
    observedTo: new Date(now - (hoursAgo - 2) * 3_600_000).toISOString(),
    reporterRole: 'cleaner',
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
}

beforeAll(async () => {
  app = await startTestApp({ NODE_ENV: 'development' });
  await insertReports(generateReports(200, { seed: 9, locator: app.services.forces.locator }));
  await app.services.mapIndex.build();
  await file({ lat: 50.8225, lng: -0.1372 }, 24 * 40, { address: '12 Marine Parade, Brighton', phones: ['07700 900123'] });
  await file({ lat: 50.8279, lng: -0.1688 }, 24 * 12, {
    address: '3 Church Road, Hove',
    description: 'Card on the side: text +44 7700 900 123',
  });
  await file({ lat: 50.8191, lng: -0.1363 }, 30, {
    address: '40 St James St, Brighton',
    description: 'They ring 07700900123 all night, the Bravo line',
  });
  officer = await createUser(app.services, 'police', { name: 'Pat Analyst' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await dropTestDatabase();
});

async function signIn(page: Page, next: string): Promise<void> {
  await page.goto(app.url + next);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Email').fill(officer.email);
  await page.getByLabel('Password').fill(officer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the entity page', () => {
  it('shows a deal line with its reports, map and timeline, and downloads its evidence pack', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, `/police/entities/${encodeURIComponent(KEY)}`);
    await page.getByRole('heading', { name: /\+44 7700 900123/ }).waitFor();
    const rows = page.locator('table.entity-table tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => page.locator('.entity-leaflet path.leaflet-interactive').count()).toBe(3);
    expect(await page.getByText('Properties involved').count()).toBe(1);
    expect(await seriousA11yViolations(page)).toEqual([]);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'entity-page.png'), fullPage: true });

    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download evidence pack (CSV)' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/^staywatch-pack-phone-\+447700900123-\d{4}-\d\d-\d\d\.csv$/);
    const text = fs.readFileSync((await csv.path())!, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(4);
    const [html] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download evidence pack (printable HTML)' }).click(),
    ]);
    const pack = fs.readFileSync((await html.path())!, 'utf8');
    expect(pack).toContain('<dt>Number of reports</dt><dd>3</dd>');
    await page.getByText(/recorded in the audit log/).waitFor();

    // The printable pack, as an officer would print it.
    const printable = await openPage(browser, app.url, DESKTOP);
    await printable.setContent(pack);
    await printable.screenshot({ path: path.join(SHOTS, 'evidence-pack.png'), fullPage: true });

    const phone = await openPage(browser, app.url, PHONE);
    await signIn(phone, `/police/entities/${encodeURIComponent(KEY)}`);
    await phone.getByRole('heading', { name: /\+44 7700 900123/ }).waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: path.join(SHOTS, 'entity-page-phone.png'), fullPage: true });
  });

  it('links the report detail to the entity page and lists the selection network in the workspace', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, '/police');
    await page.getByRole('heading', { name: 'Linked intelligence' }).waitFor();
    const network = page.locator('.entity-network');
    await network.getByRole('link', { name: '+44 7700 900123' }).waitFor({ timeout: 20_000 });
    await network.getByRole('link', { name: '+44 7700 900123' }).locator('..').getByRole('button').first().click();
    const detail = page.locator('.pw-detail');
    await detail.getByText('same number, written differently').first().waitFor();
    await detail.getByRole('link', { name: '+44 7700 900123' }).click();
    await page.waitForURL(/\/police\/entities\//);
    // Polled on the page's text, so a failure shows what the page said instead (an error, "Loading…").
    await expect
      .poll(() => page.locator('main').textContent(), { timeout: 30_000 })
      .toMatch(/\+44 7700 900123[\s\S]*First seen/);
    await page.getByRole('heading', { name: /\+44 7700 900123/ }).waitFor();
  });
  it('stays on the entity page a link opened while its code was loading, though the map moved meanwhile', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, '/police');
    const network = page.locator('.entity-network');
    await network.getByRole('link', { name: '+44 7700 900123' }).waitFor({ timeout: 20_000 });
    await network.getByRole('link', { name: '+44 7700 900123' }).locator('..').getByRole('button').first().click();
    const detail = page.locator('.pw-detail');
    await detail.getByText('same number, written differently').first().waitFor();
    // A slow network: the entity page's code arrives only after the map has moved.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/assets/EntityPage-*.js', async (route) => {
      await held;
      await route.continue();
    });
    await detail.getByRole('link', { name: '+44 7700 900123' }).click();
    await page.waitForURL(/\/police\/entities\//);
    // The workspace, still on screen, sees the map move: it asks for the clusters of the new view.
    const mapMoved = page.waitForRequest(/\/api\/map\/clusters/);
    await page.locator('.leaflet-container').first().focus();
    await page.keyboard.press('ArrowRight');
    await mapMoved;
    release();
    await expect
      .poll(() => page.locator('main').textContent(), { timeout: 30_000 })
      .toMatch(/\+44 7700 900123[\s\S]*First seen/);
    expect(new URL(page.url()).pathname).toMatch(/^\/police\/entities\//);
    await page.context().close();
  });
});
