import { classifyLocation, type EmergingPattern } from './classify';
import { mannKendall, type Trend } from './mann-kendall';
import { SIGNIFICANCE, type SpaceTimeCube, spaceTimeGiStar } from './space-time-gistar';

export type { EmergingPattern } from './classify';
export { mannKendall, type Trend } from './mann-kendall';
export { SIGNIFICANCE, type SpaceTimeCube, spaceTimeGiStar } from './space-time-gistar';

export interface EmergingLocation {
  /** Cell index (row-major). */
  cell: number;
  pattern: Exclude<EmergingPattern, 'none'>;
  /**
   * Mann-Kendall trend of the location's Gi* z-scores over the bins that have their full time neighbourhood (the
   * first `timeSteps` bins have fewer neighbours, so their z-scores are smaller by construction, not by trend).
   */
  trend: Trend;
  /** Per bin, in time order. */
  counts: number[];
  z: number[];
  sig: number[];
}

export interface EmergingResult {
  locations: EmergingLocation[];
  /** Locations analysed (cells with at least one report in some bin). */
  analysed: number;
}

/**
 * Emerging Hot Spot Analysis on a space-time cube: Gi* per bin over space and time neighbours with FDR control
 * per bin, a Mann-Kendall trend per location, and Esri's pattern per location. Returns the locations with a
 * pattern, in cell order.
 */
export function emergingHotSpots(cube: SpaceTimeCube, opts: { timeSteps?: number; alpha?: number } = {}): EmergingResult {
  const alpha = opts.alpha ?? SIGNIFICANCE;
  const timeSteps = opts.timeSteps ?? 1;
  const gi = spaceTimeGiStar(cube, timeSteps);
  const nLoc = gi.locations.length;
  const T = cube.bins;
  const cells = cube.cols * cube.rows;
  const out: EmergingLocation[] = [];
  const sig = new Int8Array(T);
  const zs = new Float64Array(T);
  for (let k = 0; k < nLoc; k++) {
    let anySig = false;
    for (let t = 0; t < T; t++) {
      sig[t] = gi.sig[t * nLoc + k]!;
      zs[t] = gi.z[t * nLoc + k]!;
      if (sig[t] !== 0) anySig = true;
    }
    if (!anySig) continue;
    let trend: Trend | null = null;
    const getTrend = () => {
      trend ??= mannKendall(zs.subarray(Math.min(timeSteps, T - 1)));
      return trend;
    };
    const pattern = classifyLocation(sig, getTrend, alpha);
    if (pattern === 'none') continue;
    const cell = gi.locations[k]!;
    out.push({
      cell,
      pattern,
      trend: getTrend(),
      counts: Array.from({ length: T }, (_, t) => cube.counts[t * cells + cell]!),
      z: Array.from(zs, (v) => Math.round(v * 100) / 100),
      sig: Array.from(sig),
    });
  }
  return { locations: out, analysed: nLoc };
}
