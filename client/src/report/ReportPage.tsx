import { type FormEvent, Fragment, useEffect, useRef, useState } from 'react';
import { LIMITS } from '../../../shared/limits';
import { ReportCreate, type ReportCreated } from '../../../shared/schemas/reports';
import {
  indicatorById,
  indicatorsFor,
  needsCall999,
  PROPERTY_TYPES,
  type PropertyType,
  REPORTER_ROLES,
} from '../../../shared/taxonomy';
import { formatUkDateTime, ukInputToMs, ukInputValue } from '../../../shared/time';
import { ApiError, api } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { Field } from '../forms/Field';
import { Call999Dialog } from './Call999Dialog';
import { Confirmation } from './Confirmation';
import { LocationPicker } from './LocationPicker';
import { MyPropertyChooser } from './MyPropertyChooser';
import { ReviewMap } from './ReviewMap';
import { Signposts } from './Signposts';
import './report.css';

interface FormState {
  lat: string;
  lng: string;
  address: string;
  propertyType: PropertyType | '';
  indicators: number[];
  from: string;
  to: string;
  description: string;
  reporterRole: string;
  listingUrl: string;
  /** Comma-separated, as typed: phone numbers, registrations, line names. */
  phones: string;
  vehicles: string;
  lineNames: string;
  contactName: string;
  contactPhone: string;
  contactEmail: string;
}

type Errors = Record<string, string>;

/** `YYYY-MM-DDTHH:mm` in UK local time (GMT/BST), for datetime-local inputs, whatever the device's zone. */
const localInput = (d: Date): string => ukInputValue(d.getTime());
function toIso(local: string): string {
  const ms = ukInputToMs(local);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString();
}
const fmt = (local: string) => (local && !Number.isNaN(ukInputToMs(local)) ? formatUkDateTime(ukInputToMs(local)) : 'Not given');

function initialState(): FormState {
  const now = new Date();
  return {
    lat: '',
    lng: '',
    address: '',
    propertyType: '',
    indicators: [],
    from: localInput(new Date(now.getTime() - 3_600_000)),
    to: localInput(now),
    description: '',
    reporterRole: '',
    listingUrl: '',
    phones: '',
    vehicles: '',
    lineNames: '',
    contactName: '',
    contactPhone: '',
    contactEmail: '',
  };
}

/** "07700 900123, 07700 900456" → ["07700 900123", "07700 900456"] (commas, semicolons or new lines). */
const listOf = (text: string) =>
  text
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
const ENTITY_FIELDS = ['phones', 'vehicles', 'lineNames'] as const;

function buildPayload(f: FormState): Record<string, unknown> {
  const contact: Record<string, string> = {};
  if (f.contactName.trim()) contact.name = f.contactName.trim();
  if (f.contactPhone.trim()) contact.phone = f.contactPhone.trim();
  if (f.contactEmail.trim()) contact.email = f.contactEmail.trim();
  return {
    location: f.lat.trim() && f.lng.trim() ? { lat: Number(f.lat), lng: Number(f.lng) } : undefined,
    ...(f.address.trim() ? { address: f.address.trim() } : {}),
    propertyType: f.propertyType || undefined,
    ...(f.listingUrl.trim() ? { listingUrl: f.listingUrl.trim() } : {}),
    indicators: f.indicators,
    description: f.description.trim(),
    observedFrom: toIso(f.from),
    observedTo: toIso(f.to),
    reporterRole: f.reporterRole || undefined,
    ...(Object.keys(contact).length ? { contact } : {}),
    ...Object.fromEntries(ENTITY_FIELDS.filter((k) => listOf(f[k]).length).map((k) => [k, listOf(f[k])])),
  };
}

/** Folds schema paths (`location.lat`, `indicators.2`) onto the form's fields. */
function fieldKey(path: string): string {
  if (path.startsWith('location')) return 'location';
  if (path.startsWith('indicators')) return 'indicators';
  for (const k of ENTITY_FIELDS) if (path.startsWith(k)) return k;
  if (path === 'body' || path === '(root)' || path === '') return 'form';
  return path;
}

