/**
 * Hotspots that hold under randomness: an exact count test per cell neighbourhood, FDR controlled.
 *
 * Each cell's neighbourhood (the cell and its 8 neighbours, fewer at the edges: w cells of N) holds X of the
 * n reports. Under complete spatial randomness over the grid, X ~ Binomial(n, w / N) exactly, whatever the
 * density, so the tail P(X ≥ x) is a valid p-value even when most cells are empty (where Gi*'s normal
 * approximation is not). The negative-binomial option tests against counts more clumped than random
 * (variance estimated from the cells), so only what stands out from the general clumpiness is flagged.
 * Two-sided p (hot and cold) with Benjamini–Hochberg at the chosen FDR.
 */
import { benjaminiHochberg, binomialLower, binomialUpper, negBinomialLower, negBinomialUpper } from './tails';

export type HotspotModel = 'binomial' | 'negbin';

export interface ExactHotspotCell {
  index: number;
  /** Reports in the cell itself. */
  count: number;
  /** Reports in the cell's neighbourhood, and how many were expected there by chance. */
  neighbourhood: number;
  expected: number;
  /** Benjamini–Hochberg adjusted two-sided p. */
  q: number;
  bin: 99 | 95 | 90 | -90 | -95 | -99;
}

export interface ExactHotspotResult {
  cells: ExactHotspotCell[];
  tested: number;
  total: number;
  /** Negative-binomial size per cell (Infinity: no overdispersion, the Poisson); null for the binomial. */
  dispersion: number | null;
}

/** Test every cell of a row-major `cols` × `rows` grid of counts. */
export function exactHotspots(
  counts: ArrayLike<number>,
  cols: number,
  rows: number,
  opts: { model?: HotspotModel; fdr?: number } = {},
): ExactHotspotResult {
  const model = opts.model ?? 'binomial';
  const fdr = opts.fdr ?? 0.05;
  const N = cols * rows;
  let total = 0;
  let sumSq = 0;
  for (let i = 0; i < N; i++) {
    total += counts[i]!;
    sumSq += counts[i]! * counts[i]!;
  }
  const mean = N ? total / N : 0;
  let size = Number.POSITIVE_INFINITY;
  if (model === 'negbin' && N > 1) {
    const variance = (sumSq - N * mean * mean) / (N - 1);
    if (variance > mean) size = (mean * mean) / (variance - mean);
  }
  if (N < 2 || total === 0) return { cells: [], tested: N, total, dispersion: model === 'negbin' ? size : null };

  const hood = new Float64Array(N);
  const weight = new Uint8Array(N);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let x = 0;
      let w = 0;
      for (let rr = Math.max(0, r - 1); rr <= Math.min(rows - 1, r + 1); rr++)
        for (let cc = Math.max(0, c - 1); cc <= Math.min(cols - 1, c + 1); cc++) {
          x += counts[rr * cols + cc]!;
          w++;
        }
      hood[r * cols + c] = x;
      weight[r * cols + c] = w;
    }
  }

  // Many cells share (count, w): the tails are computed once per pair.
  const memo = new Map<number, number>();
  const ps = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const x = hood[i]!;
    const w = weight[i]!;
    const key = x * 16 + w;
    let p = memo.get(key);
    if (p === undefined) {
      let upper: number;
      let lower: number;
      if (model === 'binomial') {
        upper = binomialUpper(x, total, w / N);
        lower = binomialLower(x, total, w / N);
      } else {
        upper = negBinomialUpper(x, w * mean, w * size);
        lower = negBinomialLower(x, w * mean, w * size);
      }
      p = Math.min(1, 2 * Math.min(upper, lower));
      memo.set(key, p);
    }
    ps[i] = p;
  }

  const cells: ExactHotspotCell[] = [];
  for (const [i, q] of benjaminiHochberg(ps, N, fdr)) {
    const expected = (total * weight[i]!) / N;
    const level = q <= 0.01 ? 99 : q <= 0.05 ? 95 : 90;
    const hot = hood[i]! > expected;
    cells.push({
      index: i,
      count: counts[i]!,
      neighbourhood: hood[i]!,
      expected,
      q,
      bin: (hot ? level : -level) as ExactHotspotCell['bin'],
    });
  }
  cells.sort((a, b) => a.index - b.index);
  return { cells, tested: N, total, dispersion: model === 'negbin' ? size : null };
}

