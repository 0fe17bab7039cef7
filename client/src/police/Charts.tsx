import { Fragment, useId } from 'react';
import type { Timeline } from '../../../shared/schemas/police';

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Reports per day as a simple SVG bar chart, with the busiest day and total in words. */
export function TimelineChart({ days: sparse }: { days: Timeline['days'] }) {
  const titleId = useId();
  const days = fillDays(sparse);
  if (!days.length) return <p className="hint">No reports in this window.</p>;
  const max = Math.max(1, ...days.map((d) => d.count));
  const total = days.reduce((n, d) => n + d.count, 0);
  const busiest = days.reduce((a, b) => (b.count > a.count ? b : a));
  const width = 600;
  const height = 120;
  const barW = width / days.length;
  return (
    <figure className="pw-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={titleId} preserveAspectRatio="none">
        <title id={titleId}>
          {`Reports per day from ${days[0]!.date} to ${days.at(-1)!.date}: ${Math.round(total)} in total, busiest ${busiest.date} with ${Math.round(busiest.count)}`}
        </title>
        <line x1="0" y1={height} x2={width} y2={height} stroke="var(--c-border)" />
        {days.map((d, i) => {
          const h = (d.count / max) * (height - 4);
          return (
            <rect
              key={d.date}
              x={i * barW + barW * 0.1}
              y={height - h}
              width={Math.max(barW * 0.8, 0.5)}
              height={h}
              fill="var(--c-primary)"
            >
              <title>{`${d.date}: ${Math.round(d.count)}`}</title>
            </rect>
          );
        })}
      </svg>
      {/* Axis labels in HTML: text inside the stretched SVG would be squeezed to a few pixels. */}
      <div className="pw-axis-row" aria-hidden="true">
        <span className="pw-axis">{formatDay(days[0]!.date)}</span>
        <span className="pw-axis">{formatDay(days.at(-1)!.date)}</span>
      </div>
      <figcaption className="hint">
        {Math.round(total)} reports; peak {Math.round(max)} on {busiest.date}.
      </figcaption>
    </figure>
  );
}

/** Hour × weekday heat grid (SVG, decorative for screen readers) plus the same numbers as a table on demand. */
export function HourWeekdayMatrix({ matrix }: { matrix: number[][] }) {
  const max = Math.max(0.0001, ...matrix.flat());
  return (
    <figure className="pw-chart">
      {/* An HTML grid, so its labels keep the page's text size at any width (an SVG would scale them down). */}
      <div className="pw-matrix" aria-hidden="true">
        <span />
        {HOURS.map((h) => (
          <span key={h} className="pw-axis pw-matrix-hour">
            {h % 6 === 0 ? String(h).padStart(2, '0') : ''}
          </span>
        ))}
        {WEEKDAYS.map((day, r) => (
          <Fragment key={day}>
            <span className="pw-axis">{day.slice(0, 3)}</span>
            {HOURS.map((h) => (
              <span key={h} className={`pw-matrix-cell pw-shade-${shade((matrix[r]?.[h] ?? 0) / max)}`} />
            ))}
          </Fragment>
        ))}
      </div>
      <figcaption className="hint">
        Darker = more reports observed in that hour (UK time), observation windows spread evenly.
      </figcaption>
      <details>
        <summary>Show as a table</summary>
        <div className="pw-scroll">
          <table className="table pw-matrix-table">
            <caption className="visually-hidden">Reports by weekday and hour</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {HOURS.map((h) => (
                  <th scope="col" key={h}>
                    {String(h).padStart(2, '0')}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {WEEKDAYS.map((day, r) => (
                <tr key={day}>
                  <th scope="row">{day}</th>
                  {HOURS.map((h) => (
                    <td key={h}>{(matrix[r]?.[h] ?? 0).toFixed(1)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** 0–9: a share of the busiest hour as one of ten shades (classes, since the CSP forbids inline styles). */
const shade = (share: number) => Math.min(9, Math.max(0, Math.ceil(share * 9)));

/** "3 Sep 2026" from "2026-09-03". */
function formatDay(date: string): string {
  return new Date(`${date.slice(0, 10)}T12:00:00Z`).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** Every day from the first to the last, zeros included, so bar spacing is true to time. */
function fillDays(days: Timeline['days']): Timeline['days'] {
  if (days.length < 2) return days;
  const counts = new Map(days.map((d) => [d.date.slice(0, 10), d.count]));
  const sorted = [...counts.keys()].sort();
  const out: Timeline['days'] = [];
  const end = Date.parse(`${sorted.at(-1)}T00:00:00Z`);
  for (let t = Date.parse(`${sorted[0]}T00:00:00Z`); t <= end && out.length < 4000; t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    out.push({ date, count: counts.get(date) ?? 0 });
  }
  return out;
}
