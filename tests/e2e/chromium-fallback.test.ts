import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { launchBrowser, openPage, PHONE } from '../support/browser';
import { resolveChromium } from '../support/chromium';

let app: TestApp;
let missingDir: string;
beforeAll(async () => {
  app = await startTestApp({ NODE_ENV: 'development' });
  missingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'no-chromium-'));
});
afterAll(async () => {
  await app?.close();
  await dropTestDatabase();
  fs.rmSync(missingDir, { recursive: true, force: true });
});

describe('the browser tests without a system chromium', () => {
  it('prefers CHROMIUM_PATH, then the first system chromium that exists', async () => {
    const fake = path.join(missingDir, 'fake-chromium');
    fs.writeFileSync(fake, '#!/bin/sh\n', { mode: 0o755 });
    await expect(resolveChromium({ chromiumPath: '/opt/x/chrome', systemPaths: [fake] })).resolves.toMatchObject({
      source: 'CHROMIUM_PATH',
      executablePath: '/opt/x/chrome',
    });
    await expect(
      resolveChromium({ chromiumPath: '', systemPaths: [path.join(missingDir, 'none'), fake] }),
    ).resolves.toMatchObject({
      source: 'system',
      executablePath: fake,
    });
  });

  it('falls back to the packaged chromium when no system one exists, and it renders the shell page', async () => {
    const choice = await resolveChromium({ chromiumPath: '', systemPaths: [path.join(missingDir, 'chromium')] });
    expect(choice.source).toBe('packaged');
    expect(choice.executablePath).not.toMatch(/^\/usr\//);
    expect(fs.statSync(choice.executablePath).size).toBeGreaterThan(50_000_000);
    const browser = await launchBrowser(choice);
    try {
      expect(browser.version()).toMatch(/^\d+\./);
      const page = await openPage(browser, app.url, PHONE);
      await page.goto(app.url);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toMatch(/Seen something worrying/);
      await expect(page.getByRole('link', { name: 'Police sign-in' }).isVisible()).resolves.toBe(true);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
