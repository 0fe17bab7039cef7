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
