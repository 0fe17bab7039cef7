import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { cellKeys } from '../../server/geo/geohash';
import { DESKTOP, openPage, PHONE, screenshot, seriousA11yViolations, signInToWorkspace, watchCsp } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';
import { createUser } from '../support/factories';

/** Screenshots of the analysis layers go to docs/ (the README's analysis section shows them). */
const SHOTS = path.resolve('docs/screenshots');
const DAY = 86_400_000;
/** A planted new hot spot in the South Downs, away from the towns the background clusters in. */
const SPOT = { lat: 50.9312, lng: -0.4611 };

let e2e: E2e;
let officer: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  e2e = await startE2e();
  const now = Date.now();
  const locator = e2e.app.services.forces.locator;
  // 800 reports over half a year, then 40 at one place in the last five days and nothing there before.
  const background = [...generateReports(800, { seed: 21, locator, now: new Date(now), days: 180 })];
  const planted = [...generateReports(40, { seed: 22, locator, now: new Date(now) })].map((r, k) => {
    const lat = SPOT.lat + ((k % 5) - 2) * 0.0003;
    const lng = SPOT.lng + (Math.floor(k / 5) - 4) * 0.0003;
    const from = new Date(now - (k % 5) * DAY - 3_600_000);
    return { ...r, lat, lng, cells: cellKeys(lat, lng), forceId: 'sussex', observedFrom: from, observedTo: from };
  });
  await insertReports([...background, ...planted]);
  await e2e.app.services.mapIndex.build();
  officer = await createUser(e2e.app.services, 'police', { name: 'Em Analyst', forceId: 'sussex' });
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

const signIn = (page: Page, to: string) => signInToWorkspace(page, e2e.app.url + to, officer);

const PLANTED = /(New|Consecutive) hot spot/;
const HOT_CELL = 'path.pw-em-new-hot, path.pw-em-consecutive-hot';

describe('emerging hot spots in the police workspace', () => {
  it('switches to the emerging layer, names method and scale in the legend, and shows a selected cell’s series', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, `/police?window=180&c=${SPOT.lat},${SPOT.lng}&z=13`);

    await page.getByRole('radio', { name: 'Emerging hot spots' }).click();
    await page.waitForURL(/layer=emerging/);
    const legend = page.getByTestId('emerging-legend');
    await expect.poll(() => legend.textContent(), { timeout: 30_000 }).toMatch(PLANTED);
    const text = (await legend.textContent()) ?? '';
    expect(text).toContain('Emerging Hot Spot Analysis (space-time Gi*, Mann-Kendall)');
    expect(text).toMatch(/250 m cells \(fitted to the view\), weekly steps, (26|27) steps from /);
    expect(text).toMatch(/exact Poisson test per bin, FDR 5 %/);
    expect(await page.getByTestId('map-status').textContent()).toMatch(
      /locations with a pattern of \d+ analysed over \d+ weekly steps/,
    );

    // A planted cell on the map, coloured by its pattern, opens its series when clicked.
    const cell = page.locator(HOT_CELL).first();
    expect(await cell.getAttribute('fill')).toMatch(/^#(67000d|a50f15)$/);
    await cell.click();
    const series = page.getByTestId('emerging-series');
    await series.waitFor();
    expect(await series.getByRole('heading').textContent()).toMatch(PLANTED);
    expect(await series.getByRole('img').getAttribute('aria-labelledby')).toBeTruthy();
    expect(await series.getByTestId('emerging-trend').textContent()).toMatch(/^Mann-Kendall trend of the Gi\* z-scores: /);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator('.pw-area-map').screenshot({ path: path.join(SHOTS, 'emerging-hotspots.png') });
    // The table alternative: one row per week, the latest a significant hot spot with reports in it.
    await series.getByText('Show as a table').click();
    const rows = series.getByRole('table').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(26);
    const latest = rows.last();
    expect(Number(await latest.locator('td').first().textContent())).toBeGreaterThan(0);
    expect(await latest.locator('td').nth(2).textContent()).toMatch(/^hot spot \(p ≤ /);
    expect(await page.locator('path.pw-em-selected').count()).toBe(1);

    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  });

  it('picks a location from the list without a pointer, and monthly steps say when the period is too short', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, `/police?layer=emerging&window=180&ecell=500&c=${SPOT.lat},${SPOT.lng}&z=11`);
    const legend = page.getByTestId('emerging-legend');
    await expect.poll(() => legend.textContent(), { timeout: 30_000 }).toMatch(/500 m cells, weekly steps/);

    // The keyboard way: the location list, most telling first (a new hot spot is the first pattern).
    const list = page.getByLabel('Location (or select a cell on the map)');
    await list.focus();
    await page.keyboard.press('ArrowDown');
    const series = page.getByTestId('emerging-series');
    await series.waitFor();
    expect(await series.getByRole('heading').textContent()).toMatch(PLANTED);

    // Monthly steps over the default 90 days are too few for a trend: the API says so, and the legend says it.
    await page.getByRole('radio', { name: 'Monthly' }).click();
    await page.waitForURL(/step=monthly/);
    await expect.poll(() => legend.textContent(), { timeout: 30_000 }).toMatch(/monthly steps, \d+ steps from/);
    // The same view over the default window, 90 days: three or four months.
    await page.goto(`${e2e.app.url}/police?layer=emerging&step=monthly&ecell=500&c=${SPOT.lat},${SPOT.lng}&z=11`);
    await expect
      .poll(
        () =>
          legend
            .getByRole('status')
            .textContent()
            .catch(() => ''),
        { timeout: 30_000 },
      )
      .toMatch(
        /^Not enough data for a trend here: \d monthly time step\(s\) is too few for a trend \(at least 5\): choose a longer period or weekly steps/,
      );
    expect(await page.locator('path.pw-em-cell').count()).toBe(0);
    expect(await page.getByTestId('map-status').textContent()).toMatch(/too few for a trend/);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator('.pw-legend').screenshot({ path: path.join(SHOTS, 'emerging-not-enough-legend.png') });
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  });

  it('fits a phone: the location list and series under the map, the legend folded', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, PHONE);
    await signIn(page, `/police?layer=emerging&window=180&c=${SPOT.lat},${SPOT.lng}&z=13`);
    const list = page.getByLabel('Location (or select a cell on the map)');
    await list.waitFor({ timeout: 30_000 });
    await list.selectOption({ index: 1 });
    const series = page.getByTestId('emerging-series');
    await series.waitFor();
    expect(await series.getByRole('heading').textContent()).toMatch(PLANTED);
    const box = await series.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(PHONE.width);
    await page.getByTestId('emerging-panel').scrollIntoViewIfNeeded();
    await screenshot(page, 'emerging-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('saves the hotspot legend and the whole-force emerging layer with their method and scale', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    await signIn(page, '/police?layer=emerging&window=180&fb=0');
    const emerging = page.getByTestId('emerging-legend');
    await expect.poll(() => emerging.textContent(), { timeout: 30_000 }).toMatch(/cells \(fitted to the view\), weekly steps/);
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.locator('.pw-map').screenshot({ path: path.join(SHOTS, 'emerging-hotspots-force.png') });
    await page.goto(`${e2e.app.url}/police?layer=hotspots&window=0`);
    const legend = page.getByTestId('hotspot-legend');
    await expect.poll(() => legend.textContent(), { timeout: 30_000 }).toMatch(/Hotspots: exact negative-binomial test, FDR 5 %/);
    await page.locator('.pw-legend').screenshot({ path: path.join(SHOTS, 'hotspot-legend.png') });
    await page.context().close();
  });
});
