import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { DESKTOP, openPage, PHONE, screenshot, seriousA11yViolations } from '../support/browser';
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

describe('the client shell', () => {
  it('routes each kind of user from the home page and passes axe on a phone', async () => {
    const page = await openPage(browser, app.url, PHONE);
    await page.goto(app.url);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/Seen something worrying/);
    await expect(page.getByRole('link', { name: 'Report a concern' }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: 'Police sign-in' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: 'Owner sign-in' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'home-phone');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('signs an owner in, shows who is signed in in the header, and signs out', async () => {
    const owner = await createUser(app.services, 'owner', { name: 'Olive Owner' });
    const page = await openPage(browser, app.url, DESKTOP);
    await page.goto(`${app.url}/sign-in?as=owner`);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toContain('Olive Owner');
    await screenshot(page, 'signed-in-desktop');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    await page.context().close();
  });

  it('shows a clear error for a wrong password', async () => {
    const page = await openPage(browser, app.url, PHONE);
    await page.goto(`${app.url}/sign-in`);
    await page.getByLabel('Email').fill('nobody@example.test');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/do not match/);
    await page.context().close();
  });
});
