import type { ReportPublicView } from '../../../shared/schemas/reports';
import { formatUkDate } from '../../../shared/time';

/** A UK calendar day "YYYY-MM-DD" as "1 Dec 2026". */
const day = (date: string) => formatUkDate(`${date}T12:00:00Z`);

/** A reporter's view of one report: status in plain words, questions from police, what they added. */
export function ReportStatus({ report, headingLevel = 2 }: { report: ReportPublicView; headingLevel?: 2 | 3 }) {
  const H = `h${headingLevel}` as const;
  const Sub = `h${headingLevel + 1}` as 'h3' | 'h4';
  return (
    <article className="card report-status" aria-label={`Report ${report.reference}`}>
      <H className="status-head">
        <span className="mono">{report.reference}</span>
        <span className={`badge status-${report.status}`}>{report.statusText}</span>
      </H>
      <p className="hint">Sent on {day(report.createdOn)}</p>
      <Sub>Questions from police</Sub>
      {report.questions.length === 0 ? (
        <p className="hint">No questions yet.</p>
      ) : (
        <ul className="thread">
          {report.questions.map((q) => (
            <li key={`${q.on}:${q.text}`}>
              <span className="hint">{day(q.on)}</span>
              <p>{q.text}</p>
            </li>
          ))}
        </ul>
      )}
      {report.addenda.length > 0 && (
        <>
          <Sub>What you added</Sub>
          <ul className="thread">
            {report.addenda.map((a) => (
              <li key={`${a.on}:${a.text}`}>
                <span className="hint">{day(a.on)}</span>
                <p>{a.text}</p>
              </li>
            ))}
          </ul>
        </>
      )}
    </article>
  );
}
