import type { EMERGING_KINDS, EmergingPatternName } from '../../../shared/schemas/emerging';
import type { Bbox } from '../../../shared/schemas/police';

type Kind = (typeof EMERGING_KINDS)[number];

/**
 * How each pattern is drawn: eight reds for hot, eight blues for cold, from dark (new, what needs looking at first) to
 * pale (historical), with a dashed outline on the on-and-off kinds (sporadic, oscillating) and a dotted one on
 * historical, so neighbouring shades differ by more than colour. Leaflet writes these as SVG attributes (not inline
 * styles, which the CSP refuses); the legend's swatches use the matching `pw-em-<pattern>` classes in analysis.css.
 */
const HOT: Record<Kind, string> = {
  new: '#67000d',
  consecutive: '#a50f15',
  intensifying: '#d7301f',
  persistent: '#ef3b2c',
  diminishing: '#fc8d59',
  sporadic: '#e7298a',
  oscillating: '#fdae6b',
  historical: '#fcbba1',
};
const COLD: Record<Kind, string> = {
  new: '#08306b',
  consecutive: '#08519c',
  intensifying: '#2171b5',
  persistent: '#4292c6',
  diminishing: '#6baed6',
  sporadic: '#6a51a3',
  oscillating: '#9ecae1',
  historical: '#c6dbef',
};
const DASH: Partial<Record<Kind, string>> = { sporadic: '4 3', oscillating: '4 3', historical: '1 3' };

export interface PatternStyle {
  fill: string;
  stroke: string;
  dashArray: string | null;
}

const kindOf = (p: EmergingPatternName) => p.replace(/-(hot|cold)$/, '') as Kind;
const isHot = (p: EmergingPatternName) => p.endsWith('-hot');

export function patternStyle(p: EmergingPatternName): PatternStyle {
  const k = kindOf(p);
  return { fill: (isHot(p) ? HOT : COLD)[k], stroke: isHot(p) ? '#4d0008' : '#041f42', dashArray: DASH[k] ?? null };
}

/** "New hot spot", "Historical cold spot". */
export function patternLabel(p: EmergingPatternName): string {
  const k = kindOf(p);
  return `${k[0]!.toUpperCase()}${k.slice(1)} ${isHot(p) ? 'hot' : 'cold'} spot`;
}

/** Esri's definition of each pattern, in plain words (see server/map/analytics/emerging/classify.ts). */
export function patternMeaning(p: EmergingPatternName, step: 'weekly' | 'monthly'): string {
  const side = isHot(p) ? 'hot' : 'cold';
  const other = isHot(p) ? 'cold' : 'hot';
  const unit = step === 'weekly' ? 'week' : 'month';
  switch (kindOf(p)) {
    case 'new':
      return `a significant ${side} spot in the latest ${unit} for the first time`;
    case 'consecutive':
      return `a ${side} spot in an unbroken run of ${unit}s up to the latest, never before that run`;
    case 'intensifying':
      return `a ${side} spot in at least 90 % of ${unit}s, including the latest, and getting ${isHot(p) ? 'hotter' : 'colder'}`;
    case 'persistent':
      return `a ${side} spot in at least 90 % of ${unit}s, including the latest, with no clear trend`;
    case 'diminishing':
      return `a ${side} spot in at least 90 % of ${unit}s, including the latest, and getting less ${side}`;
    case 'sporadic':
      return `a ${side} spot in the latest ${unit}, on and off before, never a ${other} spot`;
    case 'oscillating':
      return `a ${side} spot in the latest ${unit} that was a significant ${other} spot before`;
    case 'historical':
      return `a ${side} spot in at least 90 % of ${unit}s, but not in the latest`;
  }
}

const M_PER_DEG_LAT = 110_574;
const mPerDegLng = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);
/** Sizes the view-fitted cell size is chosen from, smallest first. */
const FIT_SIZES = [250, 500, 1000, 2000, 5000, 10_000, 20_000];
/** At most this many cells in the view: a readable map, and well inside the API's limits at 160 steps. */
export const FIT_MAX_CELLS = 20_000;

/** The smallest cell size that puts at most FIT_MAX_CELLS cells over the view. */
export function fitEmergingCellSize(bbox: Bbox): number {
  const [w, s, e, n] = bbox;
  const widthM = Math.max(1, (e - w) * mPerDegLng((s + n) / 2));
  const heightM = Math.max(1, (n - s) * M_PER_DEG_LAT);
  return FIT_SIZES.find((cs) => Math.ceil(widthM / cs) * Math.ceil(heightM / cs) <= FIT_MAX_CELLS) ?? FIT_SIZES.at(-1)!;
}
