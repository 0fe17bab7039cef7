import { describe, expect, it } from 'vitest';
import { Random } from '../../server/demo/random';
import { defaultCellSizeM, exactHotspots, meanNearestNeighbourM } from '../../server/map/analytics/exact-hotspots';
import { giStar } from '../../server/map/analytics/gistar';
import { exactHotspotLayer } from '../../server/map/hotspot-layer';
import {
  benjaminiHochberg,
  binomialLower,
  binomialUpper,
  negBinomialUpper,
  poissonLower,
  poissonUpper,
} from '../../server/map/analytics/tails';

/** Exact sums of the probability mass functions, for small cases. */
function binomPmf(k: number, n: number, p: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c * p ** k * (1 - p) ** (n - k);
}
function poisPmf(k: number, m: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return (Math.exp(-m) * m ** k) / f;
}

describe('exact tails', () => {
  it('match the binomial and Poisson sums term by term', () => {
    for (const [n, p] of [
      [20, 0.1],
      [50, 0.02],
      [7, 0.5],
    ] as const) {
      for (let k = 0; k <= n; k++) {
        let up = 0;
        let lo = 0;
        for (let j = k; j <= n; j++) up += binomPmf(j, n, p);
        for (let j = 0; j <= k; j++) lo += binomPmf(j, n, p);
        expect(binomialUpper(k, n, p)).toBeCloseTo(up, 10);
        expect(binomialLower(k, n, p)).toBeCloseTo(lo, 10);
      }
    }
    for (const m of [0.05, 1, 9, 40]) {
      for (let k = 0; k < 80; k++) {
        let lo = 0;
        for (let j = 0; j <= k; j++) lo += poisPmf(j, m);
        expect(poissonLower(k, m)).toBeCloseTo(lo, 10);
        expect(poissonUpper(k + 1, m)).toBeCloseTo(1 - lo, 10);
      }
    }
  });

  it('turns the negative binomial into the Poisson as the size grows, and widens the tail when it is small', () => {
    expect(negBinomialUpper(8, 3, 1e9)).toBeCloseTo(poissonUpper(8, 3), 6);
    expect(negBinomialUpper(8, 3, Number.POSITIVE_INFINITY)).toBe(poissonUpper(8, 3));
    // Size 1 is the geometric: P(X ≥ k) = (mean / (1 + mean))^k.
    expect(negBinomialUpper(8, 3, 1)).toBeCloseTo((3 / 4) ** 8, 10);
  });

  it('keeps only the tests Benjamini–Hochberg rejects at the level', () => {
    const kept = benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.5], 5, 0.05);
    expect([...kept.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(kept.get(3)).toBeCloseTo(0.025, 10);
  });
});

/** A grid of counts from `points` reports placed uniformly at random (complete spatial randomness). */
function csrGrid(rnd: Random, cols: number, rows: number, points: number): Float64Array {
  const counts = new Float64Array(cols * rows);
  for (let k = 0; k < points; k++) counts[rnd.int(0, cols * rows)]! += 1;
  return counts;
}

const COLS = 40;
const ROWS = 40;
const DENSITIES = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 20];
const REPLICATES = 100;

describe('hotspots under complete spatial randomness', () => {
  it(`flags no cell in at least 90 % of ${REPLICATES} replicates at every density from 0.01 to 20 reports per cell (40 × 40 cells)`, () => {
    const rnd = new Random(12);
    const clean: Record<string, number> = {};
    for (const density of DENSITIES) {
      for (const model of ['binomial', 'negbin'] as const) {
        let none = 0;
        for (let r = 0; r < REPLICATES; r++) {
          const grid = csrGrid(rnd, COLS, ROWS, Math.round(density * COLS * ROWS));
          if (exactHotspots(grid, COLS, ROWS, { model }).cells.length === 0) none++;
        }
        clean[`${model} ${density}`] = none / REPLICATES;
      }
    }
    for (const [k, share] of Object.entries(clean)) expect(share, k).toBeGreaterThanOrEqual(0.9);
  });

  it('is where Gi* fails: the same sparse random grids give Gi* "hotspots" in most replicates', () => {
    // The baseline the issue measured, so this file shows the difference and not only the new method.
    const rnd = new Random(5);
    let giFlagged = 0;
    let exactFlagged = 0;
    for (let r = 0; r < 20; r++) {
      const grid = csrGrid(rnd, COLS, ROWS, Math.round(0.03 * COLS * ROWS));
      if (giStar(grid, COLS, ROWS).cells.length > 0) giFlagged++;
      if (exactHotspots(grid, COLS, ROWS).cells.length > 0) exactFlagged++;
    }
    expect(giFlagged).toBeGreaterThanOrEqual(10);
    expect(exactFlagged).toBeLessThanOrEqual(2);
  });
});

