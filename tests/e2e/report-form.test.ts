import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportModel } from '../../server/reports/report.model';
import { REFERENCE_REGEX } from '../../shared/schemas/reports';
import type { TestApp } from '../support/app';
import { ARTIFACTS, DESKTOP, offlineOnly, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';
import { createUser } from '../support/factories';

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

/** Tiles are blocked in tests, so the offline coastline must be drawn instead. */
async function coastlineDrawn(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.leaflet-offline-base-pane path')].some((p) => (p.getAttribute('d') ?? '').length > 20),
  );
}

describe('the report form', () => {
  it('files a report on a phone, through the 999 interstitial, and shows the reference and passphrase', async () => {
    const page = await openPage(browser, app.url, PHONE);
    await page.goto(`${app.url}/report`);
    await page.getByRole('heading', { level: 1, name: 'Report a concern' }).waitFor();
    await page.locator('.leaflet-container').waitFor();
    await coastlineDrawn(page);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'report-form-phone');

    await page.getByLabel('Latitude').fill('50.8225');
    await page.getByLabel('Longitude').fill('-0.1372');
    await page.getByLabel(/Address or description/).fill('Flat 3, 12 Marine Parade, Brighton');
    await page.getByRole('radio', { name: /Short-let/ }).check();
    await page.getByRole('checkbox', { name: /Drug packaging/ }).check();
    expect(await page.getByRole('checkbox', { name: /isolated room/ }).count()).toBe(0);

    await page.getByRole('checkbox', { name: /Weapons seen/ }).check();
    const dialog = page.getByRole('alertdialog', { name: 'Call 999 now' });
    await dialog.waitFor();
    expect(await dialog.getByRole('link', { name: 'Call 999' }).getAttribute('href')).toBe('tel:999');
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') != null)).toBe(true);
    expect(await page.evaluate(() => document.querySelector('dialog.call999')?.matches(':modal'))).toBe(true);
    await page.keyboard.press('Escape');
    expect(await dialog.isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Review your report' }).isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-999-dialog-phone.png') });
    await dialog.getByRole('button', { name: /safe to continue/ }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page.getByLabel(/Describe what you saw/).fill('Two teenagers let in by an older man; a knife on the table.');
    await expect(page.locator('#description-count').textContent()).resolves.toMatch(/^59 of 2000 characters$/);
    await page.getByLabel('Who are you?').selectOption('cleaner');
    await page.getByRole('button', { name: 'Review your report' }).click();

    await page.getByRole('heading', { level: 1, name: 'Check your report' }).waitFor();
    expect(await page.locator('.review').textContent()).toContain('Weapons seen');
    await screenshot(page, 'report-review-phone');
    await page.getByRole('button', { name: 'Send report' }).click();

    await page.getByRole('heading', { level: 1, name: /Report sent/ }).waitFor();
    const reference = (await page.getByTestId('reference').textContent())!;
    const passphrase = (await page.getByTestId('passphrase').textContent())!;
    expect(reference).toMatch(REFERENCE_REGEX);
    expect(await page.getByText(/shown only once/).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'call 999 now' }).isVisible()).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'report-confirmation-phone');

    const stored = await ReportModel.findOne({ reference }).lean();
    expect(stored).toMatchObject({ propertyType: 'S', indicators: [6, 7], priority: 'safeguarding', reporterRole: 'cleaner' });

    // Follow up with what was shown, and add something.
    await page.getByRole('link', { name: 'Follow up later' }).click();
    await page.getByLabel('Reference').fill(reference);
    await page.getByLabel('Passphrase').fill(passphrase);
    await page.getByRole('button', { name: 'Show my report' }).click();
    await page.getByText('Received — waiting for police to review it').waitFor();
    await page.getByLabel(/Add information/).fill('The man drives a grey hatchback.');
    await page.getByRole('button', { name: 'Add to my report' }).click();
    await page.getByText('The man drives a grey hatchback.').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'follow-up-phone');
    await page.context().close();
  });

  it('lists problems with links to the fields, and shows the server’s answer for a place outside every force area', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    await page.goto(`${app.url}/report`);
    await page.getByRole('button', { name: 'Review your report' }).click();
    const summary = page.getByRole('alert').filter({ hasText: 'There is a problem' });
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/Location.*Kind of property.*Who you are/s);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Latitude').fill('55.9533');
    await page.getByLabel('Longitude').fill('-3.1883');
    await page.getByRole('radio', { name: /Hotel/ }).check();
    await page.getByRole('checkbox', { name: /isolated room/ }).check();
    await page.getByLabel('Who are you?').selectOption('staff');
    await page.getByRole('button', { name: 'Review your report' }).click();
    await page.getByRole('button', { name: 'Send report' }).click();
    await page.locator('#location-error').waitFor();
    expect(await page.locator('#location-error').textContent()).toMatch(/outside/);
    await page.context().close();
  });

  it('places the pin by tapping the map, loads nothing from other origins but tiles, and looks right on a desktop', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const blocked = await offlineOnly(page, app.url);
    await page.goto(`${app.url}/report`);
    const map = page.locator('.leaflet-container');
    await map.waitFor();
    await coastlineDrawn(page);
    await map.click({ position: { x: 400, y: 200 } });
    await page.locator('.report-pin').waitFor();
    expect(Number(await page.getByLabel('Latitude').inputValue())).toBeGreaterThan(49);
    await page.getByRole('radio', { name: /Residential/ }).check();
    await page.getByRole('checkbox', { name: /Resident rarely seen/ }).check();
    await screenshot(page, 'report-form-desktop');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-form.png') });
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked.filter((u) => !u.startsWith('https://tile.openstreetmap.org/'))).toEqual([]);
    await page.context().close();
  });

  it("places the pin at the phone's position with Use my location", async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      geolocation: { latitude: 50.8179, longitude: -0.3729 },
      permissions: ['geolocation'],
    });
    const page = await context.newPage();
    await offlineOnly(page, app.url);
    await page.goto(`${app.url}/report`);
    await page.getByRole('button', { name: 'Use my location' }).click();
    await page.getByText(/Pin placed at your current location/).waitFor();
    expect(await page.getByLabel('Latitude').inputValue()).toBe('50.8179');
    expect(await page.getByLabel('Longitude').inputValue()).toBe('-0.3729');
    await page.locator('.report-pin').waitFor();
    await context.close();
  });

  it('pins the centre of the map for keyboard users', async () => {
    const page = await openPage(browser, app.url, PHONE);
    await page.goto(`${app.url}/report`);
    await page.locator('.leaflet-container').focus();
    await page.keyboard.press('ArrowUp');
    await page.getByRole('button', { name: 'Pin the centre of the map' }).click();
    await page.locator('.report-pin').waitFor();
    expect(Number(await page.getByLabel('Latitude').inputValue())).toBeGreaterThan(50.95);
    await page.context().close();
  });

  it('lists the reports a signed-in host filed', async () => {
    const host = await createUser(app.services, 'host', { name: 'Hana Host' });
    const api = app.client();
    await api.login(host.email, host.password);
    const filed = await api.post('/api/reports', {
      location: { lat: 50.8225, lng: -0.1372 },
      propertyType: 'S',
      indicators: [1],
      observedFrom: new Date(Date.now() - 7_200_000).toISOString(),
      observedTo: new Date(Date.now() - 3_600_000).toISOString(),
      reporterRole: 'host',
    });
    expect(filed.status).toBe(201);

    const page = await openPage(browser, app.url, PHONE);
    await page.goto(`${app.url}/sign-in`);
    await page.getByLabel('Email').fill(host.email);
    await page.getByLabel('Password').fill(host.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'My reports' }).waitFor();
    await page.getByText(filed.body.reference).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'my-reports-phone');
    await page.context().close();
  });
});
