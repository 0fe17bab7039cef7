import type { EMERGING_KINDS, EmergingPatternName } from '../../../../shared/schemas/emerging';
import type { Trend } from './mann-kendall';

/**
 * The sixteen Emerging Hot Spot Analysis patterns and "none", as Esri defines them in "How Emerging Hot Spot
 * Analysis works" (ArcGIS Pro, Space Time Pattern Mining toolbox,
 * https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm).
 * Paraphrased, for hot spots (cold spots mirror them with "cold" for "hot"):
 * - new: significant hot spot in the final time step and never a significant hot spot before;
 * - consecutive: a single uninterrupted run of two or more significant hot spot bins ending in the final time step,
 *   never a hot spot before that run, and fewer than 90 % of all bins hot;
 * - intensifying: hot in at least 90 % of the time steps including the final one, and the intensity of clustering
 *   (the Gi* z-score series) increases with a significant Mann-Kendall trend;
 * - persistent: hot in at least 90 % of the time steps (including the final one) with no significant trend;
 * - diminishing: as intensifying, but the trend is significantly decreasing;
 * - sporadic: hot in the final time step, on-again off-again before, fewer than 90 % hot, never a cold spot;
 * - oscillating: hot in the final time step, a significant cold spot in some earlier time step, fewer than 90 % hot;
 * - historical: not hot in the final time step, but hot in at least 90 % of the time steps.
 * Order of the checks where the definitions overlap: a location hot now that was ever a cold spot is oscillating
 * (never new, consecutive or sporadic), as in the reference implementations (sfdep, xarray-spatial).
 */
type PatternKind = (typeof EMERGING_KINDS)[number];
export type EmergingPattern = EmergingPatternName | 'none';

/** Share of time steps a location must be significant in for the persistent/intensifying/... patterns. */
export const MOST_OF_THE_TIME = 0.9;

/**
 * The pattern of one location from its per-bin significance (sign only: 1 hot, -1 cold, 0 neither, in time
 * order) and its Mann-Kendall trend of the Gi* z-scores (computed only when a pattern needs it).
 */
export function classifyLocation(sig: ArrayLike<number>, trend: () => Trend, alpha = 0.05): EmergingPattern {
  const hot = classifySide(sig, 1, trend, alpha);
  if (hot) return `${hot}-hot`;
  const cold = classifySide(sig, -1, trend, alpha);
  return cold ? `${cold}-cold` : 'none';
}

function classifySide(sig: ArrayLike<number>, side: 1 | -1, trend: () => Trend, alpha: number): PatternKind | null {
  const n = sig.length;
  if (n === 0) return null;
  let same = 0;
  let opposite = 0;
  for (let t = 0; t < n; t++) {
    const v = Math.sign(sig[t]!);
    if (v === side) same++;
    else if (v === -side) opposite++;
  }
  const most = same >= MOST_OF_THE_TIME * n;
  const final = Math.sign(sig[n - 1]!) === side;
  if (!final) return most ? 'historical' : null;
  if (most) {
    const tr = trend();
    // "Intensity of clustering" grows when the z-scores move away from zero on this side.
    if (tr.p <= alpha && tr.s !== 0) return Math.sign(tr.s) === side ? 'intensifying' : 'diminishing';
    return 'persistent';
  }
  if (opposite > 0) return 'oscillating';
  if (same === 1) return 'new';
  let run = 0;
  while (run < n && Math.sign(sig[n - 1 - run]!) === side) run++;
  return run === same ? 'consecutive' : 'sporadic';
}
