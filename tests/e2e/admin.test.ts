import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, openPage, PHONE, seriousA11yViolations } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';
import { BOWTIE } from '../fixtures/areas';
import { createUser } from '../support/factories';

/** The admin console's screenshots go to docs/ (two of them are in the README). */
const SHOTS = path.resolve('docs/screenshots');

let e2e: E2e;
let admin: Awaited<ReturnType<typeof createUser>>;
const ADDRESS = '14 Harbour View, Brighton BN2 1TW';

beforeAll(async () => {
  e2e = await startE2e();
  admin = await createUser(e2e.app.services, 'police_admin', { name: 'Ada Admin' });
  await createUser(e2e.app.services, 'police', { name: 'Pat Officer' });
  // An owner who registered a property and asked for it to be verified, with evidence.
  const owner = await createUser(e2e.app.services, 'owner', { name: 'Olive Owner' });
  const c = e2e.app.client();
  await c.login(owner.email, owner.password);
  const property = await c.post('/api/properties', { address: ADDRESS, lat: 50.8197, lng: -0.1235, type: 'S' });
  expect(property.status, property.text).toBe(201);
  const asked = await c.post(`/api/properties/${property.body.id}/verification`, { note: 'Council tax account 4410 2231' });
  expect(asked.status, asked.text).toBe(200);
}, 120_000);
afterAll(async () => {
  await e2e?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `admin-${name}.png`), fullPage: true });
}

async function accessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

async function openTab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name }).click();
  await page.getByRole('heading', { name, level: 2 }).waitFor();
}

/** A box as GeoJSON, [west, south, east, north]. */
const box = ([w, s, e, n]: number[]) => ({
  type: 'Feature',
  properties: { name: 'Surrey (test boundary)' },
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [w, s],
        [e, s],
        [e, n],
        [w, n],
        [w, s],
      ],
    ],
  },
});

