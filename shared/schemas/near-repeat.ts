/** Near-repeat (Knox) analysis: query and the table of observed/expected pairs per distance × time band. */
import { z } from 'zod';
import { reportFilterShape } from './police';

export const NearRepeatQuery = z.strictObject({
  ...reportFilterShape,
  distanceM: z.coerce.number().int().min(10).max(2000).default(200).meta({ description: 'Width of each distance band (m)' }),
  distanceBands: z.coerce.number().int().min(1).max(10).default(4),
  days: z.coerce.number().int().min(1).max(90).default(7).meta({ description: 'Width of each time band (days)' }),
  timeBands: z.coerce.number().int().min(1).max(10).default(4),
  permutations: z.coerce.number().int().min(19).max(999).default(999),
});
export type NearRepeatQuery = z.output<typeof NearRepeatQuery>;

export const NearRepeatCell = z.object({
  /** Distance band: 0 = the same place (< 1 m), else (from, to] metres. */
  distance: z.object({ fromM: z.number(), toM: z.number(), label: z.string() }),
  /** Time band [fromDays, toDays) between the two reports. */
  time: z.object({ fromDays: z.number(), toDays: z.number(), label: z.string() }),
  observed: z.number(),
  expected: z.number(),
  /** observed / expected; null when no pairs were expected. */
  ratio: z.number().nullable(),
  p: z.number(),
  /** Benjamini–Hochberg adjusted over the table. */
  q: z.number(),
  significant: z.boolean(),
  /** The band in plain words, e.g. "Within 200 m and 7 days of a report: 2.3× more reports than chance". */
  words: z.string(),
});
export type NearRepeatCell = z.infer<typeof NearRepeatCell>;

export const NearRepeatTable = z
  .object({
    cells: z.array(NearRepeatCell),
    distanceBands: z.number(),
    timeBands: z.number(),
    summary: z.string(),
    method: z.literal('Knox test, Monte Carlo permutations of the times'),
    reports: z.number(),
    analysed: z.number(),
    pairs: z.number(),
    permutations: z.number(),
    permutationsAsked: z.number(),
    /** The analysis is bounded; each notice says what was cut and why. */
    limits: z.object({
      capped: z.boolean(),
      notices: z.array(z.string()),
      maxReports: z.number(),
      maxPairs: z.number(),
    }),
  })
  .meta({ id: 'NearRepeatTable' });
export type NearRepeatTable = z.infer<typeof NearRepeatTable>;