const FRIENDLY: Record<string, string> = {
  location: 'Place a pin on the map, use your location, or type the latitude and longitude',
  propertyType: 'Choose the kind of property',
  reporterRole: 'Choose who you are',
};

function toErrors(details: Array<{ path: string; message: string }>): Errors {
  const out: Errors = {};
  for (const d of details) {
    const key = fieldKey(d.path.replace(/^body\.?/, ''));
    out[key] ??= key === 'location' && /expected|received/i.test(d.message) ? FRIENDLY.location! : d.message;
  }
  return out;
}

/** Where the error summary links to, per field. */
const ANCHOR: Record<string, string> = {
  location: 'lat',
  address: 'address',
  propertyType: 'propertyType-H',
  indicators: 'indicators-legend',
  observedFrom: 'observedFrom',
  observedTo: 'observedTo',
  description: 'description',
  reporterRole: 'reporterRole',
  listingUrl: 'listingUrl',
  phones: 'phones',
  vehicles: 'vehicles',
  lineNames: 'lineNames',
  'contact.name': 'contactName',
  'contact.phone': 'contactPhone',
  'contact.email': 'contactEmail',
};
const LABEL: Record<string, string> = {
  location: 'Location',
  address: 'Address',
  propertyType: 'Kind of property',
  indicators: 'What you noticed',
  observedFrom: 'From',
  observedTo: 'Until',
  description: 'Description',
  reporterRole: 'Who you are',
  listingUrl: 'Listing link',
  phones: 'Phone numbers seen or heard',
  vehicles: 'Vehicle registrations',
  lineNames: 'Line names',
  'contact.name': 'Contact name',
  'contact.phone': 'Contact phone',
  'contact.email': 'Contact email',
  form: 'Form',
};

const ENTITY_FIELD_TEXT: Record<(typeof ENTITY_FIELDS)[number], { label: string; hint: string }> = {
  phones: {
    label: 'Phone numbers seen or heard (optional)',
    hint: 'A number texted to guests, written on a card or called out. Separate several with commas. Not your own number.',
  },
  vehicles: {
    label: 'Vehicle registrations (optional)',
    hint: 'Part of a registration is fine, for example AB12. Separate several with commas.',
  },
  lineNames: { label: 'Line names or nicknames (optional)', hint: 'For example "the Bravo line". Separate several with commas.' },
};

function FieldError({ id, error }: { id: string; error?: string }) {
  if (!error) return null;
  return (
    <p className="field-error" id={`${id}-error`}>
      {error}
    </p>
  );
}

