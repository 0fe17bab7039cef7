import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { Random } from '../../server/demo/random';
import { cellKeys } from '../../server/geo/geohash';
import { emergingHotSpots, mannKendall } from '../../server/map/analytics/emerging';
import { classifyLocation } from '../../server/map/analytics/emerging/classify';
import { poissonTwoSidedTable } from '../../server/map/analytics/emerging/poisson';
import { ukBinOf, ukBinStart } from '../../server/map/emerging';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

const COLS = 60;
const ROWS = 60;
const BINS = 20;
const BACKGROUND = 2;

function poisson(rnd: Random, lambda: number): number {
  // Knuth's method; λ is small here.
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rnd.next();
  } while (p > l);
  return k - 1;
}

/** A cube of Poisson counts: `rate(cell, t)` per cell and bin. */
function cube(rate: (r: number, c: number, t: number) => number, seed: number) {
  const rnd = new Random(seed);
  const counts = new Float64Array(COLS * ROWS * BINS);
  for (let t = 0; t < BINS; t++)
    for (let r = 0; r < ROWS; r++)
      for (let c = 0; c < COLS; c++) counts[t * COLS * ROWS + r * COLS + c] = poisson(rnd, rate(r, c, t));
  return { counts, cols: COLS, rows: ROWS, bins: BINS };
}

/**
 * Planted examples, each centred on its own cell far from the others: `extra(t)` more reports per cell and bin in
 * the 3 × 3 block around the centre (hot), or a 5 × 5 block at `low(t)` reports per cell and bin (cold).
 */
const last = BINS - 1;
const hotPlants: Record<string, (t: number) => number> = {
  'new-hot': (t) => (t === last ? 10 : 0),
  'consecutive-hot': (t) => (t >= last - 3 ? 10 : 0),
  'intensifying-hot': (t) => 4 + t,
  'persistent-hot': () => 10,
  'diminishing-hot': (t) => 4 + (last - t),
  'sporadic-hot': (t) => ([3, 9, 14, last].includes(t) ? 10 : 0),
  'oscillating-hot': (t) => (t === 10 || t === last ? 10 : 0),
  'historical-hot': (t) => (t <= last - 2 ? 10 : 0),
};
const coldPlants: Record<string, (t: number) => number | null> = {
  'persistent-cold': () => 0.05,
  'consecutive-cold': (t) => (t >= last - 4 ? 0 : null),
  'historical-cold': (t) => (t <= last - 2 ? 0.05 : null),
  // Oscillating hot: a cold spell first (zeros in bins 2–5), then the hot bins above.
  'oscillating-hot': (t) => (t >= 2 && t <= 5 ? 0 : null),
};
const names = [...new Set([...Object.keys(hotPlants), ...Object.keys(coldPlants)])];
const centre = (k: number) => [5 + 10 * Math.floor(k / 4), 5 + 10 * (k % 4)] as const;
const centres = new Map(names.map((name, k) => [name, centre(k)]));

function plantedCube(seed: number) {
  const c = cube((r, col, t) => {
    for (const [name, [cr, cc]] of centres) {
      const dr = Math.abs(r - cr);
      const dc = Math.abs(col - cc);
      const low = coldPlants[name]?.(t);
      if (low != null && dr <= 2 && dc <= 2) return low;
      if (hotPlants[name] && dr <= 1 && dc <= 1) return BACKGROUND + hotPlants[name](t);
    }
    return BACKGROUND;
  }, seed);
  // Esri analyses locations with at least one report: give every centre one in the first bin.
  for (const [, [r, col]] of centres) c.counts[r * COLS + col] = Math.max(1, c.counts[r * COLS + col]!);
  return c;
}

