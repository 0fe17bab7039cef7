import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { DESKTOP, openPage, PHONE, seriousA11yViolations, signInToWorkspace, watchCsp } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';
import { createUser } from '../support/factories';

/** Screenshots of the workspace go to docs/ (one is in the README). */
const SHOTS = path.resolve('docs/screenshots');

let e2e: E2e;
let officer: Awaited<ReturnType<typeof createUser>>;
let admin: Awaited<ReturnType<typeof createUser>>;

beforeAll(async () => {
  e2e = await startE2e();
  await insertReports(generateReports(400, { seed: 13, locator: e2e.app.services.forces.locator }));
  await e2e.app.services.mapIndex.build();
  officer = await createUser(e2e.app.services, 'police', { name: 'Pat Officer', forceId: 'sussex' });
  admin = await createUser(e2e.app.services, 'police_admin', { name: 'Ada Admin' });
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

const MARKERS = '[data-testid="map-cluster"], [data-testid="map-report"]';

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
}

const signIn = (page: Page, who: { email: string; password: string }, to: string) =>
  signInToWorkspace(page, e2e.app.url + to, who);

const zoomOf = (page: Page) => Number(new URL(page.url()).searchParams.get('z'));
const centreOf = (page: Page) => (new URL(page.url()).searchParams.get('c') ?? '').split(',').map(Number) as [number, number];

/** The report's lat/lng from the detail panel ("… (50.12345, -0.12345)"). */
async function detailPoint(page: Page): Promise<[number, number]> {
  const text = (await page.locator('.pw-details dd').first().textContent()) ?? '';
  const m = /\((-?\d+\.\d+), (-?\d+\.\d+)\)/.exec(text);
  expect(m, text).toBeTruthy();
  return [Number(m![1]), Number(m![2])];
}

/** The map has flown to the open report: zoomed in to 16+ with the report at its centre, ring drawn on top. */
async function expectFlownTo(page: Page): Promise<void> {
  await page.getByRole('heading', { name: /^Report SW-/ }).waitFor();
  const [lat, lng] = await detailPoint(page);
  await expect.poll(() => zoomOf(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(16);
  await expect
    .poll(
      () => {
        const [clat, clng] = centreOf(page);
        return Math.abs(clat - lat) < 0.0005 && Math.abs(clng - lng) < 0.0005;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  await expectSelectedOnTop(page);
}

/** The selected ring is drawn and is the topmost thing at its centre: no cluster or marker covers it. */
async function expectSelectedOnTop(page: Page): Promise<void> {
  const ring = page.getByTestId('map-selected');
  await ring.waitFor();
  const onTop = await ring.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    // The ring is not interactive (pointer-events: none), so what is hit is whatever is under it: the check is the
    // stacking order instead, the ring's pane above the marker pane.
    const pane = el.closest('.leaflet-pane') as HTMLElement;
    const markers = document.querySelector('.leaflet-marker-pane') as HTMLElement;
    return {
      paneZ: Number(getComputedStyle(pane).zIndex),
      markerZ: Number(getComputedStyle(markers).zIndex),
      hit: hit !== null,
    };
  });
  expect(onTop.hit).toBe(true);
  expect(onTop.paneZ).toBeGreaterThan(onTop.markerZ);
}

describe('the police map and list (officer)', () => {
  it('opens a report from the queue, an email link and the map, flying to it and highlighting it, with no CSP errors', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    const listRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${e2e.app.url}/api/reports?`)) listRequests.push(r.url());
    });
    await signIn(page, officer, '/police');
    await page.locator(MARKERS).first().waitFor({ timeout: 20_000 });
    await page.waitForLoadState('networkidle');

    // The force by name, its boundary on the map, the layer switch above the filters.
    await expect(page.locator('.pw-head .hint').textContent()).resolves.toContain('(Sussex Police)');
    expect(await page.locator('.pw-head').textContent()).not.toContain('(sussex)');
    await expect.poll(() => page.locator('path.pw-force-boundary').count(), { timeout: 10_000 }).toBe(1);
    const layersBox = await page.getByRole('heading', { name: 'Map layer' }).boundingBox();
    const filtersBox = await page.getByRole('heading', { name: 'Filters' }).boundingBox();
    expect(layersBox!.y).toBeLessThan(filtersBox!.y);

    // Each cluster's count is readable: the label is the topmost element at its centre (not under the pie).
    const covered = await page.locator('.pw-cluster-label').evaluateAll(
      (els) =>
        els.filter((el) => {
          const r = el.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return hit !== el && !el.contains(hit) && !hit?.closest('.leaflet-control-container, .pw-legend');
        }).length,
    );
    expect(covered).toBe(0);

    // The list follows the map: "in view" is on by default and the queue asks for the map's bbox.
    expect(await page.getByLabel(/Only reports in the map view/).isChecked()).toBe(true);
    await expect.poll(() => listRequests.at(-1) ?? '', { timeout: 10_000 }).toContain('bbox=');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'police-workspace');
    await shot(page, 'police-workspace-full', true);
    const bboxBefore = new URL(listRequests.at(-1)!).searchParams.get('bbox');
    await page.locator('[data-testid="map-cluster"]').first().click();
    await expect.poll(() => new URL(listRequests.at(-1)!).searchParams.get('bbox'), { timeout: 10_000 }).not.toBe(bboxBefore);

    // The map follows the list: opening a report from the queue flies to it and rings it.
    await page.locator('.pw-queue-item').first().waitFor();
    await page.locator('.pw-queue-item').first().click();
    await page.waitForURL(/[?&]report=/);
    await expectFlownTo(page);
    const reportId = new URL(page.url()).searchParams.get('report')!;

    // Confirmations show next to the action that caused them.
    const assign = page.getByRole('button', { name: 'Assign to me' });
    await assign.click();
    const assigned = page.getByTestId('notice-assign');
    await assigned.waitFor();
    expect(await assigned.textContent()).toBe('Assigned to you.');
    // Right under the row of assignment buttons (far from the top of the panel).
    const row = await page
      .locator('.pw-actions .button-row', { has: page.getByRole('button', { name: 'Unassign' }) })
      .boundingBox();
    const box = await assigned.boundingBox();
    expect(box!.y - (row!.y + row!.height)).toBeGreaterThanOrEqual(0);
    expect(box!.y - (row!.y + row!.height)).toBeLessThan(40);
    await page.getByLabel('Add a police note').fill('Checked from the map test');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByTestId('notice-note').waitFor();
    expect(await page.getByTestId('notice-assign').count()).toBe(0);
    await page.waitForLoadState('networkidle');
    // The page itself at the top (the note's form scrolled it): the ringed report on the map beside its detail.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForLoadState('networkidle');
    await shot(page, 'police-workspace-selected');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The boundary layer can be switched off, and the switch is in the link.
    await page.getByLabel('Force boundaries').click();
    await page.waitForURL(/[?&]fb=0/);
    await expect.poll(() => page.locator('path.pw-force-boundary').count()).toBe(0);

    // An email link to the report (no map position in it): the map opens on the report.
    const link = await page.context().newPage();
    await link.goto(`${e2e.app.url}/police?report=${reportId}`);
    await expectFlownTo(link);
    await link.close();

    // From the map: back to the queue, zoom out, open a single report marker with the keyboard.
    await page.getByRole('button', { name: '← Back to queue' }).click();
    await page.waitForURL((u) => !u.searchParams.has('report'));
    await expect.poll(() => page.getByTestId('map-selected').count()).toBe(0);
    const single = page.locator('[data-testid="map-report"]').first();
    for (let i = 0; i < 12 && (await page.locator('[data-testid="map-report"]').count()) === 0; i++) {
      const z = zoomOf(page);
      await page.locator('[data-testid="map-cluster"]').first().click();
      await expect.poll(() => zoomOf(page), { timeout: 5000 }).not.toBe(z);
      await page.waitForLoadState('networkidle');
    }
    const reference = /Report (\S+?),/.exec((await single.getAttribute('aria-label')) ?? '')?.[1];
    expect(reference).toBeTruthy();
    await single.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: `Report ${reference}` }).waitFor();
    await expectFlownTo(page);

    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 180_000);

  it('brings the map into view from a repeat location and keeps chart text readable', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, officer, '/police?window=0');
    await page.locator(MARKERS).first().waitFor({ timeout: 20_000 });
    const show = page.locator('.pw-repeats button').first();
    await show.waitFor({ timeout: 20_000 });
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await show.scrollIntoViewIfNeeded();
    // The top of the map is scrolled out of view.
    expect(await page.locator('.pw-map').evaluate((el) => el.getBoundingClientRect().top)).toBeLessThan(0);
    await show.click();
    await expect.poll(() => zoomOf(page), { timeout: 10_000 }).toBe(17);
    await expect
      .poll(
        () =>
          page.locator('.pw-map').evaluate((el) => {
            const r = el.getBoundingClientRect();
            return r.top >= -1 && r.top < window.innerHeight / 2;
          }),
        { timeout: 10_000 },
      )
      .toBe(true);

    // Chart labels are drawn at 11 px or more on screen (not squeezed by the SVG's scaling).
    await page.locator('.pw-analytics').scrollIntoViewIfNeeded();
    const sizes = await page
      .locator('.pw-analytics .pw-axis')
      .evaluateAll((els) => els.filter((el) => el.textContent?.trim()).map((el) => el.getBoundingClientRect().height));
    expect(sizes.length).toBeGreaterThan(4);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
    await page.locator('.pw-analytics').screenshot({ path: path.join(SHOTS, 'police-charts.png') });
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('works on a phone, with the map focus ring visible', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, PHONE);
    const cspErrors = await watchCsp(page);
    await signIn(page, officer, '/police');
    await page.locator(MARKERS).first().waitFor({ timeout: 20_000 });
    // From the keyboard: Tab from the control before the map.
    await page.getByRole('button', { name: /Copy link/ }).focus();
    for (let i = 0; i < 40 && !(await page.evaluate(() => document.activeElement?.classList.contains('pw-leaflet'))); i++)
      await page.keyboard.press('Tab');
    const ring = await page.locator('.pw-leaflet').evaluate((el) => {
      const s = getComputedStyle(el);
      const clipped = [el.parentElement, el.parentElement?.parentElement].some(
        (p) => p && getComputedStyle(p).overflow !== 'visible',
      );
      return { style: s.outlineStyle, width: s.outlineWidth, clipped };
    });
    expect(ring).toEqual({ style: 'solid', width: '3px', clipped: false });
    await page.locator('.pw-map').scrollIntoViewIfNeeded();
    await shot(page, 'police-workspace-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('the police map for an admin', () => {
  it('draws every force boundary, filters by force and shows each report’s force by name', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await signIn(page, admin, '/police');
    await page.locator(MARKERS).first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('path.pw-force-boundary').count(), { timeout: 10_000 }).toBe(2);
    // click(), not uncheck(): the box is controlled by the URL, which React Router updates in a transition.
    await page.getByLabel('Only reports in the map view').click();
    await page.waitForURL(/[?&]inview=0/);
    await expect.poll(() => page.getByTestId('queue-force').allTextContents(), { timeout: 10_000 }).toContain('Sussex Police');

    const force = page.getByLabel('Force', { exact: true });
    await expect(force.locator('option').allTextContents()).resolves.toEqual(['All forces', 'Surrey Police', 'Sussex Police']);
    await force.selectOption({ label: 'Surrey Police' });
    await page.waitForURL(/[?&]force=surrey/);
    await expect
      .poll(async () => [...new Set(await page.getByTestId('queue-force').allTextContents())], { timeout: 10_000 })
      .toEqual(['Surrey Police']);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'police-workspace-admin');
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);
});

describe('accessibility across pages', () => {
  it('passes axe (label-content-name-mismatch included) with no CSP errors on the public pages', async () => {
    for (const [url, heading] of [
      ['/', /Seen something worrying/],
      ['/report', /Report/],
      ['/follow-up', /Follow/],
      ['/sign-in', /Sign in/],
    ] as const) {
      const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
      const cspErrors = await watchCsp(page);
      await page.goto(e2e.app.url + url);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await seriousA11yViolations(page), url).toEqual([]);
      // The brand link says what it shows.
      await page.getByRole('link', { name: 'StayWatch', exact: true }).waitFor();
      if (url === '/follow-up') {
        // Client-side validation runs zod, which must not probe `new Function` (configured jitless).
        await page.getByLabel(/Reference/).fill('x');
        await page.getByLabel(/Passphrase/).fill('y');
        await page.getByRole('button', { name: 'Show my report' }).click();
        await page.locator('[aria-invalid="true"]').first().waitFor();
      }
      expect(await cspErrors(), url).toEqual([]);
      await page.context().close();
    }
  }, 120_000);

  it('shows a crosshair where "Pin the centre of the map" puts the pin, and the focus ring of the report map', async () => {
    const page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    const cspErrors = await watchCsp(page);
    await page.goto(`${e2e.app.url}/report`);
    const map = page.locator('.report-map');
    await map.waitFor();
    const cross = page.getByTestId('map-crosshair');
    const [m, c] = [await map.boundingBox(), await cross.boundingBox()];
    expect(Math.abs(m!.x + m!.width / 2 - (c!.x + c!.width / 2))).toBeLessThanOrEqual(1);
    expect(Math.abs(m!.y + m!.height / 2 - (c!.y + c!.height / 2))).toBeLessThanOrEqual(1);
    expect(await cross.isVisible()).toBe(true);

    // The pin lands under the cross: where the map's centre is.
    await page.getByRole('button', { name: 'Pin the centre of the map' }).click();
    const pin = page.locator('.report-pin');
    await pin.waitFor();
    const p = await pin.boundingBox();
    // The pin's tip (bottom centre of its icon) is at the centre.
    expect(Math.abs(p!.x + p!.width / 2 - (c!.x + c!.width / 2))).toBeLessThanOrEqual(2);
    expect(Math.abs(p!.y + p!.height - (c!.y + c!.height / 2))).toBeLessThanOrEqual(2);

    // Keyboard focus on the map draws a ring that nothing clips.
    await page.getByRole('button', { name: 'Use my location' }).focus();
    for (let i = 0; i < 8 && !(await page.evaluate(() => document.activeElement?.classList.contains('leaflet-container'))); i++)
      await page.keyboard.press('Shift+Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const s = getComputedStyle(el);
      const frame = el.closest('.map-frame') as HTMLElement;
      return {
        isMap: el.classList.contains('leaflet-container'),
        style: s.outlineStyle,
        frameOverflow: getComputedStyle(frame).overflow,
      };
    });
    expect(focus).toEqual({ isMap: true, style: 'solid', frameOverflow: 'visible' });
    await page.locator('.map-frame').screenshot({ path: path.join(SHOTS, 'report-map-focus.png') });
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await cspErrors()).toEqual([]);
    await page.context().close();
  }, 120_000);
});
