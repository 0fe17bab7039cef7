import { describe, expect, it } from 'vitest';
import { Random } from '../../server/demo/random';
import { giStar } from '../../server/map/analytics/gistar';
import { gridClusters } from '../../server/map/analytics/grid-clusters';
import { kdeGrid, quartic } from '../../server/map/analytics/kde';
import { bhAdjust, normalCdf, twoSidedP } from '../../server/map/analytics/stats';

describe('normal distribution and FDR helpers', () => {
  it('matches known values of the normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 5);
    expect(normalCdf(-2.575829)).toBeCloseTo(0.005, 5);
    expect(twoSidedP(1.644854)).toBeCloseTo(0.1, 5);
  });

  it('adjusts p-values like Benjamini and Hochberg', () => {
    // Worked example: p = [0.01, 0.04, 0.03, 0.005], m = 4 → adjusted [0.02, 0.04, 0.04, 0.02].
    const adj = bhAdjust([0.01, 0.04, 0.03, 0.005], 4);
    expect(adj.get(0)).toBeCloseTo(0.02, 10);
    expect(adj.get(1)).toBeCloseTo(0.04, 10);
    expect(adj.get(2)).toBeCloseTo(0.04, 10);
    expect(adj.get(3)).toBeCloseTo(0.02, 10);
  });
});

function uniformGrid(cols: number, rows: number, points: number, seed: number): Float64Array {
  const rnd = new Random(seed);
  const counts = new Float64Array(cols * rows);
  for (let k = 0; k < points; k++) counts[rnd.int(0, cols * rows)]! += 1;
  return counts;
}

describe('Getis-Ord Gi*', () => {
  it('finds a constructed hotspot and puts it in the 99 % bin', () => {
    const cols = 30;
    const rows = 30;
    const counts = uniformGrid(cols, rows, 900, 3);
    // A 3 × 3 block centred on (row 10, col 20) with many extra reports.
    for (let r = 9; r <= 11; r++) for (let c = 19; c <= 21; c++) counts[r * cols + c]! += 12;
    const { cells, tested } = giStar(counts, cols, rows);
    expect(tested).toBe(900);
    const centre = cells.find((x) => x.index === 10 * cols + 20);
    expect(centre?.bin).toBe(99);
    expect(centre!.z).toBeGreaterThan(5);
    const hot = cells.filter((x) => x.z > 0);
    for (const h of hot) {
      const r = Math.floor(h.index / cols);
      const c = h.index % cols;
      expect(Math.abs(r - 10)).toBeLessThanOrEqual(2);
      expect(Math.abs(c - 20)).toBeLessThanOrEqual(2);
    }
  });

  it('finds nothing in uniformly random data', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { cells } = giStar(uniformGrid(40, 40, 4000, seed), 40, 40);
      expect(cells).toEqual([]);
    }
  });

  it('finds nothing when every cell has the same count', () => {
    expect(giStar(new Float64Array(100).fill(3), 10, 10).cells).toEqual([]);
  });
});

describe('quartic kernel density', () => {
  it('integrates to about one report per report', () => {
    const grid = kdeGrid([5000], [5000], 1, { cols: 100, rows: 100, cellSizeM: 100, bandwidthM: 1000 });
    const cellKm2 = 0.1 * 0.1;
    const total = grid.values.reduce((s, v) => s + v * cellKm2, 0);
    expect(total).toBeCloseTo(1, 1);
    expect(quartic(1000 ** 2, 1000)).toBe(0);
  });

  it('peaks where the points are and is zero beyond the bandwidth', () => {
    const xs = [2050, 2050, 2050, 8050];
    const ys = [2050, 2050, 2050, 8050];
    const grid = kdeGrid(xs, ys, 4, { cols: 100, rows: 100, cellSizeM: 100, bandwidthM: 500 });
    const at = (xm: number, ym: number) => grid.values[(99 - Math.floor(ym / 100)) * 100 + Math.floor(xm / 100)]!;
    expect(at(2050, 2050)).toBe(grid.max);
    expect(at(2050, 2050)).toBeCloseTo(3 * at(8050, 8050), 6);
    expect(at(5000, 5000)).toBe(0);
  });
});

describe('grid clustering', () => {
  it('keeps every point in exactly one cluster and stays under the feature cap', () => {
    const rnd = new Random(9);
    const n = 20000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    const lat = new Float64Array(n);
    const lng = new Float64Array(n);
    const prio = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = 0.49 + rnd.next() * 0.02;
      y[i] = 0.33 + rnd.next() * 0.02;
      lat[i] = i;
      lng[i] = i;
      prio[i] = rnd.chance(0.2) ? 1 : 0;
    }
    const slots = Int32Array.from({ length: n }, (_, i) => i);
    for (const zoom of [2, 6, 10, 14]) {
      const { cells } = gridClusters({ x, y, lat, lng, prio }, slots, [0.49, 0.33, 0.51, 0.35], zoom, { maxCells: 1000 });
      expect(cells.length).toBeLessThanOrEqual(1000);
      expect(cells.reduce((s, c) => s + c.count, 0)).toBe(n);
      expect(cells.reduce((s, c) => s + c.safeguarding, 0)).toBe(prio.reduce((s, v) => s + v, 0));
    }
  });
});
