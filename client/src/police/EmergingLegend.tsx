import { EMERGING_PATTERNS, type EmergingResult } from '../../../shared/schemas/emerging';
import { patternLabel } from './emerging-patterns';
import './analysis.css';

const km = (m: number) => (m >= 1000 ? `${Math.round(m / 100) / 10} km` : `${Math.round(m)} m`);

/** "1 Sep 2026" (weekly) or "Sep 2026" (monthly) from a bin's first day "2026-09-01". */
export function binLabel(day: string, step: 'weekly' | 'monthly'): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString('en-GB', {
    day: step === 'weekly' ? 'numeric' : undefined,
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** What the emerging layer shows: its data, or why there is none (the API's refusal, e.g. too few time steps). */
export interface EmergingState {
  data: EmergingResult | null;
  error: string | null;
  /** The cell size was fitted to the view, not chosen. */
  fitted: boolean;
}

/** The "not enough data" reason, when there is one: the API refused the period or size, or found no reports. */
export function emergingNotEnough(s: EmergingState): string | null {
  // The API refuses too few steps for a trend (and too big a cube) with a message that says what to change.
  if (s.error) return /too few/.test(s.error) ? `Not enough data for a trend here: ${s.error}` : s.error;
  if (s.data && s.data.meta.analysed === 0)
    return 'Not enough reports here to find emerging hot spots: no reports in this view and period.';
  return null;
}

/** One line for the map status. */
export function emergingStatus(s: EmergingState): string {
  const reason = emergingNotEnough(s);
  if (reason) return reason;
  if (!s.data) return '';
  const { meta, bins } = s.data;
  return `${meta.patterned.toLocaleString('en-GB')} locations with a pattern of ${meta.analysed.toLocaleString('en-GB')} analysed over ${bins.length} ${meta.step} steps (${meta.correction})`;
}

/** The emerging hot spot legend: method, scale (cell size, step, number of steps), each pattern shown, or the not-enough state. */
export function EmergingLegend({ state }: { state: EmergingState }) {
  const reason = emergingNotEnough(state);
  const { data } = state;
  if (!data && !reason) return <p className="pw-legend-method">Emerging hot spots: loading…</p>;
  return (
    <div data-testid="emerging-legend">
      <p className="pw-legend-method">{data?.meta.method ?? 'Emerging Hot Spot Analysis (space-time Gi*, Mann-Kendall)'}</p>
      {reason || !data ? (
        <p className="pw-legend-notice" role="status">
          {reason}
        </p>
      ) : (
        <>
          <p className="pw-legend-scale">
            {km(data.meta.cellSizeM)} cells{state.fitted ? ' (fitted to the view)' : ''}, {data.meta.step} steps,{' '}
            {data.bins.length} steps from {binLabel(data.bins[0]!, data.meta.step)}
            {data.lastDay ? ` to ${binLabel(data.lastDay, 'weekly')}` : ''}. Each cell and step is tested with{' '}
            {data.meta.neighbourhood}; {data.meta.correction}.
          </p>
          {data.meta.patterned === 0 ? (
            <p className="pw-legend-notice">No location shows a pattern here.</p>
          ) : (
            <ul aria-label="Patterns shown">
              {EMERGING_PATTERNS.filter((p) => data.meta.counts[p]).map((p) => (
                <li key={p}>
                  <span className={`pw-swatch pw-em-swatch pw-em-${p}`} aria-hidden="true" />
                  {patternLabel(p)} ({data.meta.counts[p]!.toLocaleString('en-GB')})
                </li>
              ))}
            </ul>
          )}
          {data.meta.shown < data.meta.patterned && (
            <p className="pw-legend-scale">
              Drawn: the {data.meta.shown.toLocaleString('en-GB')} most telling of {data.meta.patterned.toLocaleString('en-GB')}.
            </p>
          )}
        </>
      )}
    </div>
  );
}