describe('the admin console', () => {
  let page: Page;

  beforeAll(async () => {
    page = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    await page.goto(`${e2e.app.url}/admin`);
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/admin/);
    await page.getByRole('heading', { name: 'Admin console' }).waitFor();
  });

  it('is linked from the navigation for an admin', async () => {
    await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(1);
  });

  it('creates an officer, moves them to another force, gives a one-time password link and disables them', async () => {
    await page.getByRole('heading', { name: 'People', level: 2 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Nia Newcomer');
    await page.getByLabel('Email', { exact: true }).fill('nia.newcomer@sussex.police.test');
    await page.getByLabel('First password', { exact: true }).fill('quarry-lemon-bicycle-58');
    await page.getByLabel('Force', { exact: true }).selectOption('sussex');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.getByText('Account created for Nia Newcomer.').waitFor();

    await page.getByLabel('Force of Nia Newcomer').selectOption('surrey');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Nia Newcomer is now police officer in Surrey Police.').waitFor();

    await page.getByRole('button', { name: 'Password link for Nia Newcomer' }).click();
    const link = await page.getByLabel('Password link for Nia Newcomer').inputValue();
    expect(link).toMatch(/\/reset-password\?token=[\w-]{40,}$/);
    await accessible(page);
    await shot(page, 'people');

    // Nia opens the link on her own device and chooses a password.
    const nia = await openPage(e2e.browser, e2e.app.url, DESKTOP);
    await nia.goto(`${e2e.app.url}${new URL(link).pathname}${new URL(link).search}`);
    await nia.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await accessible(nia);
    await nia.getByLabel('New password', { exact: true }).fill('orchid-tundra-mallet-19');
    await nia.getByLabel('New password again').fill('orchid-tundra-mallet-19');
    await nia.getByRole('button', { name: 'Set new password' }).click();
    await nia.getByRole('heading', { name: 'Your password is changed' }).waitFor();
    await shot(nia, 'reset-password');
    await nia.context().close();
    const signIn = await e2e.app.client().login('nia.newcomer@sussex.police.test', 'orchid-tundra-mallet-19');
    expect(signIn.status).toBe(200);

    await page.getByRole('button', { name: 'Disable Nia Newcomer' }).click();
    await page.getByText('Nia Newcomer is disabled and signed out everywhere.').waitFor();
    expect((await e2e.app.client().login('nia.newcomer@sussex.police.test', 'orchid-tundra-mallet-19')).status).toBe(401);
  });

  it('checks an uploaded force area, shows it on the map beside the current one and replaces it only after confirming', async () => {
    await openTab(page, 'Force areas');
    await page.getByLabel('Force', { exact: true }).selectOption('surrey');
    await page.getByLabel('GeoJSON file').setInputFiles({
      name: 'bowtie.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(BOWTIE)),
    });
    await page.getByRole('button', { name: /Check and preview/ }).click();
    await page.getByText(/crosses itself/).waitFor();

    await page.getByLabel('GeoJSON file').setInputFiles({
      name: 'surrey.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(box([-0.85, 51.07, -0.05, 51.47]))),
    });
    await page.getByRole('button', { name: /Check and preview/ }).click();
    await page.getByTestId('area-preview').waitFor();
    // Both areas are drawn: the current one and the upload.
    await expect.poll(() => page.locator('[data-testid="area-preview-map"] path.leaflet-interactive').count()).toBe(2);
    await accessible(page);
    await shot(page, 'areas');
    const before = await e2e.app.client().get('/api/forces');
    const surreyBefore = before.body.forces.find((f: { id: string }) => f.id === 'surrey').bbox;

    await page.getByRole('button', { name: /Replace Surrey Police's area/ }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    const unchanged = (await e2e.app.client().get('/api/forces')).body.forces.find((f: { id: string }) => f.id === 'surrey');
    expect(unchanged.bbox).toEqual(surreyBefore);

    await page.getByRole('button', { name: /Replace Surrey Police's area/ }).click();
    await page.getByRole('button', { name: 'Yes, replace the area' }).click();
    await page.getByText(/Surrey Police's area is replaced/).waitFor();
    const after = (await e2e.app.client().get('/api/forces')).body.forces.find((f: { id: string }) => f.id === 'surrey');
    expect(after.bbox).toEqual([-0.85, 51.07, -0.05, 51.47]);
  });

  it('shows a pending owner with their evidence, prints a letter and verifies the property', async () => {
    await openTab(page, 'Owner verification');
    await page.getByRole('heading', { name: ADDRESS }).waitFor();
    await page.getByText('Council tax account 4410 2231').waitFor();
    await page.getByRole('button', { name: `Print a letter with a code for ${ADDRESS}` }).click();
    const letter = page.getByTestId('verification-letter');
    await letter.waitFor();
    expect(await letter.textContent()).toContain(ADDRESS);
    await accessible(page);
    await shot(page, 'verification');

    await page.getByLabel('What you checked, or why you refuse').fill('Council tax bill in the owner’s name checked');
    await page.getByRole('button', { name: `Verify ${ADDRESS}` }).click();
    await page.getByText(`${ADDRESS}: verified.`).waitFor();
    await page.getByText('No property is waiting for verification.').waitFor();
  });

  it('filters the audit trail by person and action and exports it as CSV', async () => {
    await openTab(page, 'Audit trail');
    await page.getByLabel('Person').selectOption({ label: 'Ada Admin' });
    await page.getByLabel('Action').fill('user');
    await page.getByRole('button', { name: 'Show entries' }).click();
    const rows = page.locator('[data-testid="audit-table"] tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(4);
    const actions = await page.locator('[data-testid="audit-table"] tbody td code').allTextContents();
    expect(new Set(actions)).toEqual(new Set(['user.create', 'user.update', 'user.password_reset']));
    await accessible(page);
    await shot(page, 'audit');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toBe('Time (UTC),Action,Report,User ID,User,Details');
    expect(csv).toContain('user.password_reset');
    expect(csv).not.toContain('report.read');
  });

  it('shows the database engine, outbox, map index and last snapshot', async () => {
    // The server's background job counts the outbox every 30 s; this app runs no timers, so count once here.
    await e2e.app.services.system.sampleOutbox();
    await openTab(page, 'System status');
    const status = page.getByTestId('system-status');
    await status.waitFor();
    await status.getByText('Reachable').waitFor();
    await status.getByText('Waiting to send').waitFor();
    expect(await status.textContent()).not.toContain('not counted yet');
    expect(await status.textContent()).toMatch(/Local FerretDB on SQLite|Local MongoDB|External database/);
    await accessible(page);
    await shot(page, 'status');
  });

  it('fits a phone: the sections wrap and the people table scrolls inside the page', async () => {
    const phone = await openPage(e2e.browser, e2e.app.url, PHONE);
    await phone.context().addCookies(await page.context().cookies());
    await phone.goto(`${e2e.app.url}/admin?tab=people`);
    await phone.getByRole('heading', { name: 'People', level: 2 }).waitFor();
    await phone.screenshot({ path: path.join(SHOTS, 'admin-people-phone.png'), fullPage: true });
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await accessible(phone);
    await phone.context().close();
  });

  it('tells an admin that area alerts are for officers instead of sending them home', async () => {
    await page.goto(`${e2e.app.url}/police/alerts`);
    await page.getByRole('heading', { name: 'Area alerts are for officers' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/police/alerts');
    await accessible(page);
  });
});
