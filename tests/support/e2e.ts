import type { Browser } from 'playwright-core';
import { dropTestDatabase, startTestApp, type TestApp } from './app';
import { launchBrowser } from './browser';

export interface E2e {
  app: TestApp;
  browser: Browser;
  /** Close the browser and the app, and drop the file's database. */
  close(): Promise<void>;
}

/** A real app (in development mode unless `env` says otherwise) and a browser to drive it, for the e2e tests. */
export async function startE2e(env: Record<string, string> = { NODE_ENV: 'development' }): Promise<E2e> {
  const app = await startTestApp(env);
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    await app.close();
    await dropTestDatabase();
    throw err;
  }
  return {
    app,
    browser,
    async close() {
      await browser.close();
      await app.close();
      await dropTestDatabase();
    },
  };
}
