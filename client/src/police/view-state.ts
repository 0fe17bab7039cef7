import type { Bbox } from '../../../shared/schemas/police';
import { PROPERTY_TYPE_IDS, type PropertyType, REPORT_STATUSES, type ReportStatus } from '../../../shared/taxonomy';
import { ukDateKey, ukEndOfDay, ukStartOfDay } from '../../../shared/time';

/** Time windows offered by the slider, in days; 0 = all time. */
export const WINDOW_STOPS = [7, 30, 90, 180, 365, 0] as const;
export type WindowDays = (typeof WINDOW_STOPS)[number];
export type MapLayer = 'clusters' | 'heat' | 'hotspots' | 'emerging';
export const MAP_LAYERS: readonly MapLayer[] = ['clusters', 'heat', 'hotspots', 'emerging'];
/** Time step of the emerging hot spot layer's space-time bins. */
export type EmergingStep = 'weekly' | 'monthly';
/** Emerging hot spot cell sizes in metres; 0 = fitted to the view. */
export const EMERGING_CELL_SIZES = [0, 250, 500, 1000, 2000, 5000] as const;
export const BANDWIDTHS = [250, 500, 1000, 2000, 5000] as const;
/** 0 = from the data. */
export const CELL_SIZES = [0, 100, 250, 500, 1000, 2000] as const;

/** Everything a colleague needs to open the same view; lives in the query string. */
export interface ViewState {
  center: [number, number] | null;
  zoom: number | null;
  /** Slider window; ignored when `from`/`to` are set. */
  window: WindowDays;
  from: string | null;
  to: string | null;
  indicators: number[];
  types: PropertyType[];
  statuses: ReportStatus[];
  priority: 'safeguarding' | 'standard' | null;
  q: string;
  layer: MapLayer;
  bandwidth: number;
  cellSize: number;
  /** Emerging hot spots: weekly or monthly time steps (`step=monthly`). */
  step: EmergingStep;
  /** Emerging hot spots: cell size in metres, 0 = fitted to the view (`ecell`). */
  emergingCellSize: number;
  /** Limit the queue, charts and exports to the map view (on unless the link says `inview=0`). */
  inView: boolean;
  /** Force boundaries drawn on the map (on unless `fb=0`). */
  boundaries: boolean;
  /** police_admin only: one force (the server ignores it for officers). */
  force: string | null;
  report: string | null;
}

const list = (v: string | null) => (v ? v.split(',').filter(Boolean) : []);
const num = (v: string | null) => (v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readViewState(p: URLSearchParams): ViewState {
  const c = list(p.get('c')).map(Number);
  const windowParam = num(p.get('window'));
  const layer = p.get('layer') as MapLayer | null;
  const priority = p.get('priority');
  return {
    center: c.length === 2 && c.every(Number.isFinite) ? [c[0]!, c[1]!] : null,
    zoom: num(p.get('z')),
    window: (WINDOW_STOPS as readonly number[]).includes(windowParam ?? -1) ? (windowParam as WindowDays) : 90,
    from: DATE.test(p.get('from') ?? '') ? p.get('from') : null,
    to: DATE.test(p.get('to') ?? '') ? p.get('to') : null,
    indicators: list(p.get('indicators'))
      .map(Number)
      .filter((n) => Number.isInteger(n) && n >= 1 && n <= 18),
    types: list(p.get('types')).filter((t): t is PropertyType => (PROPERTY_TYPE_IDS as readonly string[]).includes(t)),
    statuses: list(p.get('statuses')).filter((s): s is ReportStatus => (REPORT_STATUSES as readonly string[]).includes(s)),
    priority: priority === 'safeguarding' || priority === 'standard' ? priority : null,
    q: p.get('q') ?? '',
    layer: layer && MAP_LAYERS.includes(layer) ? layer : 'clusters',
    bandwidth: num(p.get('bw')) ?? 1000,
    // 0: the cell size comes from the data.
    cellSize: num(p.get('cell')) ?? 0,
    step: p.get('step') === 'monthly' ? 'monthly' : 'weekly',
    emergingCellSize: num(p.get('ecell')) ?? 0,
    inView: p.get('inview') !== '0',
    boundaries: p.get('fb') !== '0',
    force: /^[a-z0-9-]{2,40}$/.test(p.get('force') ?? '') ? p.get('force') : null,
    report: p.get('report'),
  };
}

/** Writes only what differs from the defaults, so shared links stay short. */
export function writeViewState(v: ViewState): URLSearchParams {
  const p = new URLSearchParams();
  if (v.center) p.set('c', `${v.center[0].toFixed(5)},${v.center[1].toFixed(5)}`);
  if (v.zoom !== null) p.set('z', String(v.zoom));
  if (v.from || v.to) {
    if (v.from) p.set('from', v.from);
    if (v.to) p.set('to', v.to);
  } else if (v.window !== 90) p.set('window', String(v.window));
  if (v.indicators.length) p.set('indicators', v.indicators.join(','));
  if (v.types.length) p.set('types', v.types.join(','));
  if (v.statuses.length) p.set('statuses', v.statuses.join(','));
  if (v.priority) p.set('priority', v.priority);
  if (v.q.trim()) p.set('q', v.q.trim());
  if (v.layer !== 'clusters') p.set('layer', v.layer);
  if (v.bandwidth !== 1000) p.set('bw', String(v.bandwidth));
  if (v.cellSize !== 0) p.set('cell', String(v.cellSize));
  if (v.step !== 'weekly') p.set('step', v.step);
  if (v.emergingCellSize !== 0) p.set('ecell', String(v.emergingCellSize));
  if (!v.inView) p.set('inview', '0');
  if (!v.boundaries) p.set('fb', '0');
  if (v.force) p.set('force', v.force);
  if (v.report) p.set('report', v.report);
  return p;
}

const DAY = 86_400_000;

/** Start of the UK day `days` ago, so the window is stable within a day (and cacheable). */
function daysAgo(days: number): string {
  const today = ukStartOfDay(ukDateKey(Date.now()));
  return new Date(ukStartOfDay(ukDateKey(today - days * DAY + DAY / 2))).toISOString();
}

/** The API filter query (same on every police endpoint) for a view; bbox only when given. */
export function filterQuery(v: ViewState, bbox?: Bbox | null): URLSearchParams {
  const p = new URLSearchParams();
  if (bbox) p.set('bbox', bbox.map((x) => x.toFixed(5)).join(','));
  if (v.from || v.to) {
    // The date boxes are UK calendar days.
    if (v.from) p.set('from', new Date(ukStartOfDay(v.from)).toISOString());
    if (v.to) p.set('to', new Date(ukEndOfDay(v.to)).toISOString());
  } else if (v.window > 0) p.set('from', daysAgo(v.window));
  if (v.indicators.length) p.set('indicators', v.indicators.join(','));
  if (v.types.length) p.set('types', v.types.join(','));
  if (v.statuses.length) p.set('statuses', v.statuses.join(','));
  if (v.priority) p.set('priority', v.priority);
  if (v.q.trim()) p.set('q', v.q.trim());
  if (v.force) p.set('force', v.force);
  return p;
}

export function windowLabel(days: WindowDays): string {
  if (days === 0) return 'All time';
  if (days === 365) return 'Last 12 months';
  return `Last ${days} days`;
}

export const STATUS_LABEL: Record<ReportStatus, string> = {
  new: 'New',
  triaged: 'Triaged',
  under_investigation: 'Under investigation',
  actioned: 'Actioned',
  closed: 'Closed',
  rejected: 'Rejected',
};
