import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate } from 'react-router-dom';
import {
  ALERT_LIMITS,
  type AlertView,
  PropertyCreate,
  type PropertyView,
  SubscriptionCreate,
  type SubscriptionView,
} from '../../../shared/schemas/alerts';
import type { VerificationStatus } from '../../../shared/schemas/verification';
import { PROPERTY_TYPES } from '../../../shared/taxonomy';
import { formatUkDate, formatUkDateTime } from '../../../shared/time';
import { ApiError, api } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { Field } from '../forms/Field';
import { LocationPicker } from '../report/LocationPicker';
import { AddressFinder } from './AddressFinder';
import { AreaMap, type LatLngPoint, type Shape } from './AreaMap';
import { SHADE_MAX, squaresTouched } from './grid';
import { KeyboardArea } from './KeyboardArea';
import { PropertyImport } from './PropertyImport';
import './owner.css';

type Fields = Record<string, string>;

/** Size of the grid squares of owner emails in Britain (geohash-6). */
const OWNER_GRID_LABEL = 'about 0.6 × 0.8 km';

function zodFieldErrors(issues: Array<{ path: PropertyKey[]; message: string }>): Fields {
  const out: Fields = {};
  for (const i of issues) out[String(i.path[0] ?? 'form')] ??= i.message;
  return out;
}

