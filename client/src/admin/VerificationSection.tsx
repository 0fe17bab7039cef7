import { useState } from 'react';
import type { VerificationCase, VerificationLetter, VerificationQueue } from '../../../shared/schemas/verification';
import { ApiError, api } from '../api/client';
import { useApiGet } from '../api/useApiGet';
import { useForces } from './useForces';
import { formatUkDate, formatUkDateTime } from '../../../shared/time';

const when = (iso: string | null) => (iso ? formatUkDateTime(iso) : '—');

/**
 * Owners waiting for their property to be verified, oldest request first, with what they gave as evidence: verify
 * or refuse after checking documents (the note is kept for the audit), or post a letter with a one-time code.
 */
export function VerificationSection() {
  const [version, setVersion] = useState(0);
  const { data, error, loading } = useApiGet<VerificationQueue>('/api/verification/pending?limit=50', 0, version);
  const [notice, setNotice] = useState<string | null>(null);
  const [letter, setLetter] = useState<VerificationLetter | null>(null);
  const items = data?.items ?? [];

  return (
    <div className="admin-stack">
      <h2>Owner verification</h2>
      <p className="hint">
        Only verified owners ever hear about their own property. Check the owner's documents, or post a letter with a code to the
        address and let them enter it.
      </p>
      {error && <p className="alert alert-error">{error}</p>}
      {notice && (
        <p className="alert alert-ok" role="status">
          {notice}
        </p>
      )}
      {letter && <PrintableLetter letter={letter} onClose={() => setLetter(null)} />}
      {!loading && !items.length && !error && <p className="card">No property is waiting for verification.</p>}
      <ul className="admin-cases" aria-label="Properties waiting for verification">
        {items.map((c) => (
          <CaseCard
            key={c.property.id}
            item={c}
            onLetter={setLetter}
            onDecided={(text) => {
              setNotice(text);
              setVersion((v) => v + 1);
            }}
          />
        ))}
      </ul>
      {data?.more && <p className="hint">More are waiting: decide these first.</p>}
    </div>
  );
}

function CaseCard(props: { item: VerificationCase; onLetter(l: VerificationLetter): void; onDecided(text: string): void }) {
  const { item: c } = props;
  const { nameOf } = useForces();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const noteId = `note-${c.property.id}`;

  async function handleDecide(decision: 'verified' | 'refused') {
    setError(null);
    try {
      await api('POST', `/api/properties/${c.property.id}/verification/decision`, { decision, note });
      props.onDecided(`${c.property.address}: ${decision === 'verified' ? 'verified' : 'refused'}.`);
    } catch (err) {
      setError(err instanceof ApiError ? (err.fieldErrors().note ?? err.message) : 'Could not save the decision');
    }
  }

  async function handleLetter() {
    setError(null);
    try {
      props.onLetter(await api<VerificationLetter>('POST', `/api/properties/${c.property.id}/verification/letter`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not make a letter');
    }
  }

  return (
    <li className="card admin-case">
      <h3>{c.property.address}</h3>
      <dl className="details admin-details">
        <dt>Owner</dt>
        <dd>{c.owner ? `${c.owner.name} (${c.owner.email})` : 'Account deleted'}</dd>
        <dt>Force</dt>
        <dd>{c.forceId ? nameOf(c.forceId) : 'Outside every force area'}</dd>
        <dt>Asked</dt>
        <dd>{when(c.requestedAt)}</dd>
        <dt>Owner's evidence</dt>
        <dd>{c.ownerNote ? <q>{c.ownerNote}</q> : 'None given'}</dd>
        <dt>Letters</dt>
        <dd>
          {c.letters.issued
            ? `${c.letters.issued} posted, last ${when(c.letters.lastIssuedAt)}${c.letters.outstanding ? `; code valid until ${when(c.letters.outstanding.expiresAt)}, ${c.letters.outstanding.attemptsLeft} tries left` : ''}`
            : 'None posted'}
        </dd>
      </dl>
      <div className="field">
        <label htmlFor={noteId}>What you checked, or why you refuse</label>
        <textarea id={noteId} value={note} onChange={(e) => setNote(e.target.value)} aria-invalid={!!error} rows={2} />
        {error && <p className="field-error">{error}</p>}
      </div>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={() => handleDecide('verified')}>
          Verify<span className="visually-hidden"> {c.property.address}</span>
        </button>
        <button type="button" className="button button-danger" onClick={() => handleDecide('refused')}>
          Refuse<span className="visually-hidden"> {c.property.address}</span>
        </button>
        <button type="button" className="button" onClick={handleLetter}>
          Print a letter with a code<span className="visually-hidden"> for {c.property.address}</span>
        </button>
      </div>
    </li>
  );
}

/** The letter to post, shown once (only a hash of its code is kept); printing shows the letter alone. */
function PrintableLetter({ letter, onClose }: { letter: VerificationLetter; onClose(): void }) {
  return (
    <section className="card admin-letter-box" aria-label="Letter to post">
      <p className="alert alert-warn">
        The code is shown only now. Print the letter and post it to the property; it works until {formatUkDate(letter.expiresAt)}.
      </p>
      <pre className="admin-letter" data-testid="verification-letter">
        {letter.text}
      </pre>
      <div className="button-row">
        <button type="button" className="button button-primary" onClick={() => window.print()}>
          Print letter
        </button>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
