import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { defaultCellSizeM } from '../../server/map/analytics/exact-hotspots';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

let app: TestApp;
let sussex: TestClient;

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  await insertReports(generateReports(800, { seed: 8, locator: app.services.forces.locator, now: new Date() }));
  await app.services.mapIndex.build();
  const u = await createUser(app.services, 'police', { forceId: 'sussex' });
  sussex = app.client();
  await sussex.login(u.email, u.password);
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

describe('GET /api/map/hotspots', () => {
  it('uses the exact test by default, with a cell size from the data, and says so in its meta', async () => {
    const res = await sussex.get('/api/map/hotspots');
    expect(res.status).toBe(200);
    const { meta, features } = res.body;
    expect(meta).toMatchObject({
      method: 'Exact negative-binomial test',
      correction: 'FDR (Benjamini-Hochberg)',
      fdr: 0.05,
      cellSizeSource: 'data',
      neighbourhood: 'the cell and its 8 neighbours',
      notEnough: null,
    });
    expect(meta.reports).toBeGreaterThan(30);
    expect(meta.meanNearestNeighbourM).toBeGreaterThan(0);
    // The data's cell size, unless the grid had to grow to stay under 40,000 cells (then it says from what).
    expect(meta.cellSizeM).toBeGreaterThanOrEqual(defaultCellSizeM(meta.meanNearestNeighbourM) - 0.1);
    expect(meta.cells).toBeLessThanOrEqual(40_000);
    if (meta.enlargedFromM !== null) expect(meta.enlargedFromM).toBe(defaultCellSizeM(meta.meanNearestNeighbourM));
    // Only the study area (cells with a report in their neighbourhood) is tested.
    expect(meta.tested).toBeLessThan(meta.cells);
    expect(meta.significant).toBe(features.length);
    // The generated reports cluster around towns, so the test finds hotspots.
    expect(features.length).toBeGreaterThan(0);
    for (const f of features) {
      expect([99, 95, -95, -99]).toContain(f.properties.bin);
      expect(f.properties.p).toBeLessThanOrEqual(0.05);
      expect(f.properties.z).toBeNull();
      if (f.properties.bin > 0) expect(f.properties.neighbourhood).toBeGreaterThan(f.properties.expected);
    }
  });

  it('flags what stands out from the general clumping of real reports, not most of the places reports come from', async () => {
    // Reports cluster around towns, so against an even spread (the binomial) nearly every tested cell differs
    // from "expected"; the default allows for that clumping and keeps the map to the cells that stand out.
    const byDefault = (await sussex.get('/api/map/hotspots')).body.meta;
    const binomial = (await sussex.get('/api/map/hotspots?model=binomial')).body.meta;
    expect(byDefault.significant).toBeLessThan(binomial.significant);
    expect(byDefault.significant).toBeLessThanOrEqual(byDefault.tested / 4);
  });

  it('keeps a chosen cell size, and offers the binomial and the former Gi*', async () => {
    const chosen = (await sussex.get('/api/map/hotspots?cellSize=500')).body.meta;
    expect(chosen).toMatchObject({ cellSizeM: 500, cellSizeSource: 'chosen', meanNearestNeighbourM: null });
    const binomial = (await sussex.get('/api/map/hotspots?cellSize=500&model=binomial')).body;
    const negbin = (await sussex.get('/api/map/hotspots?cellSize=500')).body;
    expect(binomial.meta.method).toBe('Exact binomial test');
    expect(negbin.meta.method).toBe('Exact negative-binomial test');
    // Allowing for overall clumping can only make the test stricter.
    expect(negbin.meta.significant).toBeLessThanOrEqual(binomial.meta.significant);
    const gi = (await sussex.get('/api/map/hotspots?cellSize=500&method=gistar')).body;
    expect(gi.meta.method).toBe('Getis-Ord Gi*');
    expect(gi.features.every((f: { properties: { z: number } }) => typeof f.properties.z === 'number')).toBe(true);
  });

  it('says there are not enough reports to find hotspots instead of drawing noise', async () => {
    // One small street's worth of map: a handful of reports at most.
    const res = await sussex.get('/api/map/hotspots?bbox=-0.1400,50.8200,-0.1390,50.8210');
    expect(res.status).toBe(200);
    expect(res.body.features).toEqual([]);
    expect(res.body.meta.notEnough.reason).toMatch(
      /^Not enough reports here to find hotspots: \d+ match, at least 30 are needed/,
    );
    expect(res.body.meta.notEnough.minReports).toBe(30);
  });

  it('rejects an FDR above 10 % and an unknown method', async () => {
    expect((await sussex.get('/api/map/hotspots?fdr=0.5')).status).toBe(400);
    expect((await sussex.get('/api/map/hotspots?method=magic')).status).toBe(400);
  });
});

describe('GET /api/map/near-repeat', () => {
  it('returns the Knox table: every distance × time band with its ratio, p-values and plain words', async () => {
    const res = await sussex.get('/api/map/near-repeat?distanceM=200&distanceBands=3&days=7&timeBands=2&permutations=99');
    expect(res.status).toBe(200);
    const t = res.body;
    expect(t.method).toBe('Knox test, Monte Carlo permutations of the times');
    expect(t.cells).toHaveLength(4 * 2);
    expect(t.permutations).toBe(99);
    expect(t.limits.capped).toBe(false);
    const first = t.cells.find(
      (c: { distance: { label: string }; time: { label: string } }) =>
        c.distance.label === 'within 200 m' && c.time.label === 'within 7 days',
    );
    expect(first.words).toMatch(/^Within 200 m and within 7 days of a report: /);
    expect(t.cells[0].distance.label).toBe('at the same place');
    expect(t.cells.at(-1).words).toMatch(/^400–600 m away and 7–14 days apart of a report/);
    for (const c of t.cells) {
      expect(c.p).toBeGreaterThan(0);
      expect(c.q).toBeGreaterThanOrEqual(c.p);
    }
    expect(t.summary.length).toBeGreaterThan(10);
  });

  it('bounds the work and says what it cut', () => {
    const res = app.services.map.nearRepeat(
      { forceIds: ['sussex'] },
      { distanceM: 500, distanceBands: 4, days: 7, timeBands: 4, permutations: 999 },
      { maxReports: 200, maxPairs: 300, maxWork: 20_000, maxMs: 1000 },
    );
    expect(res.analysed).toBeLessThan(200);
    expect(res.limits.capped).toBe(true);
    expect(res.limits.notices[0]).toMatch(/^Only the 200 most recent of [\d,]+ matching reports were analysed\.$/);
    expect(res.limits.notices.some((n) => /close pairs; only the \d+ most recent were analysed/.test(n))).toBe(true);
    expect(res.pairs).toBeLessThanOrEqual(300);
    expect(res.permutations).toBeLessThan(999);
    expect(res.limits.notices.at(-1)).toMatch(/permutations of the 999 asked for fitted in the work budget/);
  });

  it('rejects bands and permutations beyond the limits', async () => {
    for (const qs of ['permutations=5000', 'distanceBands=50', 'days=0', 'distanceM=999999']) {
      expect((await sussex.get(`/api/map/near-repeat?${qs}`)).status, qs).toBe(400);
    }
  });
});