describe('a planted cluster', () => {
  // Stated size and strength: a 3 × 3 block of cells, each with `extra` reports more than the background.
  const cases = [
    { background: 0.05, extra: 2, label: 'sparse: 0.05 per cell, block of 3 × 3 cells with 2 extra reports each' },
    { background: 1, extra: 3, label: '1 per cell, block of 3 × 3 cells with 3 extra reports each (4× the rate)' },
    { background: 10, extra: 8, label: '10 per cell, block of 3 × 3 cells with 8 extra reports each (1.8× the rate)' },
  ];
  for (const { background, extra, label } of cases) {
    it(`is found in at least 95 % of ${REPLICATES} replicates — ${label}`, () => {
      const rnd = new Random(Math.round(background * 100) + extra);
      let found = 0;
      let falseShare = 0;
      for (let r = 0; r < REPLICATES; r++) {
        const grid = csrGrid(rnd, COLS, ROWS, Math.round(background * COLS * ROWS));
        const cr = rnd.int(5, ROWS - 5);
        const cc = rnd.int(5, COLS - 5);
        for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) grid[(cr + dr) * COLS + cc + dc]! += extra;
        const { cells } = exactHotspots(grid, COLS, ROWS);
        const hit = cells.some(
          (x) => x.bin > 0 && Math.abs(Math.floor(x.index / COLS) - cr) <= 1 && Math.abs((x.index % COLS) - cc) <= 1,
        );
        // Hot cells flagged away from the cluster (whose neighbourhoods reach 2 cells out) are false discoveries.
        const hot = cells.filter((x) => x.bin > 0);
        const far = hot.filter((x) => Math.abs(Math.floor(x.index / COLS) - cr) > 2 || Math.abs((x.index % COLS) - cc) > 2);
        if (hit) found++;
        if (hot.length) falseShare += far.length / hot.length;
      }
      expect(found / REPLICATES).toBeGreaterThanOrEqual(0.95);
      // The false discovery rate stays near the 5 % asked for.
      expect(falseShare / REPLICATES).toBeLessThanOrEqual(0.1);
    });
  }
});

describe('the study area', () => {
  it('is the cells with a report in their neighbourhood, so empty land and sea around one town is not "cold"', () => {
    // A town of 5 × 5 cells (20 reports each) in the middle of a 200 × 200 grid that is otherwise empty.
    const cols = 200;
    const rows = 200;
    const counts = new Float64Array(cols * rows);
    for (let r = 98; r < 103; r++) for (let c = 98; c < 103; c++) counts[r * cols + c] = 20;
    const { cells, tested } = exactHotspots(counts, cols, rows);
    // The town and the ring of cells next to it: 7 × 7.
    expect(tested).toBe(49);
    const nearTown = (i: number) => Math.abs(Math.floor(i / cols) - 100) <= 3 && Math.abs((i % cols) - 100) <= 3;
    expect(cells.filter((x) => !nearTown(x.index))).toEqual([]);
    // The town centre still stands out from the places where reports happen.
    expect(cells.find((x) => x.index === 100 * cols + 100)?.bin).toBe(99);
  });

  it('leaves a planted cluster as easy to find as before: most of a sparse background is outside the area', () => {
    const rnd = new Random(41);
    let found = 0;
    for (let r = 0; r < REPLICATES; r++) {
      const grid = csrGrid(rnd, COLS, ROWS, Math.round(0.05 * COLS * ROWS));
      for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) grid[(20 + dr) * COLS + 20 + dc]! += 2;
      const { cells, tested } = exactHotspots(grid, COLS, ROWS);
      expect(tested).toBeLessThan(COLS * ROWS);
      if (cells.some((x) => x.index === 20 * COLS + 20 && x.bin > 0)) found++;
    }
    expect(found / REPLICATES).toBeGreaterThanOrEqual(0.95);
  });
});

