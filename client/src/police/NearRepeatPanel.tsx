import { useState } from 'react';
import type { NearRepeatTable } from '../../../shared/schemas/near-repeat';
import { useApiGet } from '../api/useApiGet';
import './analysis.css';

const DISTANCES = [100, 200, 400] as const;
const DAYS = [7, 14, 28] as const;
const fmt = (x: number) => x.toLocaleString('en-GB');

/**
 * Near-repeat significance (Knox test, as Ratcliffe's Near Repeat Calculator): how many more reports than chance
 * follow a report within each distance × time band. `query` is the workspace's filter query; null waits.
 */
export function NearRepeatPanel({ query }: { query: string | null }) {
  const [distanceM, setDistanceM] = useState<number>(200);
  const [days, setDays] = useState<number>(7);
  const table = useApiGet<NearRepeatTable>(
    query === null ? null : `/api/map/near-repeat?${query}${query ? '&' : ''}distanceM=${distanceM}&days=${days}`,
    400,
  );
  return (
    <>
      <div className="pw-knox-controls">
        <div className="field">
          <label htmlFor="pw-knox-d">Distance band</label>
          <select id="pw-knox-d" value={distanceM} onChange={(e) => setDistanceM(Number(e.target.value))}>
            {DISTANCES.map((d) => (
              <option key={d} value={d}>
                {d} m
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="pw-knox-t">Time band</label>
          <select id="pw-knox-t" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {DAYS.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </div>
      </div>
      {table.error ? (
        <p className="hint">{table.error}</p>
      ) : !table.data ? (
        <p className="hint">Loading…</p>
      ) : (
        <KnoxTable data={table.data} loading={table.loading} />
      )}
    </>
  );
}

function KnoxTable({ data, loading }: { data: NearRepeatTable; loading: boolean }) {
  const rows = data.distanceBands + 1;
  const cols = data.timeBands;
  const cell = (r: number, c: number) => data.cells[r * cols + c]!;
  const found = data.cells.filter((x) => x.significant);
  return (
    <div data-testid="near-repeat" aria-busy={loading}>
      <p className="pw-knox-summary">{data.summary}</p>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable from the keyboard */}
      <section className="pw-scroll" tabIndex={0} aria-label="Near-repeat table">
        <table className="table pw-knox-table">
          <caption className="visually-hidden">
            Observed ÷ expected pairs of reports by distance (rows) and time apart (columns); ★ more than chance
          </caption>
          <thead>
            <tr>
              <th scope="col">Distance</th>
              {Array.from({ length: cols }, (_, c) => (
                <th key={cell(0, c).time.label} scope="col">
                  {cell(0, c).time.label.replace('within ', '≤ ').replace(' apart', '')}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: rows }, (_, r) => (
              <tr key={cell(r, 0).distance.label}>
                <th scope="row">{cell(r, 0).distance.label.replace('within ', '≤ ').replace(' away', '')}</th>
                {Array.from({ length: cols }, (_, c) => {
                  const x = cell(r, c);
                  return (
                    <td key={x.time.label} className={x.significant ? 'pw-knox-sig' : undefined} title={x.words}>
                      {x.ratio === null ? '–' : `${x.ratio.toFixed(1)}×`}
                      {x.significant && (
                        <>
                          {' ★'}
                          <span className="visually-hidden"> more than chance</span>
                        </>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {found.length > 0 && (
        <ul className="pw-knox-findings">
          {found.map((x) => (
            <li key={`${x.distance.label}|${x.time.label}`}>{x.words}</li>
          ))}
        </ul>
      )}
      <p className="hint">
        Knox test: {data.permutations} random reshuffles of the report times; p-values corrected over the {data.cells.length}{' '}
        bands (false discovery rate 5 %). {fmt(data.analysed)} reports, {fmt(data.pairs)} pairs close in space.
      </p>
      {data.limits.notices.map((n) => (
        <p key={n} className="pw-legend-notice" role="note">
          {n}
        </p>
      ))}
    </div>
  );
}