function PropertyForm(props: { initial?: PropertyView; onSaved: () => void; onCancel?: () => void }) {
  const p = props.initial;
  const [address, setAddress] = useState(p?.address ?? '');
  const [lat, setLat] = useState(p ? String(p.lat) : '');
  const [lng, setLng] = useState(p ? String(p.lng) : '');
  const [type, setType] = useState<string>(p?.type ?? 'S');
  const [listingUrl, setListingUrl] = useState(p?.listingUrl ?? '');
  const [errors, setErrors] = useState<Fields>({});
  const [busy, setBusy] = useState(false);

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    const parsed = PropertyCreate.safeParse({
      address,
      lat: Number(lat),
      lng: Number(lng),
      type,
      listingUrl: listingUrl.trim() ? listingUrl.trim() : null,
    });
    if (!parsed.success || lat.trim() === '' || lng.trim() === '') {
      setErrors({
        ...(parsed.success ? {} : zodFieldErrors(parsed.error.issues)),
        ...(lat.trim() === '' ? { lat: 'Place the property on the map' } : {}),
      });
      return;
    }
    setBusy(true);
    try {
      if (p) await api('PATCH', `/api/properties/${p.id}`, parsed.data);
      else await api('POST', '/api/properties', parsed.data);
      setErrors({});
      props.onSaved();
    } catch (err) {
      setErrors(err instanceof ApiError ? { form: err.message, ...err.fieldErrors() } : { form: 'Could not save' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form card" onSubmit={handleSubmit} noValidate aria-label={p ? 'Edit property' : 'Register a property'}>
      {errors.form && <p className="alert alert-error">{errors.form}</p>}
      <Field id="prop-address" label="Address" error={errors.address}>
        {(f) => <input {...f} type="text" value={address} onChange={(e) => setAddress(e.target.value)} />}
      </Field>
      <AddressFinder
        onFound={(r) => {
          setLat(String(r.lat));
          setLng(String(r.lng));
        }}
      />
      <LocationPicker
        lat={lat}
        lng={lng}
        onChange={(a, b) => {
          setLat(a);
          setLng(b);
        }}
        error={errors.lat ?? errors.lng}
      />
      <div className="field">
        <label htmlFor="prop-type">Type of property</label>
        <select id="prop-type" value={type} onChange={(e) => setType(e.target.value)}>
          {PROPERTY_TYPES.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label}
            </option>
          ))}
        </select>
      </div>
      <Field id="prop-listing" label="Listing link (optional)" error={errors.listingUrl}>
        {(f) => <input {...f} type="url" value={listingUrl} onChange={(e) => setListingUrl(e.target.value)} />}
      </Field>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          {p ? 'Save changes' : 'Register property'}
        </button>
        {props.onCancel && (
          <button type="button" className="button button-quiet" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function SubscriptionForm(props: { properties: PropertyView[]; existing: Shape[]; onSaved: (msg: string) => void }) {
  const [kind, setKind] = useState<'property' | 'area'>(props.properties.length ? 'property' : 'area');
  const [propertyId, setPropertyId] = useState(props.properties[0]?.id ?? '');
  const [radiusM, setRadiusM] = useState(500);
  const [polygon, setPolygon] = useState<LatLngPoint[] | null>(null);
  /** How the area was set without drawing ("500 m around BN1 1AA"), or '' when drawn. */
  const [areaNote, setAreaNote] = useState('');
  /** Counts saved alerts: the keyboard area starts afresh after each. */
  const [saved, setSaved] = useState(0);
  const [mode, setMode] = useState<'instant' | 'daily'>('daily');
  const [error, setError] = useState('');
  const handleDraw = useCallback((ring: LatLngPoint[]) => {
    setPolygon(ring);
    setAreaNote('');
  }, []);
  const handleKeyboardArea = useCallback((ring: LatLngPoint[], description: string) => {
    setPolygon(ring);
    setAreaNote(description);
  }, []);
  // The first property registered after this form appeared becomes the default choice.
  const firstId = props.properties[0]?.id ?? '';
  useEffect(() => {
    if (!propertyId && firstId) {
      setPropertyId(firstId);
      setKind('property');
    }
  }, [firstId, propertyId]);
  const property = props.properties.find((p) => p.id === propertyId);

  const draft: Shape | null =
    kind === 'property' && property
      ? { id: 'new', center: { lat: property.lat, lng: property.lng }, radiusM }
      : kind === 'area' && polygon
        ? { id: 'new', polygon }
        : null;
  const preview: Shape[] = [...props.existing.map((s) => ({ ...s, muted: true })), ...(draft ? [draft] : [])];
  // What the alert will really cover: every grid square of owner emails that the draft touches.
  const pLat = kind === 'property' ? property?.lat : undefined;
  const pLng = kind === 'property' ? property?.lng : undefined;
  const ring = kind === 'area' ? polygon : null;
  const squares = useMemo(() => {
    if (pLat !== undefined && pLng !== undefined) return squaresTouched({ center: { lat: pLat, lng: pLng }, radiusM }, SHADE_MAX);
    return ring ? squaresTouched({ polygon: ring }, SHADE_MAX) : [];
  }, [pLat, pLng, radiusM, ring]);

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    const body = kind === 'property' ? { kind, propertyId, radiusM, mode } : { kind, polygon: polygon ?? [], mode };
    const parsed = SubscriptionCreate.safeParse(body);
    if (!parsed.success) {
      setError(
        kind === 'area'
          ? 'Draw the area on the map first (at least three corners), or set a radius around a place.'
          : 'Choose one of your properties.',
      );
      return;
    }
    try {
      await api('POST', '/api/subscriptions', parsed.data);
      setError('');
      setPolygon(null);
      setAreaNote('');
      setSaved((n) => n + 1);
      props.onSaved('Check your email: we sent a link to confirm this alert. Nothing is sent until you confirm.');
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save');
    }
  }

  return (
    <form className="form card" onSubmit={handleSubmit} noValidate aria-label="New alert">
      {error && <p className="alert alert-error">{error}</p>}
      <fieldset className="field">
        <legend>Alert me about</legend>
        <label className="choice">
          <input
            type="radio"
            name="kind"
            checked={kind === 'property'}
            onChange={() => setKind('property')}
            disabled={!props.properties.length}
          />{' '}
          One of my properties and the area around it
        </label>
        <label className="choice">
          <input type="radio" name="kind" checked={kind === 'area'} onChange={() => setKind('area')} /> An area I draw on the map
        </label>
      </fieldset>
      {kind === 'property' ? (
        <>
          <div className="field">
            <label htmlFor="sub-property">Property</label>
            <select id="sub-property" value={propertyId} onChange={(e) => setPropertyId(e.target.value)}>
              {props.properties.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.address}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="sub-radius">Radius around it: {radiusM} m</label>
            <div className="radius-row">
              <input
                id="sub-radius"
                type="range"
                min={0}
                max={ALERT_LIMITS.radiusMaxM}
                step={50}
                value={radiusM}
                onChange={(e) => setRadiusM(Number(e.target.value))}
                aria-describedby="sub-grid"
              />
            </div>
          </div>
        </>
      ) : (
        <>
          <p className="hint" data-testid="area-note">
            Use the polygon or rectangle tool at the top left of the map to draw your area. You can draw up to{' '}
            {ALERT_LIMITS.areasPerWeek} areas a week.
            {polygon ? (areaNote ? ` Area set: ${areaNote}.` : ` Area drawn (${polygon.length} corners).`) : ''}
          </p>
          <KeyboardArea
            key={saved}
            idPrefix="sub-area"
            properties={props.properties}
            maxRadiusM={ALERT_LIMITS.radiusMaxM}
            onArea={handleKeyboardArea}
          />
        </>
      )}
      <p className="hint" id="sub-grid" data-testid="grid-note">
        Area alerts are about grid squares of {OWNER_GRID_LABEL}, never an exact place: you hear about concerns anywhere in every
        square your {kind === 'property' ? 'radius' : 'area'} touches, even the smallest one
        {draft
          ? squares.length > SHADE_MAX
            ? ` (this one touches more than ${SHADE_MAX} squares)`
            : ` (this one covers ${squares.length} ${squares.length === 1 ? 'square' : 'squares'}, shaded on the map)`
          : ''}
        . To protect the people who report, we write once several concerns share a square, some time after the latest one.
      </p>
      <AreaMap
        shapes={preview}
        squares={squares.length <= SHADE_MAX ? squares : undefined}
        onDraw={kind === 'area' ? handleDraw : undefined}
        label="Map of your alert areas"
      />
      <fieldset className="field">
        <legend>How often</legend>
        <label className="choice">
          <input type="radio" name="mode" checked={mode === 'instant'} onChange={() => setMode('instant')} /> Instantly
        </label>
        <label className="choice">
          <input type="radio" name="mode" checked={mode === 'daily'} onChange={() => setMode('daily')} /> Daily digest
        </label>
      </fieldset>
      <button type="submit" className="button button-primary">
        Create alert
      </button>
    </form>
  );
}

const VERIFICATION_LABEL: Record<VerificationStatus, string> = {
  unverified: 'Not verified',
  pending: 'Verification pending',
  verified: 'Verified owner',
  refused: 'Verification refused',
};
const VERIFICATION_BADGE: Record<VerificationStatus, string> = {
  unverified: 'badge',
  pending: 'badge status-pending',
  verified: 'badge badge-ok',
  refused: 'badge badge-danger',
};

/** A property's ownership verification: its status, asking for it, and entering the code from our letter. */
function PropertyVerification({ property: p, onChanged }: { property: PropertyView; onChanged: (msg: string) => void }) {
  const v = p.verification;
  const [code, setCode] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function send(path: string, body: unknown, done: string) {
    setBusy(true);
    setError('');
    try {
      await api('POST', `/api/properties/${p.id}/${path}`, body);
      setCode('');
      onChanged(done);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not send');
    } finally {
      setBusy(false);
    }
  }
  function handleCode(e: FormEvent) {
    e.preventDefault();
    if (code.trim()) void send('verification/code', { code }, `${p.address} is verified as yours.`);
  }

  return (
    <div className="item-meta" data-testid="verification">
      <span className={VERIFICATION_BADGE[v.status]}>{VERIFICATION_LABEL[v.status]}</span>{' '}
      {v.status === 'verified' && (v.method === 'letter' ? 'by the code in our letter.' : 'after a check of your documents.')}
      {(v.status === 'unverified' || v.status === 'refused') && (
        <>
          Only verified owners are told about concerns at their own property.{' '}
          <button
            type="button"
            className="button button-quiet"
            disabled={busy}
            onClick={() =>
              send(
                'verification',
                {},
                'Verification requested: we will post a letter with a code to the property, or ask for documents.',
              )
            }
          >
            {v.status === 'refused' ? 'Ask again' : 'Verify ownership'}
          </button>
        </>
      )}
      {v.status === 'pending' && !v.letter && 'We will post a letter with a code to the property, or ask you for documents.'}
      {v.status === 'pending' && v.letter && (
        <form onSubmit={handleCode} noValidate>
          <label htmlFor={`code-${p.id}`}>Code from our letter</label>{' '}
          <input
            id={`code-${p.id}`}
            type="text"
            autoComplete="off"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={`code-hint-${p.id}`}
          />{' '}
          <button type="submit" className="button" disabled={busy}>
            Confirm code
          </button>
          <span id={`code-hint-${p.id}`}>
            {' '}
            {v.letter.attemptsLeft} tries left, until {formatUkDate(v.letter.expiresAt)}.
          </span>
        </form>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function OwnerPage() {
  const { user, ready } = useAuth();
  const [properties, setProperties] = useState<PropertyView[]>([]);
  const [subs, setSubs] = useState<SubscriptionView[]>([]);
  const [alerts, setAlerts] = useState<AlertView[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState('');

  const load = useCallback(async () => {
    const [p, s, a] = await Promise.all([
      api<{ properties: PropertyView[] }>('GET', '/api/properties'),
      api<{ subscriptions: SubscriptionView[] }>('GET', '/api/subscriptions'),
      api<{ alerts: AlertView[] }>('GET', '/api/alerts/mine'),
    ]);
    setProperties(p.properties);
    setSubs(s.subscriptions);
    setAlerts(a.alerts);
  }, []);
  useEffect(() => {
    if (user && (user.role === 'owner' || user.role === 'host')) load().catch(() => setNotice('Could not load your data.'));
  }, [user, load]);

  if (!ready) return <p className="page">Loading…</p>;
  if (!user) return <Navigate to="/sign-in?next=/owner" replace />;
  if (user.role !== 'owner' && user.role !== 'host') return <Navigate to="/" replace />;

  async function handleDeleteProperty(p: PropertyView) {
    if (!window.confirm(`Delete ${p.address} and its alerts?`)) return;
    await api('DELETE', `/api/properties/${p.id}`);
    await load();
  }
  async function handleDeleteSub(s: SubscriptionView) {
    await api('DELETE', `/api/subscriptions/${s.id}`);
    await load();
  }

  const addressOf = (id: string | null) => properties.find((p) => p.id === id)?.address ?? 'a property';
  const shapes: Shape[] = subs
    .filter((s) => s.status !== 'unsubscribed')
    .map((s) => ({ id: s.id, polygon: s.polygon, center: s.center, radiusM: s.radiusM }));

  return (
    <div className="page">
      <h1>My properties and alerts</h1>
      <p className="lead">
        Register your properties and choose alerts. You will hear about concerns reported in the area (never who reported them or
        what they wrote) and about your property only when police decide to tell you. Never confront guests.
      </p>
      {notice && (
        <p className="alert alert-ok" role="status">
          {notice}
        </p>
      )}
      <section className="owner-section" aria-labelledby="props-h">
        <h2 id="props-h">Properties</h2>
        {properties.length === 0 && <p>No properties yet.</p>}
        <ul className="item-list">
          {properties.map((p) =>
            editing === p.id ? (
              <li key={p.id}>
                <PropertyForm
                  initial={p}
                  onSaved={() => {
                    setEditing(null);
                    void load();
                  }}
                  onCancel={() => setEditing(null)}
                />
              </li>
            ) : (
              <li key={p.id}>
                <div className="item-main">
                  <strong>{p.address}</strong>
                  <div className="item-meta">
                    {PROPERTY_TYPES.find((t) => t.id === p.type)?.label} · {p.lat.toFixed(5)}, {p.lng.toFixed(5)}
                  </div>
                  <PropertyVerification
                    property={p}
                    onChanged={(msg) => {
                      setNotice(msg);
                      void load();
                    }}
                  />
                </div>
                <div className="button-row">
                  <button type="button" className="button" onClick={() => setEditing(p.id)}>
                    Edit
                  </button>
                  <button type="button" className="button button-danger" onClick={() => handleDeleteProperty(p)}>
                    Delete
                  </button>
                </div>
              </li>
            ),
          )}
        </ul>
        {adding ? (
          <PropertyForm
            onSaved={() => {
              setAdding(false);
              void load();
            }}
            onCancel={() => setAdding(false)}
          />
        ) : (
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            Register a property
          </button>
        )}
        <PropertyImport onDone={() => void load()} />
      </section>

      <section className="owner-section" aria-labelledby="subs-h">
        <h2 id="subs-h">Alerts</h2>
        <ul className="item-list">
          {subs.map((s) => (
            <li key={s.id}>
              <div className="item-main">
                <strong>{s.kind === 'property' ? `${addressOf(s.propertyId)} + ${s.radiusM} m` : 'Drawn area'}</strong>{' '}
                <span className={`badge status-${s.status}`}>
                  {s.status === 'pending' ? 'Waiting for email confirmation' : s.status === 'confirmed' ? 'On' : 'Unsubscribed'}
                </span>
                <div className="item-meta">
                  {s.mode === 'instant' ? 'Instant' : 'Daily digest'} · to {s.email}
                </div>
              </div>
              <button type="button" className="button button-danger" onClick={() => handleDeleteSub(s)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
        <h3>New alert</h3>
        <SubscriptionForm
          properties={properties}
          existing={shapes}
          onSaved={(m) => {
            setNotice(m);
            void load();
          }}
        />
      </section>

      <section className="owner-section" aria-labelledby="sent-h">
        <h2 id="sent-h">Alerts you were sent</h2>
        {alerts.length === 0 && <p>Nothing yet.</p>}
        <ul className="item-list">
          {alerts.map((a) => (
            <li key={a.id}>
              <details className="item-main">
                <summary>
                  <strong>{a.subject}</strong>{' '}
                  <span className="item-meta">
                    {a.status === 'queued' ? 'in your next digest' : formatUkDateTime(a.sentAt ?? a.createdAt)}
                  </span>
                </summary>
                <div className="alert-body">{a.text}</div>
              </details>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