export function ReportPage() {
  const { user } = useAuth();
  const [f, setF] = useState<FormState>(initialState);
  const [errors, setErrors] = useState<Errors>({});
  const [step, setStep] = useState<'form' | 'review' | 'done'>('form');
  const [acknowledged999, setAcknowledged999] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [created, setCreated] = useState<ReportCreated | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);

  const show999 = !acknowledged999 && needsCall999(f.indicators);
  const applicable = f.propertyType ? indicatorsFor(f.propertyType) : [];

  // "Who are you?" starts as the signed-in host's or owner's role (they can still change it).
  const accountRole = user?.role;
  useEffect(() => {
    if (accountRole === 'host' || accountRole === 'owner')
      setF((prev) => (prev.reporterRole ? prev : { ...prev, reporterRole: 'host' }));
  }, [accountRole]);

  const shownStep = useRef(step);
  // Move focus to the new heading when the step changes, not on arrival (StrictMode runs this twice on mount).
  useEffect(() => {
    if (shownStep.current === step) return;
    shownStep.current = step;
    headingRef.current?.focus();
    window.scrollTo(0, 0);
  }, [step]);

  function set<K extends keyof FormState>(key: K, value: FormState[K]) {
    setF((prev) => ({ ...prev, [key]: value }));
  }

  function handleType(type: PropertyType) {
    setF((prev) => ({
      ...prev,
      propertyType: type,
      indicators: prev.indicators.filter((id) => indicatorById(id)?.appliesTo.includes(type)),
    }));
  }

  function handleIndicator(id: number, checked: boolean) {
    setF((prev) => ({
      ...prev,
      indicators: checked ? [...prev.indicators, id].sort((a, b) => a - b) : prev.indicators.filter((x) => x !== id),
    }));
  }

  function handleReview(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const result = ReportCreate.safeParse(buildPayload(f));
    if (!result.success) {
      setErrors(toErrors(result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))));
      requestAnimationFrame(() => summaryRef.current?.focus());
      return;
    }
    setErrors({});
    setFailure(null);
    setStep('review');
  }

  async function handleSubmit() {
    setBusy(true);
    setFailure(null);
    try {
      const res = await api<ReportCreated>('POST', '/api/reports', buildPayload(f));
      setCreated(res);
      setStep('done');
    } catch (err) {
      if (err instanceof ApiError && err.details.length) {
        setErrors(toErrors(err.details));
        if (err.code === 'outside_force_area') setErrors({ location: err.message });
        setStep('form');
        requestAnimationFrame(() => summaryRef.current?.focus());
      } else {
        setFailure(err instanceof ApiError ? err.message : 'Could not send the report. Please try again.');
      }
    } finally {
      setBusy(false);
    }
  }

  if (step === 'done' && created) return <Confirmation created={created} headingRef={headingRef} />;

  if (step === 'review') {
    const type = PROPERTY_TYPES.find((t) => t.id === f.propertyType);
    const role = REPORTER_ROLES.find((r) => r.id === f.reporterRole);
    return (
      <div className="page narrow report-page">
        <h1 ref={headingRef} tabIndex={-1}>
          Check your report
        </h1>
        <p>Nothing has been sent yet. Check the details, then send.</p>
        {failure && (
          <div className="alert alert-error" role="alert">
            {failure}
          </div>
        )}
        <dl className="details card review">
          <dt>Location</dt>
          <dd>
            {f.address.trim() || 'No address given'}
            <br />
            <span className="hint">
              {Number(f.lat).toFixed(5)}, {Number(f.lng).toFixed(5)}
            </span>
            <ReviewMap lat={Number(f.lat)} lng={Number(f.lng)} />
          </dd>
          <dt>Kind of property</dt>
          <dd>{type?.label}</dd>
          <dt>What you noticed</dt>
          <dd>
            <ul className="plain-list">
              {f.indicators.map((id) => {
                const ind = indicatorById(id)!;
                return (
                  <li key={id}>
                    {ind.safeguarding && (
                      <>
                        <span className="star" aria-hidden="true">
                          ★{' '}
                        </span>
                        <span className="visually-hidden">Safeguarding: </span>
                      </>
                    )}
                    {ind.label}
                  </li>
                );
              })}
            </ul>
          </dd>
          <dt>When</dt>
          <dd>
            {fmt(f.from)} to {fmt(f.to)}
          </dd>
          <dt>Description</dt>
          <dd className="prewrap">{f.description.trim() || 'None'}</dd>
          <dt>You are</dt>
          <dd>{role?.label}</dd>
          {f.listingUrl.trim() && (
            <>
              <dt>Listing link</dt>
              <dd className="break">{f.listingUrl.trim()}</dd>
            </>
          )}
          {ENTITY_FIELDS.filter((k) => listOf(f[k]).length).map((k) => (
            <Fragment key={k}>
              <dt>{LABEL[k]}</dt>
              <dd className="break">{listOf(f[k]).join(', ')}</dd>
            </Fragment>
          ))}
          <dt>Contact (police only)</dt>
          <dd>
            {[f.contactName, f.contactPhone, f.contactEmail]
              .map((s) => s.trim())
              .filter(Boolean)
              .join(', ') || 'Anonymous'}
          </dd>
        </dl>
        <div className="button-row">
          <button type="button" className="button button-primary button-large" onClick={handleSubmit} disabled={busy}>
            {busy ? 'Sending…' : 'Send report'}
          </button>
          <button type="button" className="button" onClick={() => setStep('form')} disabled={busy}>
            Change something
          </button>
        </div>
      </div>
    );
  }

  const errorKeys = Object.keys(errors);
  return (
    <div className="page narrow report-page">
      <h1 ref={headingRef} tabIndex={-1}>
        Report a concern
      </h1>
      <p className="lead">
        Tell police what you saw at a rental, hotel or home. It takes about two minutes.{' '}
        {user ? (
          <>You are signed in, so this report will also appear in your list of reports.</>
        ) : (
          <>You do not need to give your name.</>
        )}
      </p>

      {errorKeys.length > 0 && (
        <div className="alert alert-error error-summary" role="alert" tabIndex={-1} ref={summaryRef}>
          <h2>There is a problem</h2>
          <ul>
            {errorKeys.map((k) => (
              <li key={k}>
                {ANCHOR[k] ? (
                  <a href={`#${ANCHOR[k]}`}>
                    {LABEL[k] ?? k}: {errors[k]}
                  </a>
                ) : (
                  <span>
                    {LABEL[k] ?? k}: {errors[k]}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}

      <form className="form report-form" onSubmit={handleReview} noValidate>
        <section className="card step" aria-labelledby="step-where">
          <h2 id="step-where">
            <span className="step-no">1</span> Where is it?
          </h2>
          <MyPropertyChooser
            onChoose={(p) =>
              setF((prev) => ({
                ...prev,
                lat: String(p.lat),
                lng: String(p.lng),
                address: p.address,
                propertyType: p.type,
                indicators: prev.indicators.filter((id) => indicatorById(id)?.appliesTo.includes(p.type)),
              }))
            }
          />
          <LocationPicker
            lat={f.lat}
            lng={f.lng}
            onChange={(lat, lng) => setF((p) => ({ ...p, lat, lng }))}
            error={errors.location}
          />
          <Field
            id="address"
            label="Address or description of the place (optional)"
            error={errors.address}
            hint={<>For example &ldquo;Flat 3, 12 Marine Parade, Brighton&rdquo; or &ldquo;Room 214, Seaview Hotel&rdquo;.</>}
          >
            {(p) => (
              <input
                {...p}
                type="text"
                autoComplete="off"
                maxLength={LIMITS.addressMax}
                value={f.address}
                onChange={(e) => set('address', e.target.value)}
              />
            )}
          </Field>
        </section>

        <section className="card step" aria-labelledby="step-what">
          <h2 id="step-what">
            <span className="step-no">2</span> What did you notice?
          </h2>
          <fieldset className="field">
            <legend>Kind of property</legend>
            {PROPERTY_TYPES.map((t) => (
              <label className="choice" key={t.id}>
                <input
                  type="radio"
                  name="propertyType"
                  id={`propertyType-${t.id}`}
                  value={t.id}
                  checked={f.propertyType === t.id}
                  aria-describedby={errors.propertyType ? 'propertyType-error' : undefined}
                  onChange={() => handleType(t.id)}
                />
                <span>{t.label}</span>
              </label>
            ))}
            <FieldError id="propertyType" error={errors.propertyType} />
          </fieldset>

          <fieldset className="field indicators" aria-describedby="indicators-hint">
            <legend id="indicators-legend" tabIndex={-1}>
              What you saw (tick all that apply)
            </legend>
            <p className="hint" id="indicators-hint">
              <span className="star">★</span> marks a <strong>safeguarding</strong> sign: police look at these first.{' '}
              <span className="tag-999">999</span> means call 999 now.
            </p>
            {!f.propertyType && <p className="empty-note">Choose the kind of property first, and the list will appear here.</p>}
            {applicable.map((ind) => (
              <label className={`choice indicator${ind.safeguarding ? ' is-safeguarding' : ''}`} key={ind.id}>
                <input
                  type="checkbox"
                  name="indicators"
                  value={ind.id}
                  checked={f.indicators.includes(ind.id)}
                  onChange={(e) => handleIndicator(ind.id, e.target.checked)}
                />
                <span>
                  {ind.label}
                  {ind.safeguarding && (
                    <span className="star-label">
                      {' '}
                      <span className="star" aria-hidden="true">
                        ★
                      </span>{' '}
                      Safeguarding
                    </span>
                  )}
                  {ind.call999 && (
                    <>
                      {' '}
                      <span className="tag-999">999</span>
                    </>
                  )}
                </span>
              </label>
            ))}
            <FieldError id="indicators" error={errors.indicators} />
          </fieldset>
        </section>

        <section className="card step" aria-labelledby="step-when">
          <h2 id="step-when">
            <span className="step-no">3</span> When, and what happened?
          </h2>
          <div className="when">
            <Field id="observedFrom" label="From" error={errors.observedFrom}>
              {(p) => (
                <input
                  {...p}
                  type="datetime-local"
                  value={f.from}
                  max={localInput(new Date())}
                  onChange={(e) => set('from', e.target.value)}
                />
              )}
            </Field>
            <Field id="observedTo" label="Until" error={errors.observedTo}>
              {(p) => (
                <input
                  {...p}
                  type="datetime-local"
                  value={f.to}
                  max={localInput(new Date())}
                  onChange={(e) => set('to', e.target.value)}
                />
              )}
            </Field>
          </div>
          <p className="hint">A rough window is fine, for example the evening it happened or the days of a stay.</p>
          <Field
            id="description"
            label="Describe what you saw (optional)"
            error={errors.description}
            hint="Say what you saw and heard. Do not describe anyone by their accent or ethnicity, and do not confront anyone."
            describedBy={['description-count']}
            after={
              <p
                className={`hint count${f.description.length > LIMITS.descriptionMax ? ' over' : ''}`}
                id="description-count"
                aria-live="polite"
              >
                {f.description.length} of {LIMITS.descriptionMax} characters
              </p>
            }
          >
            {(p) => <textarea {...p} rows={5} value={f.description} onChange={(e) => set('description', e.target.value)} />}
          </Field>
          <Field id="reporterRole" label="Who are you?" error={errors.reporterRole}>
            {(p) => (
              <select {...p} value={f.reporterRole} onChange={(e) => set('reporterRole', e.target.value)}>
                <option value="">Choose…</option>
                {REPORTER_ROLES.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="listingUrl" label="Link to the listing (optional)" error={errors.listingUrl}>
            {(p) => (
              <input {...p} type="url" inputMode="url" value={f.listingUrl} onChange={(e) => set('listingUrl', e.target.value)} />
            )}
          </Field>
          {ENTITY_FIELDS.map((k) => (
            <Field key={k} id={k} label={ENTITY_FIELD_TEXT[k].label} error={errors[k]} hint={ENTITY_FIELD_TEXT[k].hint}>
              {(p) => <input {...p} type="text" autoComplete="off" value={f[k]} onChange={(e) => set(k, e.target.value)} />}
            </Field>
          ))}
        </section>

        <section className="card step" aria-labelledby="step-contact">
          <h2 id="step-contact">
            <span className="step-no">4</span> Contact details (optional)
          </h2>
          <p className="hint">
            Only police can see these. Leave them empty to stay anonymous: you will still get a reference and passphrase to follow
            up.
          </p>
          <Field id="contactName" label="Name" error={errors['contact.name']} errorId="contact.name-error">
            {(p) => (
              <input
                {...p}
                type="text"
                autoComplete="name"
                value={f.contactName}
                onChange={(e) => set('contactName', e.target.value)}
              />
            )}
          </Field>
          <Field id="contactPhone" label="Phone" error={errors['contact.phone']} errorId="contact.phone-error">
            {(p) => (
              <input
                {...p}
                type="tel"
                autoComplete="tel"
                value={f.contactPhone}
                onChange={(e) => set('contactPhone', e.target.value)}
              />
            )}
          </Field>
          <Field id="contactEmail" label="Email" error={errors['contact.email']} errorId="contact.email-error">
            {(p) => (
              <input
                {...p}
                type="email"
                autoComplete="email"
                value={f.contactEmail}
                onChange={(e) => set('contactEmail', e.target.value)}
              />
            )}
          </Field>
        </section>

        <div className="button-row">
          <button type="submit" className="button button-primary button-large" disabled={show999}>
            Review your report
          </button>
        </div>
      </form>

      <Signposts />
      <Call999Dialog open={show999} onContinue={() => setAcknowledged999(true)} />
    </div>
  );
}
