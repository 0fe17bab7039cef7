/** Emerging hot spots (space-time Gi* + Mann-Kendall, Esri's patterns): query and response of GET /api/map/emerging. */
import { z } from 'zod';
import { reportFilterShape } from './police';

export const EMERGING_KINDS = [
  'new',
  'consecutive',
  'intensifying',
  'persistent',
  'diminishing',
  'sporadic',
  'oscillating',
  'historical',
] as const;
export const EMERGING_PATTERNS = [
  ...EMERGING_KINDS.map((k) => `${k}-hot` as const),
  ...EMERGING_KINDS.map((k) => `${k}-cold` as const),
] as const;
export const EmergingPatternEnum = z.enum(EMERGING_PATTERNS);
export type EmergingPatternName = z.infer<typeof EmergingPatternEnum>;

/** Work bounds: a request over these is refused with a 400 that says which limit and what to change. */
export const EMERGING_LIMITS = { maxBins: 160, maxCells: 120_000, maxCubeBins: 6_000_000, minBins: 5, maxShown: 3_000 };

export const EmergingQuery = z.strictObject({
  ...reportFilterShape,
  step: z.enum(['weekly', 'monthly']).default('weekly'),
  cellSize: z.coerce.number().min(100).max(20_000).default(500),
});
export type EmergingQuery = z.output<typeof EmergingQuery>;

export const EmergingCell = z.object({
  /** w, s, e, n of the cell. */
  bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  pattern: EmergingPatternEnum,
  /** Reports in the cell over the whole period. */
  total: z.number().int(),
  trend: z.object({ tau: z.number(), z: z.number(), p: z.number() }),
  /** Per bin, in time order (one per entry of `bins`). */
  counts: z.array(z.number().int()),
  z: z.array(z.number()),
  /** +3/+2/+1 hot at FDR-adjusted p ≤ 0.001/0.01/0.05, the same negative for cold, 0 not significant. */
  sig: z.array(z.number().int().min(-3).max(3)),
});
export type EmergingCell = z.infer<typeof EmergingCell>;

export const EmergingResult = z
  .object({
    cells: z.array(EmergingCell),
    /** First UK local day of each bin ("YYYY-MM-DD"); the last bin may be partial, up to `lastDay`. */
    bins: z.array(z.string()),
    lastDay: z.string().nullable(),
    meta: z.object({
      method: z.literal('Emerging Hot Spot Analysis (space-time Gi*, Mann-Kendall)'),
      step: z.enum(['weekly', 'monthly']),
      cellSizeM: z.number(),
      neighbourhood: z.string(),
      correction: z.string(),
      analysed: z.number().int(),
      patterned: z.number().int(),
      shown: z.number().int(),
      counts: z.record(z.string(), z.number().int()),
    }),
  })
  .meta({ id: 'EmergingResult' });
export type EmergingResult = z.infer<typeof EmergingResult>;
