/**
 * Knox test for near repeats, as in Ratcliffe's Near Repeat Calculator: pairs of reports are counted in
 * distance × time bands; the expected counts and p-values come from Monte Carlo permutations of the times
 * over the places (which keeps both the spatial and the temporal pattern, and breaks only their link).
 * Work is bounded: the close pairs (which never change under permutation) are listed once, up to `maxPairs`;
 * the permutations stop at `maxWork` pair visits or `maxMs`.
 */
import { Random } from '../../demo/random';
import { bhAdjust } from './stats';

export interface KnoxOptions {
  /** Width of each distance band (m); band 0 is "the same place" (< 1 m). */
  distanceM: number;
  distanceBands: number;
  /** Width of each time band (ms). */
  bandMs: number;
  timeBands: number;
  permutations: number;
  maxPairs: number;
  maxWork: number;
  maxMs: number;
  seed?: number;
}

export interface KnoxResult {
  /** rows = 1 + distanceBands (row 0: same place), cols = timeBands; row-major. */
  rows: number;
  cols: number;
  observed: Int32Array;
  expected: Float64Array;
  /** One-sided Monte Carlo p (more pairs than chance), and its Benjamini–Hochberg adjustment over the table. */
  p: Float64Array;
  q: Float64Array;
  pairs: number;
  permutations: number;
  stopped: 'work' | 'time' | null;
}

/** Pairs of events within `maxD` metres: i, j and their distance band, or null past `maxPairs`. */
function closePairs(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  n: number,
  o: KnoxOptions,
): { a: Int32Array; b: Int32Array; band: Uint8Array; length: number } | null {
  const maxD = o.distanceM * o.distanceBands;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let k = 0; k < n; k++) {
    x0 = Math.min(x0, xs[k]!);
    x1 = Math.max(x1, xs[k]!);
    y0 = Math.min(y0, ys[k]!);
    y1 = Math.max(y1, ys[k]!);
  }
  const gc = Math.max(1, Math.floor((x1 - x0) / maxD) + 1);
  const gr = Math.max(1, Math.floor((y1 - y0) / maxD) + 1);
  // Buckets keyed in a map (the extent may be large next to maxD), members sorted by bucket.
  const key = (k: number) => Math.floor((ys[k]! - y0) / maxD) * gc + Math.floor((xs[k]! - x0) / maxD);
  const buckets = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const b = key(k);
    const list = buckets.get(b);
    if (list) list.push(k);
    else buckets.set(b, [k]);
  }
  let cap = 1024;
  let a = new Int32Array(cap);
  let b = new Int32Array(cap);
  let band = new Uint8Array(cap);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const bc = Math.floor((xs[i]! - x0) / maxD);
    const br = Math.floor((ys[i]! - y0) / maxD);
    for (let r = br - 1; r <= br + 1; r++) {
      if (r < 0 || r >= gr) continue;
      for (let c = bc - 1; c <= bc + 1; c++) {
        if (c < 0 || c >= gc) continue;
        for (const j of buckets.get(r * gc + c) ?? []) {
          if (j <= i) continue;
          const d = Math.hypot(xs[i]! - xs[j]!, ys[i]! - ys[j]!);
          if (d > maxD) continue;
          if (m === o.maxPairs) return null;
          if (m === cap) {
            cap *= 2;
            const na = new Int32Array(cap);
            na.set(a);
            a = na;
            const nb = new Int32Array(cap);
            nb.set(b);
            b = nb;
            const nd = new Uint8Array(cap);
            nd.set(band);
            band = nd;
          }
          a[m] = i;
          b[m] = j;
          band[m] = d < 1 ? 0 : Math.min(o.distanceBands, Math.max(1, Math.ceil(d / o.distanceM)));
          m++;
        }
      }
    }
  }
  return { a, b, band, length: m };
}

function countPairs(
  pairs: { a: Int32Array; b: Int32Array; band: Uint8Array; length: number },
  ts: ArrayLike<number>,
  o: KnoxOptions,
  out: Int32Array,
): void {
  out.fill(0);
  const cols = o.timeBands;
  for (let k = 0; k < pairs.length; k++) {
    const tb = Math.floor(Math.abs(ts[pairs.a[k]!]! - ts[pairs.b[k]!]!) / o.bandMs);
    if (tb < cols) out[pairs.band[k]! * cols + tb]!++;
  }
}

/** The Knox table for events at (xs, ys) in metres and times ts (ms); null when the close pairs exceed `maxPairs`. */
export function knoxTest(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  ts: ArrayLike<number>,
  n: number,
  o: KnoxOptions,
): KnoxResult | null {
  const rows = o.distanceBands + 1;
  const cols = o.timeBands;
  const pairs = closePairs(xs, ys, n, o);
  if (!pairs) return null;
  const observed = new Int32Array(rows * cols);
  countPairs(pairs, ts, o, observed);
  const sum = new Float64Array(rows * cols);
  const atLeast = new Int32Array(rows * cols);
  const perm = Float64Array.from({ length: n }, (_, k) => ts[k]!);
  const rnd = new Random(o.seed ?? 1);
  const counts = new Int32Array(rows * cols);
  const budget = Math.max(19, Math.floor(o.maxWork / Math.max(1, pairs.length)));
  const target = Math.min(o.permutations, budget);
  let stopped: KnoxResult['stopped'] = target < o.permutations ? 'work' : null;
  const deadline = performance.now() + o.maxMs;
  let done = 0;
  for (; done < target; done++) {
    if (done >= 19 && performance.now() > deadline) {
      stopped = 'time';
      break;
    }
    for (let k = n - 1; k > 0; k--) {
      const j = Math.floor(rnd.next() * (k + 1));
      const t = perm[k]!;
      perm[k] = perm[j]!;
      perm[j] = t;
    }
    countPairs(pairs, perm, o, counts);
    for (let c = 0; c < counts.length; c++) {
      sum[c]! += counts[c]!;
      if (counts[c]! >= observed[c]!) atLeast[c]!++;
    }
  }
  const expected = new Float64Array(rows * cols);
  const p = new Float64Array(rows * cols);
  for (let c = 0; c < p.length; c++) {
    expected[c] = done ? sum[c]! / done : 0;
    p[c] = (1 + atLeast[c]!) / (1 + done);
  }
  const q = new Float64Array(p.length).fill(1);
  for (const [c, adj] of bhAdjust(p, p.length)) q[c] = adj;
  return { rows, cols, observed, expected, p, q, pairs: pairs.length, permutations: done, stopped };
}
