import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { DESKTOP, launchBrowser, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { createUser } from '../support/factories';

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  app = await startTestApp({ TOKEN_SECRET: 'owner-e2e-secret-0123456789abcdefghij' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
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

  it('shows the police area alerts and advisories page to an officer', async () => {
    const officer = await createUser(app.services, 'police', { name: 'Pat Officer' });
    const page = await openPage(browser, app.url, DESKTOP);
    await signIn(page, officer.email, officer.password, '/police/alerts');
    await page.getByRole('heading', { name: 'Area alerts and advisories' }).waitFor();
    await page.getByTestId('advisory-count').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'police-alerts-desktop');
  });
});
