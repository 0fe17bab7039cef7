import { useId } from 'react';
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
      <svg viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-labelledby={titleId} preserveAspectRatio="none">
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
        <text x="0" y={height + 14} className="pw-axis">
          {days[0]!.date}
        </text>
        <text x={width} y={height + 14} textAnchor="end" className="pw-axis">
          {days.at(-1)!.date}
        </text>
      </svg>
      <figcaption className="hint">
        {Math.round(total)} reports; peak {Math.round(max)} on {busiest.date}.
      </figcaption>
    </figure>
  );
}

/** Hour × weekday heat grid (SVG, decorative for screen readers) plus the same numbers as a table on demand. */
export function HourWeekdayMatrix({ matrix }: { matrix: number[][] }) {
  const max = Math.max(0.0001, ...matrix.flat());
  const cell = 22;
  const left = 34;
  const top = 14;
  return (
    <figure className="pw-chart">
      <svg viewBox={`0 0 ${left + 24 * cell} ${top + 7 * cell}`} aria-hidden="true" className="pw-matrix">
        {[0, 6, 12, 18].map((h) => (
          <text key={h} x={left + h * cell} y={10} className="pw-axis">
            {String(h).padStart(2, '0')}
          </text>
        ))}
        {WEEKDAYS.map((day, r) => (
          <g key={day}>
            <text x={0} y={top + r * cell + 15} className="pw-axis">
              {day.slice(0, 3)}
            </text>
            {HOURS.map((h) => {
              const v = matrix[r]?.[h] ?? 0;
              return (
                <rect
                  key={h}
                  x={left + h * cell}
                  y={top + r * cell}
                  width={cell - 2}
                  height={cell - 2}
                  rx={3}
                  fill="var(--c-primary)"
                  fillOpacity={0.06 + 0.94 * (v / max)}
                />
              );
            })}
          </g>
        ))}
      </svg>
      <figcaption className="hint">
        Darker = more reports observed in that hour (UTC), observation windows spread evenly.
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
