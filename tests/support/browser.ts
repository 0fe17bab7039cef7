import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type ChromiumChoice, resolveChromium } from './chromium';

export const ARTIFACTS = path.resolve('test-artifacts');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

/**
 * Headless chromium (see resolveChromium: CHROMIUM_PATH, else the system's, else the packaged build), no background
 * networking (closed network here). Playwright gives each launch a fresh profile dir.
 */
export async function launchBrowser(choice?: ChromiumChoice): Promise<Browser> {
  const chosen = choice ?? (await resolveChromium());
  return chromium.launch({
    executablePath: chosen.executablePath,
    headless: true,
    env: chosen.env ? { ...process.env, ...chosen.env } : undefined,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...chosen.args,
    ],
  });
}

/** Blocks every request that is not to our own origin (map tiles included), so tests never need the internet. */
export async function offlineOnly(page: Page, origin: string): Promise<string[]> {
  const blocked: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  return blocked;
}

/** Serious or critical axe-core violations on the current page, as readable strings. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  // label-content-name-mismatch is experimental in axe (off by default): on, so a visible label and an
  // aria-label that disagree (WCAG 2.5.3) fail the test.
  const result = await new AxeBuilder({ page })
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A page in its own context (axe needs one), offline except for our origin. */
export async function openPage(browser: Browser, origin: string, viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await offlineOnly(page, origin);
  return page;
}

/**
 * Every Content-Security-Policy violation on the page: the browser's `securitypolicyviolation` events (recorded from
 * before any script runs) and its console errors about refused styles or scripts.
 */
export async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective}: ${e.sourceFile}`));
  });
  return async () => [...errors, ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp))];
}

/** Opens `url`, which sends a signed-out visitor to the sign-in page, and signs in as `who` (the caller waits for where it lands). */
export async function signInVia(page: Page, url: string, who: { email: string; password: string }): Promise<void> {
  await page.goto(url);
  await page.waitForURL(/\/sign-in/);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** signInVia, then waits for the police workspace. */
export async function signInToWorkspace(page: Page, url: string, who: { email: string; password: string }): Promise<void> {
  await signInVia(page, url, who);
  await page.waitForURL(/\/police/);
  await page.getByRole('heading', { name: 'Police workspace' }).waitFor();
}
