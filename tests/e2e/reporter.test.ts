import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportIdFor } from '../../server/reports/report-id';
import type { TestApp } from '../support/app';
import { DESKTOP, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';
import { createUser } from '../support/factories';

// Issue 13, reporter and host, walked in the browser: follow-up keys typed any way, the review map, replies under
// the question they answer, hosts answering from My reports, the host's role and properties on the report form,
// and the account page.

const SHOTS = path.resolve('docs/screenshots');
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

/** Saves the page's screenshot among the README's (docs/screenshots) as well as in test-artifacts. */
async function keepScreenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  fs.copyFileSync(await screenshot(page, name), path.join(SHOTS, `${name}.png`));
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${app.url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').waitFor();
}

async function host() {
  const u = await createUser(app.services, 'host', { name: 'Hana Host' });
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

const REPORT = {
  location: { lat: 50.8225, lng: -0.1372 },
  address: 'Flat 4, 9 Ship Street, Brighton',
  propertyType: 'S',
  indicators: [1],
  description: 'Different young people let in at night by the same two men.',
  observedFrom: new Date(Date.now() - 7_200_000).toISOString(),
  observedTo: new Date(Date.now() - 3_600_000).toISOString(),
  reporterRole: 'neighbour',
};

/** An officer of the force asks the reporter a question about the report. */
async function ask(reference: string, question: string): Promise<void> {
  const officer = await createUser(app.services, 'police');
  const c = app.client();
  await c.login(officer.email, officer.password);
  const res = await c.patch(`/api/reports/${reportIdFor(reference).toHexString()}`, { question });
  expect(res.status).toBe(200);
}

describe('reporters and hosts in the browser', () => {
  it('starts a host’s report as a host, places it at one of their properties, and shows the pin on the review map', async () => {
    const h = await host();
    const made = await h.c.post('/api/properties', {
      address: '21 Regency Square, Brighton',
      lat: 50.8219,
      lng: -0.1498,
      type: 'S',
    });
    expect(made.status).toBe(201);
    const page = await openPage(browser, app.url, PHONE);
    await signIn(page, h.email, h.password);
    await page.goto(`${app.url}/report`);
    await page.getByRole('heading', { level: 1, name: 'Report a concern' }).waitFor();
    await expect.poll(() => page.getByLabel('Who are you?').inputValue()).toBe('host');

    await page.getByLabel('One of your properties (optional)').selectOption({ label: '21 Regency Square, Brighton' });
    expect(await page.getByLabel('Latitude').inputValue()).toBe('50.8219');
    expect(await page.getByLabel('Longitude').inputValue()).toBe('-0.1498');
    expect(await page.getByLabel(/Address or description/).inputValue()).toBe('21 Regency Square, Brighton');
    expect(await page.getByRole('radio', { name: /Short-let/ }).isChecked()).toBe(true);
    await page.getByRole('checkbox', { name: /Cars or bikes pulling up/ }).check();
    await page.getByLabel(/Describe what you saw/).fill('Guests change every night and never bring luggage.');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'reporter-host-property');

    await page.getByRole('button', { name: 'Review your report' }).click();
    await page.getByRole('heading', { level: 1, name: 'Check your report' }).waitFor();
    // The pin stands in the middle of the review map.
    const pin = page.locator('.review-map .leaflet-marker-icon');
    await pin.waitFor();
    const where = await page.locator('.review-map').evaluate((map) => {
      const m = map.getBoundingClientRect();
      const p = map.querySelector('.leaflet-marker-icon')!.getBoundingClientRect();
      return { x: (p.left + p.width / 2 - m.left) / m.width, bottom: (p.bottom - m.top) / m.height };
    });
    expect(where.x).toBeCloseTo(0.5, 1);
    expect(where.bottom).toBeCloseTo(0.5, 1);
    expect(await page.getByText('The pin on the map is the place your report is about.').isVisible()).toBe(true);
    expect(await page.locator('.review').textContent()).toContain('Host');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'reporter-review-map');
    await page.getByRole('button', { name: 'Send report' }).click();
    await page.getByRole('heading', { level: 1, name: /Report sent/ }).waitFor();
    const mine = (await h.c.get('/api/reports/mine')).body.reports as Array<{ reference: string }>;
    expect(mine).toHaveLength(1);
    await page.context().close();
  });

  it('lets a host answer a police question from My reports, the answer shown under the question', async () => {
    const h = await host();
    const filed = await h.c.post('/api/reports', { ...REPORT, reporterRole: 'host' });
    expect(filed.status).toBe(201);
    await ask(filed.body.reference, 'Which nights did you see the cars?');
    await ask(filed.body.reference, 'Did anyone speak to you?');

    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, h.email, h.password);
    await page.goto(`${app.url}/my-reports`);
    const second = page.getByRole('listitem', { name: 'Question 2' });
    await second.getByText('Did anyone speak to you?').waitFor();
    await second.getByLabel('Your answer', { exact: true }).fill('No, they kept their heads down.');
    await second.getByRole('button', { name: 'Send answer' }).click();
    await page.getByRole('list', { name: 'Your answers to question 2' }).getByText('No, they kept their heads down.').waitFor();
    expect(await page.getByRole('list', { name: 'Your answers to question 1' }).count()).toBe(0);
    expect(await second.getByLabel('Your answer', { exact: true }).inputValue()).toBe('');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'reporter-my-reports-answer');
    await page.context().close();
  });

  it('opens a report with the reference and passphrase typed any way, and files a reply under its question', async () => {
    const filed = await app.client().post('/api/reports', REPORT);
    expect(filed.status).toBe(201);
    const { reference, passphrase } = filed.body as { reference: string; passphrase: string };
    await ask(reference, 'Was it the ground-floor flat?');

    const page = await openPage(browser, app.url, PHONE);
    await page.goto(`${app.url}/follow-up`);
    await page.getByLabel('Reference').fill(` ${reference.toLowerCase().replace(/-/g, ' ')} `);
    await page.getByLabel('Passphrase').fill(passphrase.toUpperCase().replace(/-/g, '  '));
    await page.getByRole('button', { name: 'Show my report' }).click();
    const question = page.getByRole('listitem', { name: 'Question 1' });
    await question.getByText('Was it the ground-floor flat?').waitFor();
    expect(await page.getByRole('article', { name: `Report ${reference}` }).isVisible()).toBe(true);
    await question.getByLabel('Your answer', { exact: true }).fill('Yes, the one with the blue door.');
    await question.getByRole('button', { name: 'Send answer' }).click();
    await question
      .getByRole('list', { name: 'Your answers to question 1' })
      .getByText('Yes, the one with the blue door.')
      .waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await keepScreenshot(page, 'reporter-follow-up-reply');
    // Police see the reply tied to the question.
    const officer = await createUser(app.services, 'police');
    const c = app.client();
    await c.login(officer.email, officer.password);
    const detail = await c.get(`/api/reports/${reportIdFor(reference).toHexString()}`);
    expect(JSON.stringify(detail.body)).toContain('Yes, the one with the blue door.');
    await page.context().close();
  });

  it('changes the password on the account page, then deletes the account', async () => {
    const h = await host();
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, h.email, h.password);
    await page.goto(`${app.url}/account`);
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();

    await page.getByLabel('Current password').fill('not-my-password-at-all');
    await page.getByLabel('New password', { exact: true }).fill('a-new-long-passphrase-2026');
    await page.getByLabel('New password again').fill('a-new-long-passphrase-2026');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.locator('#currentPassword[aria-invalid="true"]').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.getByLabel('Current password').fill(h.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.', { exact: false }).waitFor();
    expect((await app.client().login(h.email, h.password)).status).toBe(401);
    expect((await app.client().login(h.email, 'a-new-long-passphrase-2026')).status).toBe(200);
    await keepScreenshot(page, 'reporter-account');

    await page.getByRole('button', { name: 'Delete my account…' }).click();
    await page.getByRole('group', { name: 'Are you sure? This cannot be undone.' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Yes, delete my account' }).click();
    await page.waitForURL(/\?account=deleted/);
    expect((await app.client().login(h.email, 'a-new-long-passphrase-2026')).status).toBe(401);
    await page.context().close();
  });
});
