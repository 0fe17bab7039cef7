import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { EXPORT_COLUMNS } from '../../shared/schemas/police';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { ARTIFACTS, DESKTOP, launchBrowser, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { createUser } from '../support/factories';

let app: TestApp;
let browser: Browser;
let officer: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  app = await startTestApp({ NODE_ENV: 'development' });
  await insertReports(generateReports(300, { seed: 5, locator: app.services.forces.locator }));
  // The map index is built at start; the reports above went straight into the database, so rebuild it.
  await app.services.mapIndex.build();
  officer = await createUser(app.services, 'police', { name: 'Pat Officer' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await dropTestDatabase();
});

const MARKERS = '[data-testid="map-cluster"], [data-testid="map-report"]';

async function signInAsOfficer(page: Page, path = '/police'): Promise<void> {
  await page.goto(app.url + path);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Email').fill(officer.email);
  await page.getByLabel('Password').fill(officer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/police/);
  await page.getByRole('heading', { name: 'Police workspace' }).waitFor();
}

async function waitForMarkers(page: Page): Promise<number> {
  try {
    await page.locator(MARKERS).first().waitFor({ timeout: 20_000 });
  } catch (err) {
    await screenshot(page, 'police-no-markers');
    throw err;
  }
  return page.locator(MARKERS).count();
}

async function queueTotal(page: Page): Promise<string> {
  const el = page.getByTestId('queue-total');
  await expect.poll(() => el.textContent(), { timeout: 15_000 }).toMatch(/\d+ reports?/);
  return (await el.textContent()) ?? '';
}

/** What is on screen (the full-page shots from screenshot() get very tall on a phone). */
async function viewportShot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

function watchRequests(page: Page, prefix: string): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(app.url + prefix)) seen.push(r.url());
  });
  return seen;
}

