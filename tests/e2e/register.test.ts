import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { DESKTOP, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
import { type E2e, startE2e } from '../support/e2e';
import { createUser } from '../support/factories';

// The register page after issue 11 item 6: registration answers the same way for every email, so the page signs
// in as a second step; the password rules show on the page.

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

async function fillForm(page: import('playwright-core').Page, email: string, password: string) {
  await page.getByLabel('Your name').fill('Rita Register');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
}

describe('the register page', () => {
  it('creates an account and lands the new owner signed in, with no serious accessibility problems', async () => {
    const page = await openPage(browser, app.url, PHONE);
    await page.goto(`${app.url}/register`);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'register-phone');
    await fillForm(page, `rita.${Date.now()}@example.test`, 'walk-the-routes-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(new URL(page.url()).pathname).toBe('/owner');
    await page.context().close();
  });

  it('shows the password rules from the shared schema and the server', async () => {
    const page = await openPage(browser, app.url, DESKTOP);
    await page.goto(`${app.url}/register`);
    const email = `sam.smith@t${Date.now()}.example.test`;
    await fillForm(page, email, 'samsmith-rules-ok');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#password-error').textContent()).resolves.toMatch(/email/i);
    await fillForm(page, email, 'password1234');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#password-error', { hasText: /too common/i }).waitFor();
    await screenshot(page, 'register-weak-password-desktop');
    await page.context().close();
  });

  it('tells someone whose email already has an account to sign in, without saying that it does', async () => {
    const existing = await createUser(app.services, 'owner');
    const page = await openPage(browser, app.url, DESKTOP);
    await page.goto(`${app.url}/register`);
    await fillForm(page, existing.email, 'an-entirely-different-passphrase');
    await page.getByRole('button', { name: 'Create account' }).click();
    const notice = page.getByRole('status').filter({ hasText: /could not sign you in/i });
    await notice.waitFor();
    await expect(notice.textContent()).resolves.toMatch(/if you already have an account/i);
    await expect(page.getByRole('link', { name: 'Go to sign-in' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'register-existing-email-desktop');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });
});