describe('emerging hot spot analysis', () => {
  it('classifies a planted example of each of the eight hot patterns and of three cold ones', () => {
    // Seed 1 exactly; over ten seeds each pattern at least 8 times: the per-bin FDR (5 %) and the Mann-Kendall test
    // (5 %) are allowed their stated error rates, so a stray significant bin can occasionally turn "consecutive"
    // into "sporadic", or a random-walk wobble "persistent" into "intensifying".
    const hits = new Map<string, number>(names.map((n) => [n, 0]));
    for (let seed = 1; seed <= 10; seed++) {
      const result = emergingHotSpots(plantedCube(seed));
      const byCell = new Map(result.locations.map((l) => [l.cell, l]));
      const found = Object.fromEntries(
        names.map((name) => {
          const [r, c] = centres.get(name)!;
          return [name, byCell.get(r * COLS + c)?.pattern ?? 'none'];
        }),
      );
      if (seed === 1) expect(found).toEqual(Object.fromEntries(names.map((n) => [n, n])));
      for (const n of names) if (found[n] === n) hits.set(n, hits.get(n)! + 1);
    }
    for (const [name, n] of hits) expect(n, name).toBeGreaterThanOrEqual(8);
  });

  it('returns the location series and a rising trend for an intensifying hot spot', () => {
    const result = emergingHotSpots(plantedCube(1));
    const [r, c] = centres.get('intensifying-hot')!;
    const loc = result.locations.find((l) => l.cell === r * COLS + c)!;
    expect(loc.counts).toHaveLength(BINS);
    expect(loc.z).toHaveLength(BINS);
    expect(loc.sig.every((s) => s > 0)).toBe(true);
    expect(loc.trend.tau).toBeGreaterThan(0.5);
    expect(loc.trend.p).toBeLessThan(0.01);
  });

  it('finds (almost) no pattern in counts with no clustering, sparse or dense', () => {
    for (const mean of [0.02, 0.2, 2, 20]) {
      for (const seed of [11, 12]) {
        const result = emergingHotSpots(cube(() => mean, seed));
        // FDR at 10 % per bin: a stray significant bin is possible, a pattern at more than 1 % of places is not.
        expect(result.locations.length, `mean ${mean} seed ${seed}`).toBeLessThanOrEqual(result.analysed * 0.01);
      }
    }
  });

  it('calls a location hot in every bin but the last historical, not persistent', () => {
    const flat = () => ({ s: 0, tau: 0, z: 0, p: 1 });
    expect(classifyLocation([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], flat)).toBe('historical-hot');
    expect(classifyLocation([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], flat)).toBe('persistent-hot');
    expect(classifyLocation([0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 1], flat)).toBe('oscillating-hot');
    expect(classifyLocation([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], flat)).toBe('none');
    expect(classifyLocation([0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1], flat)).toBe('consecutive-cold');
    expect(classifyLocation([0, 0, 0, -1, 0, 0, 0, 0, 0, 0, -1], flat)).toBe('sporadic-cold');
    expect(classifyLocation([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1], flat)).toBe('new-cold');
  });
});

describe('Mann-Kendall trend test', () => {
  it('matches the textbook statistic and variance with ties', () => {
    // x = 1,2,2,3: S = 5 (pairs up 5, equal 1); Var = (4·3·13 − 2·1·9)/18 = 7.667; Z = (5−1)/√7.667 = 1.4446.
    const t = mannKendall([1, 2, 2, 3]);
    expect(t.s).toBe(5);
    expect(t.z).toBeCloseTo(1.4446, 3);
    expect(t.p).toBeCloseTo(0.1486, 3);
    expect(mannKendall([5, 4, 3, 2, 1, 0]).tau).toBe(-1);
  });
});

describe('exact Poisson tails', () => {
  it('gives the two-sided p of a Poisson count', () => {
    // λ = 2: P(X = 0) = e^−2 = 0.1353 → two-sided 0.2707; P(X ≥ 6) = 0.01656 → 0.0331.
    const tab = poissonTwoSidedTable(2, 10);
    expect(tab[0]).toBeCloseTo(0.27067, 4);
    expect(tab[6]).toBeCloseTo(0.03313, 4);
    expect(tab[2]).toBe(1);
  });
});

describe('UK local time bins', () => {
  it('start weeks on Monday 00:00 and months on the 1st, UK time, across the clock changes', () => {
    // Sunday 29 March 2026 23:30 BST is 22:30 UTC: still the week of Monday 23 March.
    expect(ukBinStart(ukBinOf(Date.UTC(2026, 2, 29, 22, 30), 'weekly'), 'weekly')).toBe('2026-03-23');
    // Monday 30 March 00:30 BST is Sunday 23:30 UTC: already the new week.
    expect(ukBinStart(ukBinOf(Date.UTC(2026, 2, 29, 23, 30), 'weekly'), 'weekly')).toBe('2026-03-30');
    // 31 October 23:30 UTC is 31 October in GMT (clocks went back on the 25th), 1 November 00:30 UTC is November.
    expect(ukBinStart(ukBinOf(Date.UTC(2026, 9, 31, 23, 30), 'monthly'), 'monthly')).toBe('2026-10-01');
    // 30 September 23:30 UTC is 1 October 00:30 BST.
    expect(ukBinStart(ukBinOf(Date.UTC(2026, 8, 30, 23, 30), 'monthly'), 'monthly')).toBe('2026-10-01');
  });
});

