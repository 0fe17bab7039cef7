import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, Navigate } from 'react-router-dom';
import { AdvisoryCreate, type AdvisoryView, type SubscriptionView } from '../../../shared/schemas/alerts';
import { formatUkDateTime } from '../../../shared/time';
import { ApiError, api } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { AreaMap, type LatLngPoint, type Shape } from '../owner/AreaMap';
import { KeyboardArea } from '../owner/KeyboardArea';
import '../owner/owner.css';

/** The largest radius an officer can set by keyboard: areas must still lie inside the force, which the server checks. */
const POLICE_RADIUS_MAX_M = 10_000;

function SubscriptionForm({ existing, onSaved }: { existing: Shape[]; onSaved: (msg: string) => void }) {
  const [polygon, setPolygon] = useState<LatLngPoint[] | null>(null);
  /** Counts saved areas: the keyboard area starts afresh after each. */
  const [saved, setSaved] = useState(0);
  const [minPriority, setMinPriority] = useState<'standard' | 'safeguarding'>('safeguarding');
  const [mode, setMode] = useState<'instant' | 'daily'>('daily');
  const [error, setError] = useState('');
  const handleDraw = useCallback((ring: LatLngPoint[]) => setPolygon(ring), []);

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    if (!polygon) {
      setError('Draw the area on the map first, or set a radius around a place.');
      return;
    }
    try {
      const created = await api<SubscriptionView>('POST', '/api/subscriptions', { kind: 'area', polygon, mode, minPriority });
      setPolygon(null);
      setSaved((n) => n + 1);
      setError('');
      // Staff alerts are on at once (no email round trip); anyone else confirms by email first.
      onSaved(
        created.status === 'confirmed'
          ? 'Area alert on: reports in this area reach you from now.'
          : 'Check your email to confirm the alert. Nothing is sent until you confirm.',
      );
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save');
    }
  }

  return (
    <form className="form card" onSubmit={handleSubmit} noValidate aria-label="New area alert">
      {error && <p className="alert alert-error">{error}</p>}
      <p className="hint">
        Draw an area inside your force with the polygon or rectangle tool.
        {polygon ? ` Area drawn (${polygon.length} corners).` : ''}
      </p>
      <KeyboardArea key={saved} idPrefix="pa-area" maxRadiusM={POLICE_RADIUS_MAX_M} onArea={handleDraw} />
      <AreaMap
        shapes={[...existing.map((s) => ({ ...s, muted: true })), ...(polygon ? [{ id: 'new', polygon }] : [])]}
        onDraw={handleDraw}
        label="Draw an alert area"
      />
      <div className="field">
        <label htmlFor="pa-priority">Which reports</label>
        <select
          id="pa-priority"
          value={minPriority}
          onChange={(e) => setMinPriority(e.target.value as 'standard' | 'safeguarding')}
        >
          <option value="safeguarding">Safeguarding reports only (★)</option>
          <option value="standard">All reports</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="pa-mode">Other reports</label>
        <select id="pa-mode" value={mode} onChange={(e) => setMode(e.target.value as 'instant' | 'daily')}>
          <option value="daily">Daily digest (safeguarding always instant)</option>
          <option value="instant">Instantly</option>
        </select>
      </div>
      <button type="submit" className="button button-primary">
        Create area alert
      </button>
    </form>
  );
}

