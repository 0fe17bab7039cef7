import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { DESKTOP, launchBrowser, openPage } from '../tests/support/browser';
import { startServerProcess, waitForHealthy } from '../tests/support/server-process';
import { appendResults, median } from './support';

/**
 * `npm run bench:browser [reports=1000000]`: the police map in headless Chromium on a database of N reports,
 * against the same flow on 1,000 reports in the same run. The databases are seeded once (`npm run seed`, which
 * also writes the map index snapshot) under .data-bench/ and reused. The server runs as `npm start` runs it.
 * Measures: sign-in click → first cluster markers drawn ("interactive"), and the most markers ever drawn
 * while panning and zooming (target ≤ ~1,000).
 */
const N = Number(process.argv[2] ?? 1_000_000);
const SMALL = 1_000;
const RUNS = 3;
const PASSWORD = 'bench-officer-password-1';
const EMAIL = 'bench-officer@staywatch.test';
const MARKERS = '[data-testid="map-cluster"], [data-testid="map-report"]';

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  const res = spawnSync(cmd, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with ${res.status}`);
}

/** A data directory holding `reports` seeded reports and a police officer, made once. */
function seeded(reports: number): string {
  const dir = path.resolve('.data-bench', `browser-${reports}`);
  const marker = path.join(dir, 'seeded');
  if (fs.existsSync(marker)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  const env = { DATA_DIR: dir, NODE_ENV: 'development', SEED_DEMO: 'false' };
  run('npx', ['tsx', 'server/demo/seed.cli.ts', '--reports', String(reports)], env);
  run(
    'npx',
    [
      'tsx',
      'server/accounts/users.cli.ts',
      'create',
      '--role',
      'police',
      '--email',
      EMAIL,
      '--force',
      'sussex',
      '--password',
      PASSWORD,
    ],
    env,
  );
  fs.writeFileSync(marker, new Date().toISOString());
  return dir;
}

async function markerCount(page: Page): Promise<number> {
  return page.locator(MARKERS).count();
}

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => undefined);
  await page.waitForTimeout(150);
}

interface Measured {
  interactiveMs: number[];
  maxMarkers: number;
  startMs: number;
}

async function measure(dataDir: string): Promise<Measured> {
  const t0 = Date.now();
  const server = startServerProcess({ DATA_DIR: dataDir, NODE_ENV: 'development', SEED_DEMO: 'false', LOG_LEVEL: 'warn' });
  try {
    await waitForHealthy(server, 30 * 60_000);
    const startMs = Date.now() - t0;
    const browser = await launchBrowser();
    const interactiveMs: number[] = [];
    let maxMarkers = 0;
    try {
      for (let i = 0; i < RUNS; i++) {
        const page = await openPage(browser, server.base, DESKTOP);
        await page.goto(`${server.base}/police`);
        await page.waitForURL(/\/sign-in/);
        await page.getByLabel('Email').fill(EMAIL);
        await page.getByLabel('Password').fill(PASSWORD);
        const clicked = performance.now();
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.locator(MARKERS).first().waitFor({ timeout: 120_000 });
        interactiveMs.push(performance.now() - clicked);
        await settle(page);
        maxMarkers = Math.max(maxMarkers, await markerCount(page));
        if (i === 0) {
          // Pan and zoom around the force: the count on screen must stay bounded at every step.
          const map = page.locator('.leaflet-container').first();
          const box = (await map.boundingBox())!;
          const cx = box.x + box.width / 2;
          const cy = box.y + box.height / 2;
          for (const step of ['in', 'in', 'pan', 'in', 'in', 'pan', 'in', 'in', 'out', 'out', 'out', 'out', 'out', 'out']) {
            await page.mouse.move(cx, cy);
            if (step === 'pan') {
              await page.mouse.down();
              await page.mouse.move(cx - 250, cy - 120, { steps: 8 });
              await page.mouse.up();
            } else {
              await page.mouse.wheel(0, step === 'in' ? -300 : 300);
            }
            await settle(page);
            maxMarkers = Math.max(maxMarkers, await markerCount(page));
          }
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
    return { interactiveMs, maxMarkers, startMs };
  } finally {
    await server.stop();
  }
}

const bigDir = seeded(N);
const smallDir = seeded(SMALL);
const small = await measure(smallDir);
console.log('small', small);
const big = await measure(bigDir);
console.log('big', big);

const fmt = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
appendResults(
  'Police map in headless Chromium',
  `npm run bench:browser -- ${N}`,
  `Server as \`npm start\` runs it, on a database seeded by \`npm run seed\` (FerretDB; the map index starts from the seed's snapshot). Interactive = from the sign-in click to the first cluster markers drawn on the map. ${RUNS} sign-ins each; then 14 wheel zooms and drags on the first.

| Database | Server start to healthy | Sign-in → map interactive (runs) | Median | Most markers drawn while panning/zooming |
| --- | --- | --- | --- | --- |
| ${SMALL.toLocaleString('en')} reports (baseline, same run) | ${(small.startMs / 1000).toFixed(1)} s | ${fmt(small.interactiveMs)} ms | ${Math.round(median(small.interactiveMs))} ms | ${small.maxMarkers} |
| ${N.toLocaleString('en')} reports | ${(big.startMs / 1000).toFixed(1)} s | ${fmt(big.interactiveMs)} ms | ${Math.round(median(big.interactiveMs))} ms | ${big.maxMarkers} |

Ratio ${N.toLocaleString('en')} / ${SMALL.toLocaleString('en')}: ${(median(big.interactiveMs) / median(small.interactiveMs)).toFixed(2)}× (target: ≤ 2,000 ms at ${N.toLocaleString('en')}, ≤ ~1,000 markers).`,
);
process.exit(0);
