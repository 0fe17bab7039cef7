import { bhAdjust, twoSidedP } from './stats';

export interface GiStarCell {
  /** Cell index (row-major). */
  index: number;
  count: number;
  z: number;
  /** Benjamini–Hochberg adjusted two-sided p-value. */
  p: number;
  bin: 99 | 95 | 90 | -90 | -95 | -99;
}

export interface GiStarResult {
  cells: GiStarCell[];
  tested: number;
}

/**
 * Getis-Ord Gi* on a regular grid of counts (row-major, `cols` × `rows`) with binary weights:
 * each cell and its 8 neighbours (fewer at the edges). Every cell is a test; p-values are two-sided
 * from the normal CDF and corrected with Benjamini–Hochberg; a cell is reported when its adjusted
 * p ≤ 0.10, binned 99/95/90 by adjusted p ≤ 0.01/0.05/0.10, signed by z (hot positive, cold negative).
 */
export function giStar(counts: ArrayLike<number>, cols: number, rows: number): GiStarResult {
  const n = cols * rows;
  if (n < 3) return { cells: [], tested: n };
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const v = counts[i]!;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / n;
  const s = Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  if (s === 0) return { cells: [], tested: n };
  const zs = new Float64Array(n);
  const ps = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let local = 0;
      let w = 0;
      for (let dr = -1; dr <= 1; dr++) {
        const rr = r + dr;
        if (rr < 0 || rr >= rows) continue;
        for (let dc = -1; dc <= 1; dc++) {
          const cc = c + dc;
          if (cc < 0 || cc >= cols) continue;
          local += counts[rr * cols + cc]!;
          w++;
        }
      }
      const denom = s * Math.sqrt((n * w - w * w) / (n - 1));
      const z = denom > 0 ? (local - mean * w) / denom : 0;
      const i = r * cols + c;
      zs[i] = z;
      ps[i] = twoSidedP(z);
    }
  }
  const adjusted = bhAdjust(ps, n, 0.1);
  const cells: GiStarCell[] = [];
  for (const [i, q] of adjusted) {
    if (q > 0.1) continue;
    const level = q <= 0.01 ? 99 : q <= 0.05 ? 95 : 90;
    const z = zs[i]!;
    cells.push({ index: i, count: counts[i]!, z, p: q, bin: (z > 0 ? level : -level) as GiStarCell['bin'] });
  }
  cells.sort((a, b) => a.index - b.index);
  return { cells, tested: n };
}