describe('the hotspot layer over a whole force', () => {
  // Ten towns of 2,000 reports within about 1.5 km of their centres, in a 120 km × 70 km box (a force's extent).
  const rnd = new Random(9);
  const n = 20_000;
  const lat = new Float64Array(n);
  const lng = new Float64Array(n);
  const towns = Array.from({ length: 10 }, () => [50.7 + rnd.next() * 0.5, -1.2 + rnd.next() * 1.4] as const);
  for (let k = 0; k < n; k++) {
    const [tLat, tLng] = towns[k % 10]!;
    lat[k] = tLat + (rnd.next() + rnd.next() - 1) * 0.014;
    lng[k] = tLng + (rnd.next() + rnd.next() - 1) * 0.02;
  }
  const slots = Int32Array.from({ length: n }, (_, k) => k);
  const box = [-1.3, 50.6, 0.4, 51.3] as [number, number, number, number];

  it("draws at most 40,000 cells, enlarging the data's cell size to keep the map readable, and says so", () => {
    const layer = exactHotspotLayer({ lat, lng }, slots, box, { model: 'binomial', fdr: 0.05 });
    const { meta } = layer;
    expect(meta.cells).toBeLessThanOrEqual(40_000);
    expect(meta.cellSizeSource).toBe('data');
    expect(meta.enlargedFromM).not.toBeNull();
    expect(meta.enlargedFromM!).toBeLessThan(meta.cellSizeM);
    // Only the places near reports are tested, and nothing far from every town is drawn.
    expect(meta.tested).toBeLessThan(meta.cells / 4);
    expect(layer.features.length).toBeGreaterThan(0);
    expect(layer.features.length).toBeLessThanOrEqual(meta.tested);
  });

  it("keeps the data's cell size when the grid fits, and says it was not enlarged", () => {
    const meta = exactHotspotLayer({ lat, lng }, slots, box, { model: 'binomial', fdr: 0.05, maxCells: 10_000_000 }).meta;
    expect(meta.enlargedFromM).toBeNull();
    expect(meta.cellSizeM).toBe(defaultCellSizeM(meta.meanNearestNeighbourM));
  });
});

describe('the default cell size', () => {
  it('is twice the mean distance to the nearest other place, ignoring repeats at one address', () => {
    // A 100 m lattice, each point reported three times.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 30; i++) for (let j = 0; j < 30; j++) for (let r = 0; r < 3; r++) {
      xs.push(i * 100);
      ys.push(j * 100);
    }
    const nn = meanNearestNeighbourM(xs, ys, xs.length)!;
    expect(nn).toBeCloseTo(100, 6);
    expect(defaultCellSizeM(nn)).toBe(200);
  });

  it('matches the expected nearest-neighbour distance of random points, 0.5 / √density', () => {
    const rnd = new Random(3);
    const n = 20_000;
    const side = 10_000;
    const xs = Float64Array.from({ length: n }, () => rnd.next() * side);
    const ys = Float64Array.from({ length: n }, () => rnd.next() * side);
    const nn = meanNearestNeighbourM(xs, ys, n)!;
    const expected = 0.5 / Math.sqrt(n / (side * side));
    expect(Math.abs(nn - expected) / expected).toBeLessThan(0.06);
  });

  it('stays within 50 m and 20 km, and falls back to 250 m without two distinct places', () => {
    expect(defaultCellSizeM(1)).toBe(50);
    expect(defaultCellSizeM(1e6)).toBe(20_000);
    expect(defaultCellSizeM(null)).toBe(250);
    expect(meanNearestNeighbourM([5, 5], [5, 5], 2)).toBeNull();
  });
});
