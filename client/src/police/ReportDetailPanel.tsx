import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { UserView } from '../../../shared/schemas/auth';
import type { ReportDetail, ReportList, ReportPatch, ReportSummary } from '../../../shared/schemas/police';
import type { OwnerNoticePreview, VerificationLetter, VerificationStatus } from '../../../shared/schemas/verification';
import { indicatorById, PROPERTY_TYPES, REPORTER_ROLES, type ReportStatus } from '../../../shared/taxonomy';
import { ApiError, api } from '../api/client';
import { ActionNotice, actionOf, type Notice } from './ActionNotice';
import { EntityLinks } from '../entities/EntityLinks';
import { formatDateTime, PriorityBadge, StatusBadge } from './badges';
import { AssignForm, PriorityForm } from './OfficerActions';
import { STATUS_LABEL } from './view-state';

const TYPE_LABEL = Object.fromEntries(PROPERTY_TYPES.map((t) => [t.id, t.label]));
const ROLE_LABEL = Object.fromEntries(REPORTER_ROLES.map((r) => [r.id, r.label]));
const OBJECT_ID = /^[a-f0-9]{24}$/i;
const VERIFICATION_TEXT: Record<VerificationStatus, string> = {
  unverified: 'owner not verified',
  pending: 'owner verification pending',
  verified: 'verified owner',
  refused: 'owner verification refused',
};

/** "1 verified owner will be told; 2 unverified owners will not (1 pending, 1 refused)." */
function ownerNoticeText(o: OwnerNoticePreview['owners']): string {
  const noun = (n: number) => (n === 1 ? 'owner' : 'owners');
  const notTold = o.unverified + o.pending + o.refused;
  if (o.verified === 0 && notTold === 0) return 'No owner has a confirmed alert for this property: nobody will be told.';
  const told = o.verified === 0 ? 'No verified owner will be told' : `${o.verified} verified ${noun(o.verified)} will be told`;
  if (notTold === 0) return `${told}.`;
  const why = [o.pending ? `${o.pending} pending` : '', o.refused ? `${o.refused} refused` : ''].filter(Boolean).join(', ');
  return `${told}; ${notTold} unverified ${noun(notTold)} will not${why ? ` (${why})` : ''}.`;
}