function AdvisoryForm({ onSent }: { onSent: (msg: string) => void }) {
  const [polygon, setPolygon] = useState<LatLngPoint[] | null>(null);
  /** Counts saved areas: the keyboard area starts afresh after each. */
  const [saved, setSaved] = useState(0);
  const [count, setCount] = useState<number | null>(null);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [error, setError] = useState('');
  const handleDraw = useCallback((ring: LatLngPoint[]) => {
    setPolygon(ring);
    setCount(null);
    api<{ count: number }>('POST', '/api/advisories/preview', { polygon: ring })
      .then((r) => setCount(r.count))
      .catch((err) => setError(err instanceof ApiError ? err.message : 'Could not count recipients'));
  }, []);

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = AdvisoryCreate.safeParse({ polygon: polygon ?? [], subject, body });
    if (!parsed.success) {
      setError(
        polygon
          ? 'Give a subject (3+ characters) and a message (10+ characters).'
          : 'Draw the area first, or set a radius around a place.',
      );
      return;
    }
    if (!window.confirm(`Send this advisory to ${count ?? 0} owner(s)?`)) return;
    try {
      const res = await api<AdvisoryView>('POST', '/api/advisories', parsed.data);
      setPolygon(null);
      setSaved((n) => n + 1);
      setSubject('');
      setBody('');
      setCount(null);
      setError('');
      onSent(`Advisory sent to ${res.recipients} owner(s).`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not send');
    }
  }

  return (
    <form className="form card" onSubmit={handleSubmit} noValidate aria-label="New advisory">
      {error && <p className="alert alert-error">{error}</p>}
      <KeyboardArea key={saved} idPrefix="adv-area" maxRadiusM={POLICE_RADIUS_MAX_M} onArea={handleDraw} />
      <AreaMap shapes={polygon ? [{ id: 'adv', polygon }] : []} onDraw={handleDraw} label="Draw the advisory area" />
      <p className="hint" aria-live="polite" data-testid="advisory-count">
        {polygon
          ? count === null
            ? 'Counting recipients…'
            : `${count} confirmed owner(s) in this area will get it.`
          : 'Draw the area to see how many owners it reaches.'}
      </p>
      <div className="field">
        <label htmlFor="adv-subject">Subject</label>
        <input id="adv-subject" type="text" value={subject} maxLength={120} onChange={(e) => setSubject(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="adv-body">Message</label>
        <textarea id="adv-body" rows={6} value={body} maxLength={5000} onChange={(e) => setBody(e.target.value)} />
      </div>
      <button type="submit" className="button button-primary">
        Send advisory
      </button>
    </form>
  );
}

export function PoliceAlertsPage() {
  const { user, ready } = useAuth();
  const [subs, setSubs] = useState<SubscriptionView[]>([]);
  const [advisories, setAdvisories] = useState<AdvisoryView[]>([]);
  const [notice, setNotice] = useState('');
  const load = useCallback(async () => {
    const [s, a] = await Promise.all([
      api<{ subscriptions: SubscriptionView[] }>('GET', '/api/subscriptions'),
      api<{ advisories: AdvisoryView[] }>('GET', '/api/advisories'),
    ]);
    setSubs(s.subscriptions);
    setAdvisories(a.advisories);
  }, []);
  useEffect(() => {
    if (user?.role === 'police') load().catch(() => setNotice('Could not load your alerts.'));
  }, [user, load]);
  if (!ready) return <p className="page">Loading…</p>;
  if (!user) return <Navigate to="/sign-in?next=/police/alerts" replace />;
  if (user.role === 'police_admin') return <AlertsForOfficersOnly />;
  if (user.role !== 'police') return <Navigate to="/" replace />;

  async function handleDelete(id: string) {
    await api('DELETE', `/api/subscriptions/${id}`);
    await load();
  }

  return (
    <div className="page">
      <h1>Area alerts and advisories</h1>
      {notice && (
        <p className="alert alert-ok" role="status">
          {notice}
        </p>
      )}
      <div className="owner-grid">
        <section aria-labelledby="pa-subs">
          <h2 id="pa-subs">Your area alerts</h2>
          <ul className="item-list">
            {subs.map((s) => (
              <li key={s.id}>
                <div className="item-main">
                  <strong>Area of {s.polygon?.length ?? 0} corners</strong>{' '}
                  <span className={`badge status-${s.status}`}>
                    {s.status === 'pending' ? 'Waiting for email confirmation' : s.status === 'confirmed' ? 'On' : 'Unsubscribed'}
                  </span>
                  <div className="item-meta">
                    {s.minPriority === 'safeguarding' ? 'Safeguarding only' : 'All reports'} ·{' '}
                    {s.mode === 'instant' ? 'instant' : 'daily digest'}
                  </div>
                </div>
                <button type="button" className="button button-danger" onClick={() => handleDelete(s.id)}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
          {subs.length === 0 && <p>No area alerts yet.</p>}
          <SubscriptionForm
            existing={subs.filter((s) => s.status !== 'unsubscribed').map((s) => ({ id: s.id, polygon: s.polygon }))}
            onSaved={(m) => {
              setNotice(m);
              void load();
            }}
          />
        </section>
        <section aria-labelledby="pa-adv">
          <h2 id="pa-adv">Advisories to owners</h2>
          <AdvisoryForm
            onSent={(m) => {
              setNotice(m);
              void load();
            }}
          />
          <h3>Sent</h3>
          <ul className="item-list">
            {advisories.map((a) => (
              <li key={a.id}>
                <div className="item-main">
                  <strong>{a.subject}</strong>
                  <div className="item-meta">
                    {formatUkDateTime(a.createdAt)} · {a.recipients} recipient(s)
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}

/** An admin has no force, so no area of their own to watch: say so instead of leaving the page. */
function AlertsForOfficersOnly() {
  return (
    <div className="page narrow">
      <h1>Area alerts are for officers</h1>
      <p className="alert alert-warn">
        Area alerts and advisories belong to a force, and an admin account has none. Officers of a force set them up here.
      </p>
      <p>
        To see every force's reports, use the <Link to="/police">workspace</Link>. To manage people, force areas and owner
        verification, use the <Link to="/admin">admin console</Link>.
      </p>
    </div>
  );
}