/**
 * Mean distance from a report to its nearest report at another place (≥ `minM` away, so repeats at one
 * address do not count), estimated on up to `sample` reports spread evenly through the list.
 * Points in metres. Returns null when there are fewer than two distinct places.
 */
export function meanNearestNeighbourM(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  n: number,
  opts: { sample?: number; minM?: number } = {},
): number | null {
  if (n < 2) return null;
  const sample = Math.min(n, opts.sample ?? 2000);
  const minM = opts.minM ?? 1;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let k = 0; k < n; k++) {
    if (xs[k]! < x0) x0 = xs[k]!;
    if (xs[k]! > x1) x1 = xs[k]!;
    if (ys[k]! < y0) y0 = ys[k]!;
    if (ys[k]! > y1) y1 = ys[k]!;
  }
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  // A bucket grid with about one report per bucket (at most 1,048,576 buckets).
  const g = Math.max(1, Math.sqrt((width * height) / Math.min(n, 1 << 20)));
  const gc = Math.max(1, Math.ceil(width / g) + 1);
  const gr = Math.max(1, Math.ceil(height / g) + 1);
  const bucketOf = (k: number) => Math.floor((ys[k]! - y0) / g) * gc + Math.floor((xs[k]! - x0) / g);
  const start = new Int32Array(gc * gr + 1);
  for (let k = 0; k < n; k++) start[bucketOf(k) + 1]!++;
  for (let b = 0; b < gc * gr; b++) start[b + 1]! += start[b]!;
  const fill = start.slice(0, gc * gr);
  const members = new Int32Array(n);
  for (let k = 0; k < n; k++) members[fill[bucketOf(k)]!++] = k;

  let sum = 0;
  let found = 0;
  const step = n / sample;
  for (let s = 0; s < sample; s++) {
    const k = Math.floor(s * step);
    const bc = Math.floor((xs[k]! - x0) / g);
    const br = Math.floor((ys[k]! - y0) / g);
    let best = Infinity;
    const maxRing = Math.max(gc, gr);
    for (let ring = 0; ring <= maxRing; ring++) {
      // Everything in ring `ring` is at least (ring - 1) × g away.
      if ((ring - 1) * g > best) break;
      for (let r = br - ring; r <= br + ring; r++) {
        if (r < 0 || r >= gr) continue;
        const edge = r === br - ring || r === br + ring;
        for (let c = bc - ring; c <= bc + ring; c += edge ? 1 : 2 * ring) {
          if (c >= 0 && c < gc) {
            const b = r * gc + c;
            for (let m = start[b]!; m < start[b + 1]!; m++) {
              const j = members[m]!;
              const d = Math.hypot(xs[j]! - xs[k]!, ys[j]! - ys[k]!);
              if (d >= minM && d < best) best = d;
            }
          }
          if (ring === 0) break;
        }
      }
    }
    if (Number.isFinite(best)) {
      sum += best;
      found++;
    }
  }
  return found ? sum / found : null;
}

/** Fewest reports for a hotspot analysis (Esri's Hot Spot Analysis asks for at least 30 features). */
export const MIN_HOTSPOT_REPORTS = 30;

/**
 * The default cell size: twice the mean nearest-neighbour distance (a typical report then has its nearest
 * neighbour inside its own neighbourhood), rounded to 10 m, between 50 m and 20 km.
 */
export function defaultCellSizeM(meanNnM: number | null): number {
  if (meanNnM === null) return 250;
  return Math.min(20_000, Math.max(50, Math.round((2 * meanNnM) / 10) * 10));
}