describe('the police workspace', () => {
  it('sends signed-out visitors to sign in and tells other roles they have no access', async () => {
    const owner = await createUser(app.services, 'owner');
    const page = await openPage(browser, app.url, DESKTOP);
    await page.goto(`${app.url}/police`);
    await page.waitForURL(/\/sign-in\?as=police/);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'No access' }).waitFor();
    await page.context().close();
  });

  it('shows clusters, follows the time window and filters in the URL, opens a report from the map, changes its status and exports CSV', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    const clusterRequests = watchRequests(page, '/api/map/clusters');
    const listRequests = watchRequests(page, '/api/reports?');
    await signInAsOfficer(page);

    const markers = await waitForMarkers(page);
    expect(markers).toBeGreaterThan(0);
    expect(markers).toBeLessThanOrEqual(1000);
    const before = await queueTotal(page);
    // Paging: 50 at a time, then "Load more".
    await expect.poll(() => page.locator('.pw-queue-item').count()).toBe(50);
    await page.getByRole('button', { name: /Load more/ }).click();
    await expect.poll(() => page.locator('.pw-queue-item').count()).toBeGreaterThan(50);
    expect(page.url()).toMatch(/[?&]c=[-\d.]+,[-\d.]+/);
    expect(page.url()).toMatch(/[?&]z=\d+/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'police-workspace-desktop');

    // Time window: 90 days (default) → 30 days with the keyboard.
    const clustersBefore = clusterRequests.length;
    await page.getByLabel(/Time window/).focus();
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(/[?&]window=30/);
    await expect.poll(() => clusterRequests.length, { timeout: 10_000 }).toBeGreaterThan(clustersBefore);
    const from30 = new URL(clusterRequests.at(-1)!).searchParams.get('from');
    expect(Date.now() - Date.parse(from30!)).toBeLessThan(32 * 86_400_000);
    await expect.poll(() => page.getByTestId('queue-total').textContent(), { timeout: 10_000 }).not.toBe(before);
    const after30 = await queueTotal(page);

    // A filter: safeguarding only; the queue shows only ★ reports.
    await page.getByLabel('Priority').selectOption('safeguarding');
    await page.waitForURL(/[?&]priority=safeguarding/);
    await expect.poll(() => page.getByTestId('queue-total').textContent(), { timeout: 10_000 }).not.toBe(after30);
    await expect.poll(() => listRequests.at(-1) ?? '', { timeout: 10_000 }).toContain('priority=safeguarding');
    const items = page.locator('.pw-queue-item');
    await items.first().waitFor();
    const itemCount = await items.count();
    expect(itemCount).toBeGreaterThan(0);
    expect(await page.locator('.pw-queue-item .pw-badge-sg').count()).toBe(itemCount);

    // A colleague opening the same link sees the same view.
    const shared = page.url();
    const colleague = await page.context().newPage();
    await colleague.goto(shared);
    await colleague.getByRole('heading', { name: 'Police workspace' }).waitFor();
    expect(await colleague.getByLabel('Priority').inputValue()).toBe('safeguarding');
    expect(await colleague.getByLabel(/Time window/).getAttribute('aria-valuetext')).toBe('Last 30 days');
    await colleague.close();

    // Open a report from the map: zoom into clusters until single reports show, then click one.
    await page.getByText('Legend').click(); // fold it so it cannot cover a marker
    for (let i = 0; i < 12 && (await page.locator('[data-testid="map-report"]').count()) === 0; i++) {
      const z = new URL(page.url()).searchParams.get('z');
      await page.locator('[data-testid="map-cluster"]').first().click();
      await expect.poll(() => new URL(page.url()).searchParams.get('z'), { timeout: 5000 }).not.toBe(z);
      await page.waitForLoadState('networkidle');
    }
    const single = page.locator('[data-testid="map-report"]').first();
    const label = (await single.getAttribute('aria-label')) ?? '';
    const reference = /Report (\S+?),/.exec(label)?.[1];
    expect(reference).toBeTruthy();
    // Markers of nearby reports can overlap, so a pointer click may land on a neighbour: activate it from the keyboard.
    await single.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/[?&]report=/);
    await page.getByRole('heading', { name: `Report ${reference}` }).waitFor();

    // Change its status to the first allowed transition.
    const statusSelect = page.getByLabel('Change status');
    const firstOption = await statusSelect.locator('option:not([disabled])').first().textContent();
    await statusSelect.selectOption({ label: firstOption! });
    await page.getByLabel('Reason (optional)').fill('Checked by the e2e test');
    await page.getByRole('button', { name: 'Update status' }).click();
    await page.getByText(`Status changed to ${firstOption}.`).waitFor();
    await expect(page.locator('.pw-history').first().textContent()).resolves.toContain('Checked by the e2e test');
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('Assigned to you.').waitFor();
    await page.getByLabel('Add a police note').fill('Spoke to the hotel manager');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Note added.').waitFor();
    await page.getByText('Spoke to the hotel manager').waitFor();
    // Releasing the owner alert of a safeguarding report asks first, with a special warning.
    await page.getByRole('button', { name: 'Release owner alert' }).click();
    await expect(page.getByRole('alertdialog').textContent()).resolves.toContain('This is a safeguarding report');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'police-report-detail-desktop');
    await page.getByRole('alertdialog').scrollIntoViewIfNeeded();
    await viewportShot(page, 'police-release-confirm-desktop');
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();

    // Export CSV of exactly these filters.
    await page.getByRole('button', { name: '← Back to queue' }).click();
    const exportRequests = watchRequests(page, '/api/reports/export');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
    expect(csv.split(/\r?\n/)[0]).toBe(EXPORT_COLUMNS.join(','));
    expect(exportRequests.at(-1)).toContain('priority=safeguarding');
    expect(exportRequests.at(-1)).toContain('format=csv');
    await page.getByTestId('export-status').waitFor();
    const csvRows = csv.trim().split(/\r?\n/).length - 1;
    await expect(page.getByTestId('export-status').textContent()).resolves.toContain(`${csvRows} reports`);

    // GeoJSON of the same filters: the same number of reports.
    const [geoDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export GeoJSON' }).click(),
    ]);
    const geo = JSON.parse(fs.readFileSync((await geoDownload.path())!, 'utf8'));
    expect(geo.type).toBe('FeatureCollection');
    expect(geo.features).toHaveLength(csvRows);
    await page.context().close();
  }, 180_000);

  it('draws heat and hotspot layers with a legend, and works on a phone', async () => {
    const page = await openPage(browser, app.url, PHONE);
    await signInAsOfficer(page);
    await waitForMarkers(page);
    // Once the first fit and its cluster answer have settled, so the focused marker is not replaced under the key.
    await page.waitForLoadState('networkidle');
    // Markers work from the keyboard: Enter on a cluster zooms in.
    const z = new URL(page.url()).searchParams.get('z');
    await page.locator('[data-testid="map-cluster"]').first().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('z'), { timeout: 5000 }).not.toBe(z);
    await waitForMarkers(page);
    await screenshot(page, 'police-workspace-phone');
    await viewportShot(page, 'police-workspace-phone-viewport');
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Heat map').click();
    await page.waitForURL(/[?&]layer=heat/);
    await page.locator('.pw-heat').waitFor({ timeout: 15_000 });
    await page.locator('.pw-map').scrollIntoViewIfNeeded();
    await viewportShot(page, 'police-heat-phone-viewport');
    await page.getByLabel('Heat bandwidth').selectOption('2000');
    await page.waitForURL(/[?&]bw=2000/);

    await page.getByLabel('Hotspots', { exact: true }).click();
    await page.waitForURL(/[?&]layer=hotspots/);
    await page.getByText('Legend').click(); // folded on a phone
    await page.getByTestId('hotspot-legend').waitFor();
    await expect.poll(() => page.getByTestId('map-status').textContent(), { timeout: 15_000 }).toMatch(/significant cells|Not enough reports/);
    await screenshot(page, 'police-hotspots-phone');
    await page.locator('.pw-map').scrollIntoViewIfNeeded();
    await viewportShot(page, 'police-hotspots-phone-viewport');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Opening a report from the queue on a phone.
    await page.locator('.pw-queue-item').first().click();
    await page.getByRole('heading', { name: /^Report SW-/ }).waitFor();
    await page.getByRole('heading', { name: /^Report SW-/ }).scrollIntoViewIfNeeded();
    await viewportShot(page, 'police-report-detail-phone-viewport');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  }, 180_000);
});
