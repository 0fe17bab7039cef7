import { describe, expect, it } from 'vitest';
import { EMERGING_LIMITS, EMERGING_PATTERNS } from '../../shared/schemas/emerging';
import { FIT_MAX_CELLS, fitEmergingCellSize, patternLabel, patternMeaning, patternStyle } from '../../client/src/police/emerging-patterns';
import { readViewState, writeViewState } from '../../client/src/police/view-state';

const M_PER_DEG_LAT = 110_574;
const cellsOver = (bbox: [number, number, number, number], cs: number) => {
  const [w, s, e, n] = bbox;
  const kx = 111_320 * Math.cos((((s + n) / 2) * Math.PI) / 180);
  return Math.ceil(((e - w) * kx) / cs) * Math.ceil(((n - s) * M_PER_DEG_LAT) / cs);
};

describe('emerging hot spot layer (client)', () => {
  it('draws each of the sixteen patterns in its own colour, reds for hot and blues for cold', () => {
    const fills = EMERGING_PATTERNS.map((p) => patternStyle(p).fill);
    expect(new Set(fills).size).toBe(16);
    for (const p of EMERGING_PATTERNS) {
      const [r, , b] = [1, 3, 5].map((i) => Number.parseInt(patternStyle(p).fill.slice(i, i + 2), 16));
      if (p.endsWith('-hot')) expect(r, p).toBeGreaterThan(b!);
      else expect(b, p).toBeGreaterThan(r!);
    }
  });

  it('names every pattern and says what it means', () => {
    expect(patternLabel('new-hot')).toBe('New hot spot');
    expect(patternLabel('historical-cold')).toBe('Historical cold spot');
    expect(patternMeaning('new-hot', 'weekly')).toBe('a significant hot spot in the latest week for the first time');
    expect(patternMeaning('oscillating-cold', 'monthly')).toMatch(/cold spot in the latest month that was a significant hot spot before/);
    for (const p of EMERGING_PATTERNS) expect(patternMeaning(p, 'weekly').length, p).toBeGreaterThan(20);
  });

  it('fits the cell size to the view: small cells for a town, larger for a whole force, always within the API limits', () => {
    const town: [number, number, number, number] = [-0.2, 50.8, -0.1, 50.86];
    const force: [number, number, number, number] = [-1.0, 50.7, 0.9, 51.2];
    const country: [number, number, number, number] = [-8, 49.8, 2, 59];
    expect(fitEmergingCellSize(town)).toBe(250);
    expect(fitEmergingCellSize(force)).toBe(1000);
    for (const box of [town, force, country]) {
      const cs = fitEmergingCellSize(box);
      expect(cellsOver(box, cs)).toBeLessThanOrEqual(FIT_MAX_CELLS);
      expect(cellsOver(box, cs) * EMERGING_LIMITS.maxBins).toBeLessThanOrEqual(EMERGING_LIMITS.maxCubeBins);
    }
  });

  it('keeps the layer, step and cell size in the shareable link, and leaves defaults out', () => {
    const v = readViewState(new URLSearchParams('layer=emerging&step=monthly&ecell=1000'));
    expect(v).toMatchObject({ layer: 'emerging', step: 'monthly', emergingCellSize: 1000 });
    expect(writeViewState(v).toString()).toBe('layer=emerging&step=monthly&ecell=1000');
    const d = readViewState(new URLSearchParams('layer=emerging&step=daily'));
    expect(d).toMatchObject({ step: 'weekly', emergingCellSize: 0 });
    expect(writeViewState(d).toString()).toBe('layer=emerging');
  });
});
