/**
 * Hotspots that hold under randomness: an exact count test per cell neighbourhood, FDR controlled.
 *
 * The study area. Only cells where reports are possible are tested: a cell is in the study area when its
 * own neighbourhood (the cell and its 8 neighbours) holds at least one report. Empty land and sea far from
 * any report is outside it, so it is neither tested nor counted, and is not "cold" (testing it against an even
 * spread over the whole box made ~190,000 empty cells "cold" for one force). We keep the ring of empty cells
 * next to every report, rather than only non-empty cells (Esri's Optimized Hot Spot Analysis without
 * bounding polygons), because a cluster stands out precisely against the empty cells around it: with
 * non-empty cells only, a 3 × 3 cluster in a sparse background (0.05 reports a cell) is compared with the few
 * other occupied cells, and its centre was flagged in 0 of 100 replicates (the test "leaves a planted cluster
 * as easy to find" plants it; with the ring kept it is found in at least 95 %).
 *
 * The null, kept consistent with that area: of N study-area cells, a cell's neighbourhood holds w of them
 * (w ≤ 9, fewer at the edges of the grid or of the study area), and under reports spread evenly over the
 * study area the X reports in it are Binomial(n, w / N) exactly, whatever the density, so the tail
 * P(X ≥ x) is a valid p-value even when most cells are empty (where Gi*'s normal approximation is not).
 * Choosing the area from the same reports raises the expected count n·w/N (N shrinks), which makes the test
 * stricter for hot cells, and every tested neighbourhood holds a report, so sparse data is rarely "cold"; the
 * tests under complete spatial randomness check the whole at 0.01–20 reports a cell.
 * The negative-binomial option tests against counts more clumped than random (mean and variance estimated
 * over the study-area cells), so only what stands out from the general clumpiness is flagged.
 * Two-sided p (hot and cold) with Benjamini–Hochberg over the N tested cells at the chosen FDR.
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
  /** Cells tested: the study area (cells with at least one report in their neighbourhood). */
  tested: number;
  total: number;
  /** Negative-binomial size per cell (Infinity: no overdispersion, the Poisson); null for the binomial. */
  dispersion: number | null;
}

/** Test every study-area cell of a row-major `cols` × `rows` grid of counts. */
export function exactHotspots(
  counts: ArrayLike<number>,
  cols: number,
  rows: number,
  opts: { model?: HotspotModel; fdr?: number } = {},
): ExactHotspotResult {
  const model = opts.model ?? 'binomial';
  const fdr = opts.fdr ?? 0.05;
  const cells = cols * rows;

  // Neighbourhood sums, then the study area (a non-zero sum), then study-area cells per neighbourhood.
  const hood = new Float64Array(cells);
  boxSum3(counts, cols, rows, hood);
  const inArea = new Float64Array(cells);
  let N = 0;
  let total = 0;
  let sumSq = 0;
  for (let i = 0; i < cells; i++) {
    if (hood[i]! > 0) {
      inArea[i] = 1;
      N++;
      total += counts[i]!;
      sumSq += counts[i]! * counts[i]!;
    }
  }
  const weight = new Float64Array(cells);
  boxSum3(inArea, cols, rows, weight);

  const mean = N ? total / N : 0;
  let size = Number.POSITIVE_INFINITY;
  if (model === 'negbin' && N > 1) {
    const variance = (sumSq - N * mean * mean) / (N - 1);
    if (variance > mean) size = (mean * mean) / (variance - mean);
  }
  const dispersion = model === 'negbin' ? size : null;
  if (N < 2 || total === 0) return { cells: [], tested: N, total, dispersion };

  // Many cells share (count, w): the tails are computed once per pair.
  const memo = new Map<number, number>();
  const ps = new Float64Array(N);
  const at = new Int32Array(N);
  let t = 0;
  for (let i = 0; i < cells; i++) {
    if (!inArea[i]) continue;
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
    ps[t] = p;
    at[t++] = i;
  }

  const out: ExactHotspotCell[] = [];
  for (const [k, q] of benjaminiHochberg(ps, N, fdr)) {
    const i = at[k]!;
    const expected = (total * weight[i]!) / N;
    const level = q <= 0.01 ? 99 : q <= 0.05 ? 95 : 90;
    const hot = hood[i]! > expected;
    out.push({
      index: i,
      count: counts[i]!,
      neighbourhood: hood[i]!,
      expected,
      q,
      bin: (hot ? level : -level) as ExactHotspotCell['bin'],
    });
  }
  out.sort((a, b) => a.index - b.index);
  return { cells: out, tested: N, total, dispersion };
}

/** `out[i]` = the sum of `v` over cell i and its 8 neighbours (fewer at the edges), by rows then columns. */
function boxSum3(v: ArrayLike<number>, cols: number, rows: number, out: Float64Array): void {
  const rowSum = new Float64Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      let x = v[o + c]!;
      if (c > 0) x += v[o + c - 1]!;
      if (c < cols - 1) x += v[o + c + 1]!;
      rowSum[o + c] = x;
    }
  }
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      let x = rowSum[o + c]!;
      if (r > 0) x += rowSum[o - cols + c]!;
      if (r < rows - 1) x += rowSum[o + cols + c]!;
      out[o + c] = x;
    }
  }
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
