import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { createUser } from '../support/factories';

let app: TestApp;
let browser: Browser;
let officer: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  app = await startTestApp({ NODE_ENV: 'development' });
  await insertReports(generateReports(400, { seed: 7, locator: app.services.forces.locator }));
  await app.services.mapIndex.build();
  officer = await createUser(app.services, 'police', { name: 'Ana Lyst', forceId: 'sussex' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await dropTestDatabase();
});

async function signIn(page: Page, path: string): Promise<void> {
  await page.goto(app.url + path);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Email').fill(officer.email);
  await page.getByLabel('Password').fill(officer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/police/);
  await page.getByRole('heading', { name: 'Police workspace' }).waitFor();
}

describe('analysis an analyst can defend', () => {
  it('says in the legend which method and scale made the hotspot layer, and shows the Knox near-repeat table', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, '/police?layer=hotspots&window=0');
    const legend = page.getByTestId('hotspot-legend');
    await expect
      .poll(() => legend.textContent(), { timeout: 20_000 })
      .toMatch(/Hotspots: exact negative-binomial test, FDR 5 %, [\d.]+ k?m cells/);
    expect(await legend.textContent()).toMatch(/Cell size from the data \(twice the mean distance between neighbouring reports/);
    expect(await legend.textContent()).toMatch(/cells with a report in its neighbourhood is tested/);
    await expect.poll(() => page.getByTestId('map-status').textContent(), { timeout: 15_000 }).toMatch(/significant cells of/);

    const knox = page.getByTestId('near-repeat');
    await knox.waitFor({ timeout: 30_000 });
    expect(await knox.textContent()).toMatch(/Knox test: \d+ random reshuffles of the report times/);
    const table = knox.getByRole('table');
    expect(await table.getByRole('columnheader').allTextContents()).toEqual([
      'Distance',
      '≤ 7 days',
      '7–14 days',
      '14–21 days',
      '21–28 days',
    ]);
    expect(await table.getByRole('rowheader').first().textContent()).toBe('at the same place');
    // Each band reads in plain words when pointed at.
    expect(await table.locator('td').nth(4).getAttribute('title')).toMatch(/^Within 200 m and within 7 days of a report: /);

    // A wider distance band is a new analysis.
    await page.getByLabel('Distance band').selectOption('400');
    await expect.poll(() => table.getByRole('rowheader').nth(1).textContent(), { timeout: 20_000 }).toBe('≤ 400 m');
    await page.getByTestId('near-repeat').scrollIntoViewIfNeeded();
    await screenshot(page, 'police-hotspots-knox-desktop');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('shows "not enough reports here" instead of hotspots drawn from noise, also on a phone', async () => {
    const page = await openPage(browser, app.url, PHONE);
    await signIn(page, '/police?layer=hotspots&window=0&q=no-such-street-anywhere');
    await expect
      .poll(() => page.getByTestId('map-status').textContent(), { timeout: 20_000 })
      .toMatch(/^Not enough reports here to find hotspots: 0 match, at least 30 are needed/);
    await page.getByText('Legend').click(); // folded on a phone
    expect(await page.getByTestId('hotspot-legend').getByRole('status').textContent()).toMatch(/^Not enough reports here/);
    expect(await page.locator('.leaflet-overlay-pane path:not(.pw-force-boundary)').count()).toBe(0);
    await page.locator('.pw-map').scrollIntoViewIfNeeded();
    await screenshot(page, 'police-hotspots-not-enough-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });
});
