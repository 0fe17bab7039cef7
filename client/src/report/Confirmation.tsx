import { type RefObject, useState } from 'react';
import { Link } from 'react-router-dom';
import type { ReportCreated } from '../../../shared/schemas/reports';
import { Signposts } from './Signposts';

/** Shown once after sending: the reference and passphrase, and a clear prompt to save them. */
export function Confirmation({
  created,
  headingRef,
}: {
  created: ReportCreated;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const [copied, setCopied] = useState('');

  async function handleCopy() {
    const text = `StayWatch reference: ${created.reference}\nPassphrase: ${created.passphrase}`;
    try {
      await navigator.clipboard.writeText(text);
      setCopied('Copied. Paste them somewhere safe, such as a password manager or a note only you can open.');
    } catch {
      setCopied('Could not copy automatically. Write them down or take a screenshot instead.');
    }
  }

  return (
    <div className="page narrow report-page">
      <div className="alert alert-ok confirmation-banner">
        <h1 ref={headingRef} tabIndex={-1}>
          Report sent. Thank you.
        </h1>
        <p>Police in the area will review it{created.priority === 'safeguarding' ? ' as a safeguarding priority' : ''}.</p>
      </div>
      {created.call999 && (
        <div className="alert alert-error" role="alert">
          You reported a possible emergency. If you have not called 999 yet, <a href="tel:999">call 999 now</a>.
        </div>
      )}
      <section className="card secrets" aria-labelledby="save-heading">
        <h2 id="save-heading">Save these now</h2>
        <p>
          They are shown <strong>only once</strong>. With them you can check the status, answer questions from police and add
          information, without an account. We cannot show them again or reset them.
        </p>
        <dl className="secret-list">
          <dt>Reference</dt>
          <dd data-testid="reference">{created.reference}</dd>
          <dt>Passphrase</dt>
          <dd data-testid="passphrase">{created.passphrase}</dd>
        </dl>
        <div className="button-row">
          <button type="button" className="button button-primary" onClick={handleCopy}>
            Copy reference and passphrase
          </button>
          <Link to="/follow-up" className="button">
            Follow up later
          </Link>
        </div>
        <p className="hint" aria-live="polite">
          {copied}
        </p>
      </section>
      <Signposts />
    </div>
  );
}
