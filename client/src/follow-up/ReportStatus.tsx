import { type FormEvent, useState } from 'react';
import { LIMITS } from '../../../shared/limits';
import type { ReportPublicView } from '../../../shared/schemas/reports';
import { formatUkDate } from '../../../shared/time';
import { ApiError } from '../api/client';
import { Field } from '../forms/Field';

/** A UK calendar day "YYYY-MM-DD" as "1 Dec 2026". */
const day = (date: string) => formatUkDate(`${date}T12:00:00Z`);

type Reply = (questionIndex: number, text: string) => Promise<void>;

/** The reporter's answer to one police question: a small form under the question. */
function ReplyForm({ id, onReply, index }: { id: string; onReply: Reply; index: number }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleSend(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!text.trim()) {
      setError('Write your answer first');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onReply(index, text.trim());
      setText('');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not send that. Please try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="reply-form" onSubmit={handleSend} noValidate>
      <Field id={id} label="Your answer" error={error}>
        {(p) => (
          <textarea {...p} rows={2} maxLength={LIMITS.addendumMax} value={text} onChange={(e) => setText(e.target.value)} />
        )}
      </Field>
      <button type="submit" className="button" disabled={busy}>
        {busy ? 'Sending…' : 'Send answer'}
      </button>
    </form>
  );
}

/**
 * A reporter's view of one report: status in plain words, each question from police with the reporter's answers
 * under it (and a form to answer when `onReply` is given), then what they added on its own.
 */
export function ReportStatus({
  report,
  headingLevel = 2,
  onReply,
}: {
  report: ReportPublicView;
  headingLevel?: 2 | 3;
  onReply?: Reply;
}) {
  const H = `h${headingLevel}` as const;
  const Sub = `h${headingLevel + 1}` as 'h3' | 'h4';
  const own = report.addenda.filter((a) => a.answers === null);
  const key = report.reference.toLowerCase();
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
        <ol className="thread questions">
          {report.questions.map((q, i) => {
            const answers = report.addenda.filter((a) => a.answers === i);
            return (
              <li key={`${q.on}:${q.text}`} aria-label={`Question ${i + 1}`}>
                <span className="hint">{day(q.on)}</span>
                <p>{q.text}</p>
                {answers.length > 0 && (
                  <ul className="thread answers" aria-label={`Your answers to question ${i + 1}`}>
                    {answers.map((a) => (
                      <li key={`${a.on}:${a.text}`}>
                        <span className="hint">Your answer, {day(a.on)}</span>
                        <p>{a.text}</p>
                      </li>
                    ))}
                  </ul>
                )}
                {onReply && <ReplyForm id={`reply-${key}-${i}`} index={i} onReply={onReply} />}
              </li>
            );
          })}
        </ol>
      )}
      {own.length > 0 && (
        <>
          <Sub>What you added</Sub>
          <ul className="thread">
            {own.map((a) => (
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
