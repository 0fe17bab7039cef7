import { useId } from 'react';
import type { EmergingCell, EmergingResult } from '../../../shared/schemas/emerging';
import { binLabel } from './EmergingLegend';
import { patternLabel, patternMeaning } from './emerging-patterns';
import './analysis.css';

type Step = EmergingResult['meta']['step'];

/** A bin's significance in words: ±3 / ±2 / ±1 are FDR-adjusted p ≤ 0.001 / 0.01 / 0.05. */
export function significanceWords(sig: number): string {
  if (sig === 0) return 'not significant';
  const p = Math.abs(sig) === 3 ? '0.001' : Math.abs(sig) === 2 ? '0.01' : '0.05';
  return `${sig > 0 ? 'hot' : 'cold'} spot (p ≤ ${p})`;
}

/** The Mann-Kendall trend of the location's Gi* z-scores, in words. */
export function trendWords(trend: EmergingCell['trend']): string {
  const numbers = `Kendall's τ = ${trend.tau.toFixed(2)}, p = ${trend.p < 0.001 ? '< 0.001' : trend.p.toFixed(3)}`;
  if (trend.p > 0.05 || trend.tau === 0) return `Mann-Kendall trend of the Gi* z-scores: no significant trend (${numbers}).`;
  return `Mann-Kendall trend of the Gi* z-scores: ${trend.tau > 0 ? 'rising, clustering grows over time' : 'falling, clustering fades over time'} (${numbers}).`;
}

const unit = (step: Step) => (step === 'weekly' ? 'week' : 'month');

/** One line per location for the list: its rank, pattern and reports. */
function optionLabel(cell: EmergingCell, k: number): string {
  return `${k + 1}. ${patternLabel(cell.pattern)}, ${cell.total.toLocaleString('en-GB')} reports`;
}

/**
 * The emerging hot spot locations: a list to pick one from (the keyboard way; a click on the map picks too), and the
 * picked location's time series: the Gi* z per step as an SVG bar chart, the same as a table, and the trend in words.
 */
export function EmergingPanel({
  data,
  selected,
  onSelect,
}: {
  data: EmergingResult | null;
  selected: number | null;
  onSelect: (index: number | null) => void;
}) {
  const cells = data?.cells ?? [];
  const cell = selected === null ? null : (cells[selected] ?? null);
  return (
    <section className="card pw-emerging" aria-labelledby="pw-emerging-title" data-testid="emerging-panel">
      <h2 id="pw-emerging-title">Emerging hot spot locations</h2>
      {!data || cells.length === 0 ? (
        <p className="hint">No location with a pattern to show.</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor="pw-em-location">Location (or select a cell on the map)</label>
            <select
              id="pw-em-location"
              value={selected === null ? '' : String(selected)}
              onChange={(e) => onSelect(e.target.value === '' ? null : Number(e.target.value))}
            >
              <option value="">Choose a location…</option>
              {cells.map((c, k) => (
                <option key={c.bounds.join(',')} value={k}>
                  {optionLabel(c, k)}
                </option>
              ))}
            </select>
          </div>
          {cell && <EmergingSeries cell={cell} bins={data.bins} step={data.meta.step} />}
        </>
      )}
    </section>
  );
}

/** One location's series: pattern and meaning, Gi* z per step (bars coloured by significance), table, trend. */
export function EmergingSeries({ cell, bins, step }: { cell: EmergingCell; bins: string[]; step: Step }) {
  const titleId = useId();
  const width = 600;
  const height = 140;
  // The zero line sits where the range of z puts it (a location never cold gets the whole height above it).
  const top = Math.max(0, ...cell.z);
  const bottom = Math.max(0, ...cell.z.map((z) => -z));
  const span = Math.max(3, top + bottom);
  const mid = 2 + ((height - 4) * top) / span;
  const barW = width / Math.max(1, cell.z.length);
  const hot = cell.sig.filter((s) => s > 0).length;
  const cold = cell.sig.filter((s) => s < 0).length;
  const [w, s, e, n] = cell.bounds;
  const centre = `${((s + n) / 2).toFixed(4)}, ${((w + e) / 2).toFixed(4)}`;
  return (
    <div className="pw-em-series" data-testid="emerging-series">
      <h3>
        <span className={`pw-swatch pw-em-swatch pw-em-${cell.pattern}`} aria-hidden="true" /> {patternLabel(cell.pattern)}
      </h3>
      <p className="pw-em-meaning">
        {patternLabel(cell.pattern)}: {patternMeaning(cell.pattern, step)}. {cell.total.toLocaleString('en-GB')} reports in
        this cell (centre {centre}); significant hot in {hot} and cold in {cold} of {cell.z.length} {unit(step)}s.
      </p>
      <figure className="pw-chart pw-em-chart">
        <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId} preserveAspectRatio="none">
          <title id={titleId}>
            {`Gi* z-score per ${unit(step)} from ${binLabel(bins[0]!, step)} to ${binLabel(bins.at(-1)!, step)}: lowest ${Math.min(...cell.z).toFixed(1)}, highest ${Math.max(...cell.z).toFixed(1)}, latest ${cell.z.at(-1)!.toFixed(1)}`}
          </title>
          <line x1="0" y1={mid} x2={width} y2={mid} className="pw-em-zero" />
          {cell.z.map((z, t) => {
            const h = (Math.abs(z) / span) * (height - 4);
            const sig = cell.sig[t]!;
            return (
              <rect
                key={bins[t]}
                x={t * barW + barW * 0.12}
                y={z >= 0 ? mid - h : mid}
                width={Math.max(barW * 0.76, 0.5)}
                height={Math.max(h, 0.5)}
                className={sig > 0 ? 'pw-em-bar-hot' : sig < 0 ? 'pw-em-bar-cold' : 'pw-em-bar-ns'}
              >
                <title>{`${binLabel(bins[t]!, step)}: z = ${z.toFixed(2)}, ${cell.counts[t]} reports, ${significanceWords(sig)}`}</title>
              </rect>
            );
          })}
        </svg>
        <div className="pw-axis-row" aria-hidden="true">
          <span className="pw-axis">{binLabel(bins[0]!, step)}</span>
          <span className="pw-axis">{binLabel(bins.at(-1)!, step)}</span>
        </div>
        <figcaption className="hint">
          Bars: Gi* z-score per {unit(step)} (above the line more reports around the cell than the average, below fewer);
          red significant hot, blue significant cold, grey not significant.
        </figcaption>
      </figure>
      <p className="pw-em-trend" data-testid="emerging-trend">
        {trendWords(cell.trend)}
      </p>
      <details>
        <summary>Show as a table</summary>
        <div className="pw-scroll">
          <table className="table pw-em-table">
            <caption className="visually-hidden">
              {patternLabel(cell.pattern)}: reports, Gi* z-score and significance per {unit(step)}
            </caption>
            <thead>
              <tr>
                <th scope="col">{step === 'weekly' ? 'Week from' : 'Month'}</th>
                <th scope="col">Reports</th>
                <th scope="col">Gi* z</th>
                <th scope="col">Significance</th>
              </tr>
            </thead>
            <tbody>
              {cell.z.map((z, t) => (
                <tr key={bins[t]}>
                  <th scope="row">{binLabel(bins[t]!, step)}</th>
                  <td>{cell.counts[t]}</td>
                  <td>{z.toFixed(2)}</td>
                  <td>{significanceWords(cell.sig[t]!)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
