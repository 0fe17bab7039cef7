import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceM } from '../../shared/geo';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { createUser } from '../support/factories';
import { PostcodesServer } from '../support/postcodes-server';

const SHOTS = path.resolve('docs/screenshots');
let app: TestApp;
let browser: Browser;
let postcodes: PostcodesServer;

beforeAll(async () => {
  postcodes = await new PostcodesServer().start();
  app = await startTestApp({ TOKEN_SECRET: 'owner-e2e-secret-0123456789abcdefghij', GEOCODER_URL: postcodes.url });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await postcodes?.stop();
  await dropTestDatabase();
});

async function signIn(page: Page, email: string, password: string, path: string): Promise<void> {
  await page.goto(app.url + path);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(new RegExp(path.replace('/', '\\/')));
}

/**
 * Saves the page's screenshot in test-artifacts, and among the README's (docs/screenshots): the whole page, or only
 * `part` of it when given.
 */
async function keepScreenshot(page: Page, name: string, part?: Locator): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const full = await screenshot(page, name);
  if (part) await part.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  else fs.copyFileSync(full, path.join(SHOTS, `${name}.png`));
}

/** An owner (or host) with properties made through the API, at the given places. */
async function ownerWith(role: 'owner' | 'host', places: Array<{ address: string; lat: number; lng: number }>) {
  const user = await createUser(app.services, role);
  const c = app.client();
  await c.login(user.email, user.password);
  const ids: string[] = [];
  for (const p of places) {
    const res = await c.post('/api/properties', { ...p, type: 'S' });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return { ...user, client: c, propertyIds: ids };
}

/**
 * Where the new (solid, not dashed) area sits in the map, as fractions of the map's width and height: its centre
 * and its size. Leaflet draws each shape as an SVG path in the overlay pane.
 */
async function areaInMap(map: Locator): Promise<{ cx: number; cy: number; w: number; h: number }> {
  return map.evaluate((el) => {
    const frame = el.querySelector('.leaflet-container')!.getBoundingClientRect();
    const paths = [...el.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive')].filter(
      (p) => !p.getAttribute('stroke-dasharray'),
    );
    const r = paths[paths.length - 1]!.getBoundingClientRect();
    return {
      cx: (r.left + r.width / 2 - frame.left) / frame.width,
      cy: (r.top + r.height / 2 - frame.top) / frame.height,
      w: r.width / frame.width,
      h: r.height / frame.height,
    };
  });
}

/** The map fits the area: centred, and neither a speck nor cut off. */
async function fitted(map: Locator): Promise<boolean> {
  const a = await areaInMap(map);
  return Math.abs(a.cx - 0.5) < 0.1 && Math.abs(a.cy - 0.5) < 0.1 && Math.max(a.w, a.h) > 0.3 && a.w <= 1 && a.h <= 1;
}

describe('owner and police alert pages', () => {
  it('lets an owner register a property and ask for an alert, with no serious accessibility problems', async () => {
    const owner = await createUser(app.services, 'owner', { name: 'Olive Owner' });
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, owner.email, owner.password, '/owner');
    await page.getByRole('heading', { name: 'My properties and alerts' }).waitFor();
    await page.getByRole('button', { name: 'Register a property' }).click();
    await page.getByLabel('Address').fill('12 Marine Parade, Brighton');
    await page.getByLabel('Latitude').fill('50.8195');
    await page.getByLabel('Longitude').fill('-0.1311');
    await page.getByRole('button', { name: 'Register property' }).click();
    await page.getByText('12 Marine Parade, Brighton').first().waitFor();
    await page.getByRole('button', { name: 'Create alert' }).click();
    await page.getByText('Waiting for email confirmation').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'owner-desktop');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'owner-phone');
  });

  it('finds a property’s postcode through the geocoder and places the pin there', async () => {
    const owner = await createUser(app.services, 'owner');
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, owner.email, owner.password, '/owner');
    await page.getByRole('button', { name: 'Register a property' }).click();
    const form = page.getByRole('form', { name: 'Register a property' });
    await form.getByLabel('Address').fill('Flat 2, 1 Old Steine, Brighton');
    await form.getByLabel('Find a postcode or town').fill('bn1 1aa');
    await form.getByRole('button', { name: 'Find', exact: true }).click();
    await form.getByRole('button', { name: 'BN1 1AA, Brighton and Hove' }).click();
    await form.getByText('Pin placed at BN1 1AA, Brighton and Hove.').waitFor();
    expect(await form.getByLabel('Latitude').inputValue()).toBe('50.8225');
    expect(await form.getByLabel('Longitude').inputValue()).toBe('-0.1372');
    expect(postcodes.requests.some((r) => /^\/postcodes\?q=bn1(\+|%20)1aa/i.test(r))).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'owner-address-finder');
    await form.getByRole('button', { name: 'Register property' }).click();
    await page.getByText('Flat 2, 1 Old Steine, Brighton').first().waitFor();
    await page.getByText('50.82250, -0.13720').waitFor();
    await page.context().close();
  });

  it('sets an alert area by keyboard, a radius around a postcode or a property, fits the map to it and saves it', async () => {
    const owner = await ownerWith('owner', [{ address: '3 Robertson Street, Hastings', lat: 50.8553, lng: 0.5735 }]);
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, owner.email, owner.password, '/owner');
    await page.getByText('3 Robertson Street, Hastings').first().waitFor();
    const form = page.getByRole('form', { name: 'New alert' });
    const map = form.getByRole('region', { name: 'Map of your alert areas' });

    // Keyboard only: choose "an area", find the postcode, choose the result, give the radius, press Enter.
    await form.getByRole('radio', { name: /One of my properties and the area around it/ }).focus();
    await page.keyboard.press('ArrowDown');
    expect(await form.getByRole('radio', { name: /An area I draw on the map/ }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/radius around a place/);
    await page.keyboard.press('Enter');
    await form.getByLabel('Find a postcode or town').focus();
    await page.keyboard.type('BN1 1AA');
    await page.keyboard.press('Enter');
    const result = form.getByRole('button', { name: 'BN1 1AA, Brighton and Hove' });
    await result.waitFor();
    await page.keyboard.press('Tab'); // Find
    await page.keyboard.press('Tab'); // the result
    expect(await result.evaluate((b) => b === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    expect(await form.getByLabel('Centre point').inputValue()).toBe('50.8225, -0.1372');
    await form.getByLabel('Radius in metres').focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('300');
    await page.keyboard.press('Enter');
    await form.getByText('Area set: 300 m around BN1 1AA, Brighton and Hove. It is shown on the map.').waitFor();
    await expect.poll(() => fitted(map)).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // Mistakes are explained at the field.
    await form.getByLabel('Radius in metres').fill('5');
    await form.getByRole('button', { name: 'Set the area' }).click();
    await form.getByText('Give a whole number of metres from 50 to 2000').waitFor();
    expect(await form.getByLabel('Radius in metres').getAttribute('aria-invalid')).toBe('true');

    // Around one of my properties, 60 km away: the map follows the new area.
    await form.getByRole('radio', { name: 'One of my properties', exact: true }).check();
    await form.getByLabel('Property at the centre').selectOption({ label: '3 Robertson Street, Hastings' });
    await form.getByLabel('Radius in metres').fill('800');
    await form.getByRole('button', { name: 'Set the area' }).click();
    await form.getByText('Area set: 800 m around 3 Robertson Street, Hastings. It is shown on the map.').waitFor();
    await expect.poll(() => fitted(map)).toBe(true);
    await keepScreenshot(page, 'owner-keyboard-area');

    await form.getByRole('button', { name: 'Create alert' }).click();
    await page.getByText('Drawn area').waitFor();
    // The form starts afresh for the next alert.
    await expect.poll(() => form.getByText(/^Area set:/).count()).toBe(0);
    const subs = (await owner.client.get('/api/subscriptions')).body.subscriptions as Array<{
      kind: string;
      polygon: Array<{ lat: number; lng: number }>;
    }>;
    expect(subs).toHaveLength(1);
    expect(subs[0]!.kind).toBe('area');
    expect(subs[0]!.polygon).toHaveLength(32);
    for (const p of subs[0]!.polygon) expect(distanceM(50.8553, 0.5735, p.lat, p.lng)).toBeGreaterThan(800);
    for (const p of subs[0]!.polygon) expect(distanceM(50.8553, 0.5735, p.lat, p.lng)).toBeLessThan(810);
    // The saved area is shown on the alert map (muted, beside any new one) and the map fits it.
    await expect.poll(() => map.locator('.leaflet-overlay-pane path.leaflet-interactive[stroke-dasharray]').count()).toBe(1);
    await page.context().close();
  });

  it('keeps the header on one row on a phone, for a host with every link', async () => {
    const host = await ownerWith('host', []);
    const page = await openPage(browser, app.url, PHONE);
    await signIn(page, host.email, host.password, '/owner');
    await page.getByRole('heading', { name: 'My properties and alerts' }).waitFor();
    // One row: the header's content is no taller than its tallest item (the brand, a link, the Sign out button).
    const rows = await page.locator('.site-header').evaluate((h) => {
      const style = getComputedStyle(h);
      const items = [h.querySelector('.brand')!, ...h.querySelectorAll('.site-nav > *')];
      const row = Math.max(...items.map((e) => e.getBoundingClientRect().height));
      const inner =
        h.getBoundingClientRect().height - Number.parseFloat(style.paddingTop) - Number.parseFloat(style.paddingBottom);
      return { inner, row, items: items.length, width: document.documentElement.scrollWidth };
    });
    expect(rows.items).toBeGreaterThanOrEqual(8);
    expect(rows.inner).toBeLessThanOrEqual(rows.row + 1);
    // Nothing sticks out of the page sideways: the navigation scrolls within the header instead.
    expect(rows.width).toBeLessThanOrEqual(PHONE.width);
    await page.getByRole('button', { name: 'Sign out' }).scrollIntoViewIfNeeded();
    expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
    // Its focus ring is drawn inside it, so the scrolling navigation cannot clip it.
    await page.getByRole('button', { name: 'Sign out' }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(
      await page.getByRole('button', { name: 'Sign out' }).evaluate((b) => {
        const s = getComputedStyle(b);
        return b.matches(':focus-visible') && s.outlineStyle !== 'none' && Number.parseFloat(s.outlineOffset) < 0;
      }),
    ).toBe(true);
    await page.screenshot({ path: path.join('test-artifacts', 'owner-phone-header-focus.png') });
    await page.locator('.site-nav').evaluate((nav) => nav.scrollTo({ left: 0 }));
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'owner-phone');
    await page.context().close();
  });

  it('imports a letting agency’s CSV file in batches, with progress and an error for each rejected row', async () => {
    const agent = await createUser(app.services, 'owner', { name: 'Agency Lettings' });
    const lines = ['Address,Type,Postcode,Latitude,Longitude,Listing URL'];
    for (let i = 1; i <= 47; i++) lines.push(`${i} Kings Road,short-let,,50.82${String(i).padStart(2, '0')},-0.15,`);
    lines.push('"Flat 1, 5 Queens Road",S,BN1 1AB,,,https://example.test/listing/5');
    lines.push('9 Nowhere Lane,S,ZZ9 9ZZ,,,');
    lines.push(',S,,50.83,-0.14,');
    lines.push('10 Pier Street,castle,,50.83,-0.14,');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'import-')), 'agency.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);

    const page = await openPage(browser, app.url, DESKTOP);
    const batches: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/properties/import')) batches.push(r.url());
    });
    await signIn(page, agent.email, agent.password, '/owner');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles(file);
    await page.getByText('Done: 48 imported, 3 rejected.').waitFor();
    expect(batches).toHaveLength(2);
    expect(await page.locator('#import-progress').getAttribute('value')).toBe('51');
    expect(await page.locator('#import-progress').getAttribute('max')).toBe('51');
    expect(await page.getByLabel('Rows read: 51 of 51').count()).toBe(1);
    const errors = await page.locator('.import-errors li').allTextContents();
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/^Line 50: /);
    expect(errors[1]).toMatch(/^Line 51: /);
    expect(errors[2]).toMatch(/^Line 52: /);
    await page.getByText('Flat 1, 5 Queens Road').first().waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'owner-import', page.getByRole('region', { name: 'Import properties from a CSV file' }));
    await page.context().close();
  });

  it('shows the police area alerts and advisories page to an officer', async () => {
    const officer = await createUser(app.services, 'police', { name: 'Pat Officer' });
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, officer.email, officer.password, '/police/alerts');
    await page.getByRole('heading', { name: 'Area alerts and advisories' }).waitFor();
    await page.getByTestId('advisory-count').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'police-alerts-desktop');
  });

  it('lets an officer set an alert area and an advisory area by keyboard', async () => {
    const officer = await createUser(app.services, 'police');
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, officer.email, officer.password, '/police/alerts');
    const alertForm = page.getByRole('form', { name: 'New area alert' });
    await alertForm.getByText('Or set the area without drawing').click();
    await alertForm.getByLabel('Find a postcode or town').fill('BN3 2PA');
    await alertForm.getByRole('button', { name: 'Find', exact: true }).click();
    await alertForm.getByRole('button', { name: 'BN3 2PA, Brighton and Hove' }).click();
    await alertForm.getByLabel('Radius in metres').fill('1000');
    await alertForm.getByRole('button', { name: 'Set the area' }).click();
    await alertForm.getByText('Area set: 1000 m around BN3 2PA, Brighton and Hove.', { exact: false }).waitFor();
    await expect.poll(() => fitted(alertForm.getByRole('region', { name: 'Draw an alert area' }))).toBe(true);
    await alertForm.getByRole('button', { name: 'Create area alert' }).click();
    await page.getByText('Area of 32 corners').waitFor();
    await page.getByText('Area alert on: reports in this area reach you from now.').waitFor();
    await expect.poll(() => alertForm.getByText(/^Area set:/).count()).toBe(0);
    // The saved area stays on the map, muted, for the next one to be drawn beside it.
    await expect
      .poll(() => alertForm.locator('.leaflet-overlay-pane path.leaflet-interactive[stroke-dasharray]').count())
      .toBe(1);

    const advisory = page.getByRole('form', { name: 'New advisory' });
    await advisory.getByText('Or set the area without drawing').click();
    await advisory.getByLabel('Centre point').fill('50.8225, -0.1372');
    await advisory.getByLabel('Radius in metres').fill('400');
    await advisory.getByLabel('Radius in metres').press('Enter');
    await advisory.getByText('Area set: 400 m around 50.8225, -0.1372.', { exact: false }).waitFor();
    await page
      .getByTestId('advisory-count')
      .getByText(/confirmed owner\(s\) in this area will get it/)
      .waitFor();
    await expect.poll(() => fitted(advisory.getByRole('region', { name: 'Draw the advisory area' }))).toBe(true);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'police-alerts-keyboard-area');
    await page.context().close();
  });
});
