import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { TestClient } from '../support/http';
import { type ServerProcess, startServerProcess, waitForHealthy } from '../support/server-process';
import { waitFor } from '../support/wait';

/**
 * The whole product, started as `npm start` starts it (development mode, embedded engine, demo data, local
 * mail catcher): an owner subscribes, a host reports, the officer triages and releases, the owner is told
 * and unsubscribes in one click.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-journey-'));
/**
 * Links in emails start with PUBLIC_URL, the address users reach the service at (in production a proxy in front of
 * it); the server itself listens on a port the system picks. `local()` plays the proxy.
 */
const PUBLIC_URL = 'http://staywatch.journey.test';
let base: string;
const local = (url: string) => {
  expect(url.startsWith(`${PUBLIC_URL}/`), url).toBe(true);
  return base + url.slice(PUBLIC_URL.length);
};
const PASSWORD = 'demo-password-1';
let server: ServerProcess;
let browser: Browser;
const a11y: Record<string, string[]> = {};

async function check(page: Page, name: string): Promise<void> {
  await screenshot(page, `journey-${name}`);
  a11y[name] = await seriousA11yViolations(page);
}

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-as').waitFor();
}

/** Reloads the development mail catcher until it lists a message to `to` whose subject matches, and opens it. */
async function waitForMail(page: Page, to: string, subject: RegExp): Promise<void> {
  const link = page.locator('li', { hasText: to }).filter({ hasText: subject }).getByRole('link').first();
  await waitFor(
    async () => {
      await page.goto(`${base}/dev/mail`);
      return (await link.count()) > 0;
    },
    { timeout: 60_000, interval: 250, message: `mail to ${to} matching ${subject}` },
  );
  await link.click();
  await page.getByText('Message-ID').waitFor();
}

beforeAll(async () => {
  server = startServerProcess(
    {
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      PUBLIC_URL,
      LOCAL_ENGINE: 'ferretdb',
      DEMO_REPORTS: '150',
      LOG_LEVEL: 'warn',
    },
    ['MONGODB_URI', 'SMTP_HOST'],
  );
  await waitForHealthy(server, 150_000);
  base = server.base;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the whole journey, as npm start runs it', () => {
  it('takes a concern from a host to the officer to the owner, who unsubscribes in one click', { timeout: 300_000 }, async () => {
    // 1. The demo owner subscribes to alerts for one of their properties, and confirms from the email.
    const owner = new TestClient(base);
    expect((await owner.login('owner@demo.test', PASSWORD)).status).toBe(200);
    const property = (await owner.get('/api/properties')).body.properties[0];
    expect(property).toBeDefined();
    const sub = await owner.post('/api/subscriptions', {
      kind: 'property',
      propertyId: property.id,
      radiusM: 300,
      mode: 'instant',
    });
    expect(sub.status).toBe(201);

    const mail = await openPage(browser, base, DESKTOP);
    await waitForMail(mail, 'owner@demo.test', /Confirm your StayWatch alert/);
    const confirm = await mail.getByRole('link', { name: /subscriptions\/confirm/ }).getAttribute('href');
    await mail.goto(local(confirm!));
    await check(mail, 'confirm-page');
    await mail.getByRole('button', { name: /Confirm/ }).click();
    await mail
      .getByText(/confirmed/i)
      .first()
      .waitFor();

    // 2. The demo host reports a concern at that property, on a phone.
    const host = await openPage(browser, base, PHONE);
    await signIn(host, 'host@demo.test');
    await host.goto(`${base}/report`);
    await host.getByRole('heading', { level: 1, name: 'Report a concern' }).waitFor();
    await host.getByLabel('Latitude').fill(String(property.lat));
    await host.getByLabel('Longitude').fill(String(property.lng));
    await host
      .getByRole('radio', {
        name: new RegExp(`^${{ H: 'Hotel', S: 'Short-let', R: 'Residential', U: 'Supported' }[property.type as 'H']}`),
      })
      .check();
    await host.getByRole('checkbox', { name: /Cars or bikes pulling up/ }).check();
    await host.getByLabel(/Describe what you saw/).fill('Journey test: secret detail the owner must never see.');
    await host.getByLabel('Who are you?').selectOption('host');
    await check(host, 'report-form');
    await host.getByRole('button', { name: 'Review your report' }).click();
    await host.getByRole('button', { name: 'Send report' }).click();
    await host.getByRole('heading', { level: 1, name: /Report sent/ }).waitFor();
    const reference = (await host.getByTestId('reference').textContent())!.trim();
    await check(host, 'report-confirmation');

    // 3. The demo officer sees it on the map and at the top of the standard queue, triages it and releases it.
    const officer = await openPage(browser, base, DESKTOP);
    await signIn(officer, 'officer@demo.test');
    await officer.goto(`${base}/police?priority=standard`);
    await officer.getByRole('heading', { name: 'Police workspace' }).waitFor();
    await officer.locator('[data-testid="map-cluster"], [data-testid="map-report"]').first().waitFor({ timeout: 30_000 });
    const item = officer.locator('.pw-queue-item', { hasText: reference });
    await item.waitFor({ timeout: 30_000 });
    await check(officer, 'police-workspace');
    await item.click();
    await officer.getByRole('heading', { name: `Report ${reference}` }).waitFor();
    await officer.getByLabel('Change status').selectOption({ label: 'Triaged' });
    await officer.getByRole('button', { name: 'Update status' }).click();
    await officer.getByText('Status changed to Triaged.').waitFor();
    await officer.getByRole('button', { name: 'Release owner alert' }).click();
    const dialog = officer.getByRole('alertdialog');
    await dialog.getByRole('button', { name: 'Yes, release to owners' }).click();
    await officer.getByText('Owner alert released.').waitFor();
    await check(officer, 'police-report-detail');

    // 4. The owner's property-specific email arrives without the report's text; they unsubscribe in one click.
    await waitForMail(mail, 'owner@demo.test', /police have shared a concern/);
    const body = (await mail.locator('pre').textContent())!;
    expect(body).not.toContain('secret detail');
    expect(body).not.toContain(reference);
    await check(mail, 'owner-email');
    // The List-Unsubscribe header, as the catcher received it, is what a mail program's button uses.
    const unsubscribe = (await mail.locator('.note').textContent())!.match(/List-Unsubscribe <([^>]+)>/)?.[1];
    expect(
      await mail
        .getByRole('link', { name: /subscriptions\/unsubscribe/ })
        .first()
        .getAttribute('href'),
    ).toBe(unsubscribe);
    expect(unsubscribe).toMatch(/\/api\/subscriptions\/unsubscribe\?token=/);
    // As a mail client does it (RFC 8058): a bare POST, no cookie.
    const oneClick = await fetch(local(unsubscribe!), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBeLessThan(300);
    const subs = (await owner.get('/api/subscriptions')).body.subscriptions;
    expect(subs.find((s: { id: string }) => s.id === sub.body.id).status).toBe('unsubscribed');

    expect(a11y).toEqual(Object.fromEntries(Object.keys(a11y).map((k) => [k, []])));
  });
});
