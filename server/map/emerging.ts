import { M_PER_DEG, metresPerDegLng } from '../../shared/geo';
import { EMERGING_LIMITS, EMERGING_PATTERNS, type EmergingCell, type EmergingResult } from '../../shared/schemas/emerging';
import { ukDateKey, ukMonthKey, ukOffsetMinutes } from '../../shared/time';
import { errors } from '../http/errors';
import { emergingHotSpots } from './analytics/emerging';
import type { ReportIndex } from './report-index';

const DAY_MS = 86_400_000;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export type EmergingStep = 'weekly' | 'monthly';

/** Time bin number of an instant in UK local time: weeks from Monday 00:00, or calendar months. */
export function ukBinOf(ms: number, step: EmergingStep): number {
  const local = ms + ukOffsetMinutes(ms) * 60_000;
  if (step === 'weekly') return Math.floor((Math.floor(local / DAY_MS) + 3) / 7); // 1970-01-01 was a Thursday
  const d = new Date(local);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/** First UK local day ("YYYY-MM-DD") of bin `b`. */
export function ukBinStart(b: number, step: EmergingStep): string {
  if (step === 'weekly') return new Date((b * 7 - 3) * DAY_MS).toISOString().slice(0, 10);
  return `${ukMonthKey(Date.UTC(Math.floor(b / 12), b % 12, 15))}-01`;
}

const ORDER = new Map(EMERGING_PATTERNS.map((p, i) => [p, i]));

/**
 * Emerging hot spots over the given slots of the in-memory index: a space-time cube (cells of `cellSizeM` over
 * `box`, bins of one UK week or month from `fromMs` to `toMs`), then Emerging Hot Spot Analysis. Work is bounded
 * by EMERGING_LIMITS; a request over them is a 400 that names the limit.
 */
export function emergingFromIndex(
  ix: ReportIndex,
  slots: Int32Array,
  box: [number, number, number, number] | null,
  opts: { step: EmergingStep; cellSizeM: number; fromMs?: number; toMs?: number },
): EmergingResult {
  const { step, cellSizeM: cs } = opts;
  const meta = (analysed: number, patterned: number, shown: number, counts: Record<string, number>) => ({
    method: 'Emerging Hot Spot Analysis (space-time Gi*, Mann-Kendall)' as const,
    step,
    cellSizeM: cs,
    neighbourhood: `3 × 3 cells of ${cs} m, this ${step === 'weekly' ? 'week' : 'month'} and the one before`,
    correction: 'exact Poisson test per bin, FDR 5 % (Benjamini-Hochberg) per time step',
    analysed,
    patterned,
    shown,
    counts,
  });
  let minMs = Infinity;
  let maxMs = -Infinity;
  for (let k = 0; k < slots.length; k++) {
    const t = ix.fromMs[slots[k]!]!;
    if (t < minMs) minMs = t;
    if (t > maxMs) maxMs = t;
  }
  if (!box || slots.length === 0) return { cells: [], bins: [], lastDay: null, meta: meta(0, 0, 0, {}) };
  const startMs = opts.fromMs ?? minMs;
  const endMs = Math.max(startMs, Math.min(opts.toMs ?? maxMs, Date.now()));
  const b0 = ukBinOf(startMs, step);
  const bins = ukBinOf(endMs, step) - b0 + 1;
  if (bins > EMERGING_LIMITS.maxBins)
    throw errors.invalid(
      `${bins} ${step} time steps is more than ${EMERGING_LIMITS.maxBins}: choose a shorter period or monthly steps`,
      'query.step',
    );
  if (bins < EMERGING_LIMITS.minBins)
    throw errors.invalid(
      `${bins} ${step} time step(s) is too few for a trend (at least ${EMERGING_LIMITS.minBins}): choose a longer period or weekly steps`,
      'query.step',
    );
  const [w, s, e, n] = box;
  const kx = metresPerDegLng((s + n) / 2);
  const cols = Math.max(1, Math.ceil(((e - w) * kx) / cs));
  const rows = Math.max(1, Math.ceil(((n - s) * M_PER_DEG) / cs));
  const cells = cols * rows;
  if (cells > EMERGING_LIMITS.maxCells || cells * bins > EMERGING_LIMITS.maxCubeBins)
    throw errors.invalid(
      `${cols} × ${rows} cells of ${cs} m over ${bins} time steps is too big (at most ${EMERGING_LIMITS.maxCells.toLocaleString('en-GB')} cells and ${EMERGING_LIMITS.maxCubeBins.toLocaleString('en-GB')} cell-steps): choose larger cells, a smaller area, a shorter period or monthly steps`,
      'query.cellSize',
    );
  const counts = new Uint32Array(cells * bins);
  const totals = new Uint32Array(cells);
  for (let k = 0; k < slots.length; k++) {
    const i = slots[k]!;
    const t = Math.min(bins - 1, Math.max(0, ukBinOf(Math.min(endMs, Math.max(startMs, ix.fromMs[i]!)), step) - b0));
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((ix.lng[i]! - w) * kx) / cs)));
    const r = Math.min(rows - 1, Math.max(0, Math.floor(((ix.lat[i]! - s) * M_PER_DEG) / cs)));
    counts[t * cells + r * cols + c]!++;
    totals[r * cols + c]!++;
  }
  const result = emergingHotSpots({ counts, cols, rows, bins });
  const byPattern: Record<string, number> = {};
  for (const loc of result.locations) byPattern[loc.pattern] = (byPattern[loc.pattern] ?? 0) + 1;
  // Most telling first (pattern order: new, consecutive, intensifying … hot, then cold), strongest now first.
  const ranked = result.locations
    .slice()
    .sort((a, b) => ORDER.get(a.pattern)! - ORDER.get(b.pattern)! || Math.abs(b.z[bins - 1]!) - Math.abs(a.z[bins - 1]!))
    .slice(0, EMERGING_LIMITS.maxShown);
  const dLng = cs / kx;
  const dLat = cs / M_PER_DEG;
  const out: EmergingCell[] = ranked.map((loc) => {
    const r = Math.floor(loc.cell / cols);
    const c = loc.cell % cols;
    return {
      bounds: [round6(w + c * dLng), round6(s + r * dLat), round6(w + (c + 1) * dLng), round6(s + (r + 1) * dLat)],
      pattern: loc.pattern,
      total: totals[loc.cell]!,
      trend: { tau: round3(loc.trend.tau), z: round3(loc.trend.z), p: Number(loc.trend.p.toPrecision(3)) },
      counts: loc.counts,
      z: loc.z,
      sig: loc.sig,
    };
  });
  return {
    cells: out,
    bins: Array.from({ length: bins }, (_, t) => ukBinStart(b0 + t, step)),
    lastDay: ukDateKey(endMs),
    meta: meta(result.analysed, result.locations.length, out.length, byPattern),
  };
}