describe('GET /api/map/emerging', () => {
  let app: TestApp;
  let sussex: TestClient;
  let surrey: TestClient;
  const DAY = 86_400_000;
  const now = Date.now();
  // A planted new hot spot in the South Downs, away from the towns the background clusters in: 40 reports at one place in the last five days, nothing there before.
  const spot = { lat: 50.9312, lng: -0.4611 };

  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'silent' });
    const locator = app.services.forces.locator;
    const background = [...generateReports(800, { seed: 21, locator, now: new Date(now), days: 180 })];
    const planted = [...generateReports(40, { seed: 22, locator, now: new Date(now) })].map((r, k) => {
      const lat = spot.lat + ((k % 5) - 2) * 0.0003;
      const lng = spot.lng + (Math.floor(k / 5) - 4) * 0.0003;
      const from = new Date(now - (k % 5) * DAY - 3_600_000);
      return { ...r, lat, lng, cells: cellKeys(lat, lng), forceId: 'sussex', observedFrom: from, observedTo: from };
    });
    await insertReports([...background, ...planted]);
    await app.services.mapIndex.build();
    for (const [forceId, set] of [
      ['sussex', (c: TestClient) => (sussex = c)],
      ['surrey', (c: TestClient) => (surrey = c)],
    ] as const) {
      const u = await createUser(app.services, 'police', { forceId });
      const c = app.client();
      await c.login(u.email, u.password);
      set(c);
    }
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await dropTestDatabase();
  });

  const from = () => new Date(now - 26 * 7 * DAY).toISOString();

  it('finds the planted new hot spot with its weekly series, and names the method, step and cell size', async () => {
    const res = await sussex.get(`/api/map/emerging?step=weekly&cellSize=500&from=${from()}`);
    expect(res.status, res.text).toBe(200);
    const { cells, bins, meta } = res.body;
    expect(meta).toMatchObject({ step: 'weekly', cellSizeM: 500, shown: cells.length });
    expect(meta.method).toContain('Emerging Hot Spot Analysis');
    expect(bins.length).toBeGreaterThanOrEqual(26);
    for (const b of bins) expect(new Date(`${b}T12:00:00Z`).getUTCDay()).toBe(1); // Mondays
    const here = cells.find(
      (c: { bounds: number[] }) =>
        c.bounds[0]! <= spot.lng && spot.lng < c.bounds[2]! && c.bounds[1]! <= spot.lat && spot.lat < c.bounds[3]!,
    );
    expect(here, JSON.stringify(cells.map((c: { pattern: string }) => c.pattern))).toBeDefined();
    expect(['new-hot', 'consecutive-hot']).toContain(here.pattern);
    expect(here.counts).toHaveLength(bins.length);
    expect(here.sig.at(-1)).toBeGreaterThan(0);
    expect(here.counts.reduce((a: number, b: number) => a + b, 0)).toBe(here.total);
  });

  it("is scoped to the officer's force: Surrey sees nothing of the Sussex hot spot", async () => {
    const res = await surrey.get(`/api/map/emerging?step=weekly&cellSize=500&from=${from()}&bbox=-0.52,50.9,-0.4,50.96`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.cells).toEqual([]);
  });

  it('refuses a request that is too big or too short with a 400 that says what to change', async () => {
    const tooMany = await sussex.get('/api/map/emerging?cellSize=100&bbox=-3,50,1,53&from=2026-01-01T00:00:00Z');
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/larger cells/);
    expect(tooMany.body.error.details.map((d: { path: string }) => d.path)).toEqual(['query.cellSize']);
    const tooLong = await sussex.get('/api/map/emerging?from=2000-01-01T00:00:00Z');
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/shorter period or monthly/);
    expect(tooLong.body.error.details.map((d: { path: string }) => d.path)).toEqual(['query.step']);
    const tooShort = await sussex.get(`/api/map/emerging?step=monthly&from=${new Date(now - 20 * DAY).toISOString()}`);
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.error.message).toMatch(/too few/);
    expect((await sussex.get('/api/map/emerging?step=daily')).status).toBe(400);
  });

  it('is for police only and documented in the OpenAPI description', async () => {
    expect((await app.client().get('/api/map/emerging')).status).toBe(401);
    const doc = (await app.client().get('/api/openapi.json')).body;
    expect(doc.paths['/api/map/emerging']?.get?.['x-roles']).toEqual(expect.arrayContaining(['police']));
  });
});
