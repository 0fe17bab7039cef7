import { type FormEvent, useRef, useState } from 'react';
import { LIMITS } from '../../../shared/limits';
import { AddendumBody, FollowUpBody, type ReportPublicView } from '../../../shared/schemas/reports';
import { ApiError, api } from '../api/client';
import { Field } from '../forms/Field';
import { Signposts } from '../report/Signposts';
import '../report/report.css';
import { ReportStatus } from './ReportStatus';

function firstErrors(issues: Array<{ path: PropertyKey[]; message: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues) out[String(i.path[0] ?? 'form')] ??= i.message;
  return out;
}

/** Follow up a report without an account: reference + passphrase → status, questions, add information. */
export function FollowUpPage() {
  const [creds, setCreds] = useState({ reference: '', passphrase: '' });
  const [report, setReport] = useState<ReportPublicView | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const resultRef = useRef<HTMLHeadingElement>(null);

  async function handleLookUp(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFailure(null);
    const parsed = FollowUpBody.safeParse(creds);
    if (!parsed.success) {
      setErrors(firstErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      setReport(await api<ReportPublicView>('POST', '/api/reports/follow-up', parsed.data));
      requestAnimationFrame(() => resultRef.current?.focus());
    } catch (err) {
      setReport(null);
      setFailure(
        err instanceof ApiError && err.status === 404
          ? 'No report matches that reference and passphrase. Check both and try again.'
          : err instanceof ApiError
            ? err.message
            : 'Something went wrong.',
      );
    } finally {
      setBusy(false);
    }
  }

  /** An answer to police question `index`, filed under it. */
  async function handleReply(index: number, answer: string) {
    const body = AddendumBody.parse({ ...creds, text: answer, answers: index });
    setReport(await api<ReportPublicView>('POST', '/api/reports/follow-up/addendum', body));
  }

  async function handleAdd(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setNotice('');
    const parsed = AddendumBody.safeParse({ ...creds, text });
    if (!parsed.success) {
      setErrors(firstErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      setReport(await api<ReportPublicView>('POST', '/api/reports/follow-up/addendum', parsed.data));
      setText('');
      setNotice('Added. Police will see it with your report.');
    } catch (err) {
      setNotice(err instanceof ApiError ? err.message : 'Could not add that. Please try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page narrow report-page">
      <h1>Follow up a report</h1>
      <p>Use the reference and passphrase you were given when you sent the report.</p>
      <form className="form card" onSubmit={handleLookUp} noValidate>
        {failure && (
          <div className="alert alert-error" role="alert">
            {failure}
          </div>
        )}
        <Field
          id="reference"
          label="Reference"
          error={errors.reference}
          hint="Like SW-7K3P-9QXD. Any case; spaces instead of hyphens are fine."
        >
          {(p) => (
            <input
              {...p}
              type="text"
              autoComplete="off"
              autoCapitalize="characters"
              spellCheck={false}
              value={creds.reference}
              onChange={(e) => setCreds({ ...creds, reference: e.target.value })}
            />
          )}
        </Field>
        <Field
          id="passphrase"
          label="Passphrase"
          error={errors.passphrase}
          hint="The words and characters you were given, in any case."
        >
          {(p) => (
            <input
              {...p}
              type="text"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              value={creds.passphrase}
              onChange={(e) => setCreds({ ...creds, passphrase: e.target.value })}
            />
          )}
        </Field>
        <button type="submit" className="button button-primary" disabled={busy}>
          Show my report
        </button>
      </form>

      {report && (
        <section aria-labelledby="result-heading">
          <h2 id="result-heading" ref={resultRef} tabIndex={-1}>
            Your report
          </h2>
          <ReportStatus report={report} headingLevel={3} onReply={handleReply} />
          <form className="form card" onSubmit={handleAdd} noValidate>
            <div className="field">
              <label htmlFor="addendum">Add information or answer a question</label>
              <textarea
                id="addendum"
                rows={4}
                value={text}
                aria-invalid={errors.text ? true : undefined}
                aria-describedby={`addendum-count${errors.text ? ' addendum-error' : ''}`}
                onChange={(e) => setText(e.target.value)}
              />
              <p className="hint" id="addendum-count" aria-live="polite">
                {text.length} of {LIMITS.addendumMax} characters
              </p>
              {errors.text && (
                <p className="field-error" id="addendum-error">
                  {errors.text}
                </p>
              )}
            </div>
            <button type="submit" className="button" disabled={busy}>
              Add to my report
            </button>
            <p className="hint" aria-live="polite">
              {notice}
            </p>
          </form>
        </section>
      )}
      <Signposts />
    </div>
  );
}