/** One report with everything police may see, and the triage actions the server allows. */
export function ReportDetailPanel({
  id,
  me,
  onClose,
  onChanged,
  onOpen,
  onLoaded,
}: {
  id: string;
  me: UserView;
  onClose: () => void;
  onChanged: () => void;
  onOpen: (id: string) => void;
  onLoaded?: (detail: ReportDetail | null) => void;
}) {
  const [detail, setDetail] = useState<ReportDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmAlert, setConfirmAlert] = useState(false);
  const [noticePreview, setNoticePreview] = useState<OwnerNoticePreview | null>(null);
  const [letter, setLetter] = useState<VerificationLetter | null>(null);
  const [sameAddress, setSameAddress] = useState<ReportSummary[]>([]);
  const onLoadedRef = useRef(onLoaded);
  onLoadedRef.current = onLoaded;

  useEffect(() => {
    onLoadedRef.current?.(detail);
  }, [detail]);

  // Move focus (and, on a phone, the page) to the report once it has loaded.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const loadedId = detail?.id;
  useEffect(() => {
    if (loadedId) headingRef.current?.focus();
  }, [loadedId]);

  // Other reports at the same address: the usual candidates for linking.
  const address = detail?.address ?? null;
  useEffect(() => {
    setSameAddress([]);
    if (!address) return;
    const controller = new AbortController();
    api<ReportList>('GET', `/api/reports?q=${encodeURIComponent(address)}&limit=20`, undefined, controller.signal)
      .then((list) => setSameAddress(list.items))
      .catch(() => undefined);
    return () => controller.abort();
  }, [address]);

  // Before a release: who would be told (verified owners) and who not.
  const releasing = confirmAlert && detail?.ownerAlert !== 'released';
  useEffect(() => {
    setNoticePreview(null);
    if (!releasing) return;
    const controller = new AbortController();
    api<OwnerNoticePreview>('GET', `/api/reports/${encodeURIComponent(id)}/owner-notice`, undefined, controller.signal)
      .then(setNoticePreview)
      .catch(() => undefined);
    return () => controller.abort();
  }, [id, releasing]);

  useEffect(() => {
    const controller = new AbortController();
    setLetter(null);
    setDetail(null);
    setError(null);
    setNotice(null);
    setConfirmAlert(false);
    api<ReportDetail>('GET', `/api/reports/${encodeURIComponent(id)}`, undefined, controller.signal)
      .then(setDetail)
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(err instanceof ApiError ? err.message : 'Could not load the report');
      });
    return () => controller.abort();
  }, [id]);

  async function patch(body: ReportPatch, done: string): Promise<boolean> {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      setDetail(await api<ReportDetail>('PATCH', `/api/reports/${encodeURIComponent(id)}`, body));
      setNotice({ text: done, at: actionOf(body) });
      onChanged();
      return true;
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 409
          ? 'That change is no longer possible: someone may have updated this report. It has been reloaded.'
          : err instanceof ApiError
            ? err.message
            : 'The change failed',
      );
      if (err instanceof ApiError && err.status === 409) {
        api<ReportDetail>('GET', `/api/reports/${encodeURIComponent(id)}`).then(setDetail, () => undefined);
      }
      return false;
    } finally {
      setBusy(false);
    }
  }

  function textForm(field: 'note' | 'question', done: string) {
    return async (e: FormEvent<HTMLFormElement>) => {
      e.preventDefault();
      const form = e.currentTarget;
      const text = String(new FormData(form).get(field) ?? '').trim();
      if (!text) return;
      if (await patch({ [field]: text }, done)) form.reset();
    };
  }
  const handleAddNote = textForm('note', 'Note added.');
  const handleAskQuestion = textForm('question', 'Question sent to the reporter.');

  async function handleStatus(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const status = String(data.get('status') ?? '') as ReportStatus;
    const note = String(data.get('statusNote') ?? '').trim();
    if (!status) return;
    if (await patch({ status, ...(note ? { statusNote: note } : {}) }, `Status changed to ${STATUS_LABEL[status]}.`))
      form.reset();
  }

  async function handleLetter() {
    if (!detail?.suggestedProperty) return;
    setBusy(true);
    setError(null);
    try {
      setLetter(await api<VerificationLetter>('POST', `/api/properties/${detail.suggestedProperty.id}/verification/letter`));
      api<ReportDetail>('GET', `/api/reports/${encodeURIComponent(id)}`).then(setDetail, () => undefined);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not make the letter');
    } finally {
      setBusy(false);
    }
  }

  async function handleLink(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const ref = String(new FormData(form).get('link') ?? '').trim();
    if (!ref) return;
    const byReference = sameAddress.find((r) => r.reference.toLowerCase() === ref.toLowerCase());
    const target = OBJECT_ID.test(ref) ? ref : byReference?.id;
    if (!target) {
      setError(`“${ref}” is not a report id or the reference of a report at this address.`);
      return;
    }
    if (await patch({ link: target }, 'Reports linked.')) form.reset();
  }

  if (error && !detail) {
    return (
      <section className="pw-detail card" aria-label="Report detail">
        <button type="button" className="button button-quiet pw-small" onClick={onClose}>
          ← Back to queue
        </button>
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      </section>
    );
  }
  if (!detail) {
    return (
      <section className="pw-detail card" aria-label="Report detail" aria-busy="true">
        <p>Loading report…</p>
      </section>
    );
  }

  const sg = detail.priority === 'safeguarding';
  const released = detail.ownerAlert === 'released';
  const assignedToMe = detail.assignedTo?.id === me.id;
  const linkedIds = new Set(detail.linkedReports.map((l) => l.id));
  const candidates = sameAddress.filter((r) => r.id !== detail.id && !linkedIds.has(r.id) && r.address === detail.address);

  return (
    <section className="pw-detail card" aria-labelledby="pw-detail-title">
      <div className="pw-section-head">
        <button type="button" className="button button-quiet pw-small" onClick={onClose}>
          ← Back to queue
        </button>
      </div>
      <h2 id="pw-detail-title" tabIndex={-1} ref={headingRef}>
        Report {detail.reference}
      </h2>
      <p className="pw-badges">
        <PriorityBadge priority={detail.priority} /> <StatusBadge status={detail.status} />{' '}
        <span className="badge">{released ? 'Owner alert released' : 'Owner alert withheld'}</span>
      </p>
      <div aria-live="polite">
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
      </div>

      <dl className="details pw-details">
        <dt>Location</dt>
        <dd>
          {detail.address ?? 'No address given'} ({detail.lat.toFixed(5)}, {detail.lng.toFixed(5)})
        </dd>
        <dt>Property</dt>
        <dd>{TYPE_LABEL[detail.propertyType]}</dd>
        <dt>Observed</dt>
        <dd>
          {formatDateTime(detail.observedFrom)} – {formatDateTime(detail.observedTo)}
        </dd>
        <dt>Received</dt>
        <dd>{formatDateTime(detail.createdAt)}</dd>
        <dt>Reporter</dt>
        <dd>{ROLE_LABEL[detail.reporterRole] ?? detail.reporterRole}</dd>
        <dt>Contact</dt>
        <dd>
          {detail.contact
            ? [detail.contact.name, detail.contact.phone, detail.contact.email].filter(Boolean).join(' · ')
            : 'Anonymous (no contact details)'}
        </dd>
        {detail.listingUrl && (
          <>
            <dt>Listing</dt>
            <dd>
              <a href={detail.listingUrl} rel="noreferrer noopener" target="_blank">
                {detail.listingUrl}
              </a>
            </dd>
          </>
        )}
        {detail.suggestedProperty && (
          <>
            <dt>Registered property</dt>
            <dd>
              {detail.suggestedProperty.address} ({Math.round(detail.suggestedProperty.distanceM)} m away) ·{' '}
              <span data-testid="property-verification">{VERIFICATION_TEXT[detail.suggestedProperty.verification]}</span>
              {(detail.suggestedProperty.verification === 'unverified' || detail.suggestedProperty.verification === 'pending') &&
                !letter && (
                  <>
                    {' '}
                    <button type="button" className="button button-quiet pw-small" disabled={busy} onClick={handleLetter}>
                      Verification letter
                    </button>
                  </>
                )}
              {letter && (
                <div className="alert alert-warn">
                  <p>
                    Print this letter and post it to the property. The code <strong>{letter.code}</strong> is shown only now; it
                    works until {formatDateTime(letter.expiresAt)}.
                  </p>
                  <pre className="pw-description">{letter.text}</pre>
                  <button type="button" className="button pw-small" onClick={() => printLetter(letter)}>
                    Print letter
                  </button>
                </div>
              )}
            </dd>
          </>
        )}
        <dt>Assigned to</dt>
        <dd>{detail.assignedTo ? detail.assignedTo.name : 'Nobody'}</dd>
      </dl>

      <h3>Indicators</h3>
      <ul className="pw-indicator-list">
        {detail.indicators.map((i) => {
          const ind = indicatorById(i);
          return (
            <li key={i}>
              {ind?.safeguarding && <span className="badge badge-danger">★ Safeguarding</span>} {i}. {ind?.label ?? 'Unknown'}
            </li>
          );
        })}
      </ul>
      <h3>Description</h3>
      <p className="pw-description">{detail.description || 'No description.'}</p>

      <h3>Actions</h3>
      <div className="pw-actions">
        <form className="pw-inline-form" onSubmit={handleStatus}>
          <div className="field">
            <label htmlFor="pw-status">Change status</label>
            <select id="pw-status" name="status" defaultValue="" disabled={!detail.allowedTransitions.length}>
              <option value="" disabled>
                {detail.allowedTransitions.length ? 'Choose a new status' : 'No changes possible'}
              </option>
              {detail.allowedTransitions.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABEL[s]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="pw-status-note">Reason (optional)</label>
            <input id="pw-status-note" name="statusNote" type="text" maxLength={2000} />
          </div>
          <button type="submit" className="button button-primary" disabled={busy || !detail.allowedTransitions.length}>
            Update status
          </button>
        </form>
        <ActionNotice notice={notice} at="status" />
        <PriorityForm detail={detail} busy={busy} patch={patch} />
        <ActionNotice notice={notice} at="priority" />
        <AssignForm detail={detail} busy={busy} patch={patch} />

        <div className="button-row">
          {assignedToMe ? (
            <button type="button" className="button" disabled={busy} onClick={() => patch({ assignTo: null }, 'Unassigned.')}>
              Unassign
            </button>
          ) : (
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => patch({ assignTo: me.id }, 'Assigned to you.')}
            >
              Assign to me
            </button>
          )}
          {detail.assignedTo && !assignedToMe && (
            <button
              type="button"
              className="button button-quiet"
              disabled={busy}
              onClick={() => patch({ assignTo: null }, 'Unassigned.')}
            >
              Unassign {detail.assignedTo.name}
            </button>
          )}
          <button type="button" className="button" disabled={busy} onClick={() => setConfirmAlert(true)}>
            {released ? 'Withhold owner alert' : 'Release owner alert'}
          </button>
        </div>
        <ActionNotice notice={notice} at={['assign', 'release']} />

        {confirmAlert && (
          <div
            className={`alert ${sg && !released ? 'alert-error' : 'alert-warn'} pw-confirm`}
            role="alertdialog"
            aria-labelledby="pw-confirm-title"
          >
            <p id="pw-confirm-title">
              <strong>{released ? 'Withhold the owner alert?' : 'Release the owner alert?'}</strong>
            </p>
            {released ? (
              <p>Owners will get no further property-specific alerts for this report. Alerts already sent cannot be recalled.</p>
            ) : (
              <p>
                Verified owners of this property will be told that concerns were reported there. They never see the reporter, the
                description or exact times.{' '}
                <strong data-testid="owner-notice-count">
                  {noticePreview ? ownerNoticeText(noticePreview.owners) : 'Counting the owners concerned…'}
                </strong>
                {sg && (
                  <>
                    {' '}
                    <strong>This is a safeguarding report:</strong> make sure telling the owner cannot put a child or vulnerable
                    person at risk or alert those exploiting them.
                  </>
                )}
              </p>
            )}
            <div className="button-row">
              <button
                type="button"
                className={`button ${sg && !released ? 'button-danger' : 'button-primary'}`}
                disabled={busy}
                onClick={async () => {
                  if (
                    await patch(
                      { ownerAlert: released ? 'withheld' : 'released' },
                      released ? 'Owner alert withheld.' : 'Owner alert released.',
                    )
                  )
                    setConfirmAlert(false);
                }}
              >
                {released ? 'Yes, withhold' : 'Yes, release to owners'}
              </button>
              <button type="button" className="button button-quiet" onClick={() => setConfirmAlert(false)}>
                Cancel
              </button>
            </div>
          </div>
        )}

        <form className="pw-inline-form" onSubmit={handleAddNote}>
          <div className="field">
            <label htmlFor="pw-note">Add a police note</label>
            <textarea id="pw-note" name="note" maxLength={5000} rows={2} />
          </div>
          <button type="submit" className="button" disabled={busy}>
            Add note
          </button>
        </form>
        <ActionNotice notice={notice} at="note" />
        <form className="pw-inline-form" onSubmit={handleAskQuestion}>
          <div className="field">
            <label htmlFor="pw-question">Ask the reporter a question</label>
            <textarea id="pw-question" name="question" maxLength={2000} rows={2} aria-describedby="pw-question-hint" />
            <p className="hint" id="pw-question-hint">
              The reporter sees it when they follow up with their passphrase.
            </p>
          </div>
          <button type="submit" className="button" disabled={busy}>
            Send question
          </button>
        </form>
        <ActionNotice notice={notice} at="question" />
        <form className="pw-inline-form" onSubmit={handleLink}>
          <div className="field">
            <label htmlFor="pw-link">Link a report (id, or reference of a report at this address)</label>
            <input id="pw-link" name="link" type="text" />
          </div>
          <button type="submit" className="button" disabled={busy}>
            Link
          </button>
        </form>
        <ActionNotice notice={notice} at={['link', 'unlink']} />
      </div>

      {candidates.length > 0 && (
        <>
          <h3>Other reports at this address</h3>
          <ul className="pw-plain-list">
            {candidates.map((c) => (
              <li key={c.id}>
                <button type="button" className="pw-linkish" onClick={() => onOpen(c.id)}>
                  {c.reference}
                </button>{' '}
                <StatusBadge status={c.status} />
                <button
                  type="button"
                  className="button button-quiet pw-small"
                  disabled={busy}
                  onClick={() => patch({ link: c.id }, `Linked ${c.reference}.`)}
                >
                  Link<span className="visually-hidden"> {c.reference}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}

      <h3>Phones, vehicles, listings, line names</h3>
      <EntityLinks reportId={detail.id} onOpen={onOpen} />

      <h3>Linked reports</h3>
      {detail.linkedReports.length ? (
        <ul className="pw-plain-list">
          {detail.linkedReports.map((l) => (
            <li key={l.id}>
              <button type="button" className="pw-linkish" onClick={() => onOpen(l.id)}>
                {l.reference}
              </button>{' '}
              <StatusBadge status={l.status} />{' '}
              <button
                type="button"
                className="button button-quiet pw-small"
                disabled={busy}
                onClick={() => patch({ unlink: l.id }, `Unlinked ${l.reference}.`)}
              >
                Unlink<span className="visually-hidden"> {l.reference}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="hint">None.</p>
      )}

      <History
        title="Status history"
        items={detail.statusHistory.map((h) => ({
          at: h.at,
          who: h.by?.name ?? 'System',
          text: `${STATUS_LABEL[h.status]}${h.note ? ` — ${h.note}` : ''}`,
        }))}
      />
      <QuestionsAndReplies detail={detail} />
      <History
        title="Added by the reporter"
        items={detail.addenda.filter((a) => a.answers === null).map((a) => ({ at: a.at, who: 'Reporter', text: a.text }))}
      />
      <History title="Police notes" items={detail.notes.map((n) => ({ at: n.at, who: n.by?.name ?? 'Police', text: n.text }))} />
      <History title="Audit trail" items={detail.audit.map((a) => ({ at: a.at, who: a.by?.name ?? 'System', text: a.action }))} />
    </section>
  );
}

/** Each police question with the reporter's replies to it underneath (a reply says which question it answers). */
function QuestionsAndReplies({ detail }: { detail: ReportDetail }) {
  return (
    <>
      <h3>Questions to the reporter</h3>
      {detail.questions.length ? (
        <ol className="pw-history pw-questions">
          {detail.questions.map((q, i) => {
            const replies = detail.addenda.filter((a) => a.answers === i);
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: append-only, and replies point at questions by index
              <li key={i} aria-label={`Question ${i + 1}`}>
                <span className="pw-history-meta">
                  {formatDateTime(q.at)} · {q.by?.name ?? 'Police'}
                </span>
                <span>{q.text}</span>
                {replies.length ? (
                  <ul className="pw-replies" aria-label={`Replies to question ${i + 1}`}>
                    {replies.map((a, k) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: append-only history, no stable id
                      <li key={k}>
                        <span className="pw-history-meta">
                          {formatDateTime(a.at)} · Reporter’s reply
                        </span>
                        <span>{a.text}</span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="pw-history-meta">No reply yet.</span>
                )}
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="hint">None.</p>
      )}
    </>
  );
}

function History({ title, items }: { title: string; items: Array<{ at: string; who: string; text: string }> }) {
  return (
    <>
      <h3>{title}</h3>
      {items.length ? (
        <ol className="pw-history">
          {items.map((h, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: append-only history, no stable id
            <li key={i}>
              <span className="pw-history-meta">
                {formatDateTime(h.at)} · {h.who}
              </span>
              <span>{h.text}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="hint">None.</p>
      )}
    </>
  );
}

/** Opens the letter on its own in a new window and prints it. */
function printLetter(letter: VerificationLetter): void {
  const w = window.open('', '_blank');
  if (!w) return;
  w.document.open();
  w.document.write(letter.html);
  w.document.close();
  w.focus();
  w.print();
}
