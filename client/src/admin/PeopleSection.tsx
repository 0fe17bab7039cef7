import { type FormEvent, useState } from 'react';
import type { PasswordResetLink, UpdateStaffBody } from '../../../shared/schemas/admin';
import type { UserView } from '../../../shared/schemas/auth';
import type { ForceView } from '../../../shared/schemas/forces';
import { ApiError, api } from '../api/client';
import { useApiGet } from '../api/useApiGet';
import { useAuth } from '../auth/AuthContext';
import { useForces } from './useForces';
import { formatUkDateTime } from '../../../shared/time';

const ROLE_LABEL = { police: 'Police officer', police_admin: 'Police admin' } as const;
type StaffRole = keyof typeof ROLE_LABEL;

/** Staff accounts: create, change role and force, disable (which signs them out), and one-time password links. */
export function PeopleSection() {
  const [version, setVersion] = useState(0);
  const { data, error } = useApiGet<{ users: UserView[] }>('/api/users', 0, version);
  const [notice, setNotice] = useState<{ text: string; error?: boolean } | null>(null);
  const [link, setLink] = useState<(PasswordResetLink & { name: string }) | null>(null);
  const reload = () => setVersion((v) => v + 1);

  async function handleReset(u: UserView) {
    setNotice(null);
    try {
      const made = await api<PasswordResetLink>('POST', `/api/users/${u.id}/password-reset`);
      setLink({ ...made, name: u.name });
    } catch (err) {
      setNotice({ text: err instanceof ApiError ? err.message : 'Could not make a link', error: true });
    }
  }

  return (
    <div className="admin-stack">
      <h2>People</h2>
      <p className="hint">
        Police staff accounts. Disabling an account signs it out everywhere at once. A password reset gives a link that works
        once; nobody ever sees or sends a password.
      </p>
      {error && <p className="alert alert-error">{error}</p>}
      {notice && (
        <p className={`alert ${notice.error ? 'alert-error' : 'alert-ok'}`} role="status">
          {notice.text}
        </p>
      )}
      {link && (
        <div className="alert alert-ok admin-link" role="status" data-testid="reset-link">
          <p>
            <strong>One-time password link for {link.name}.</strong> We have emailed it to {link.emailedTo}. If you pass it on in
            person, check who you give it to. It works once, until {formatUkDateTime(link.expiresAt)}.
          </p>
          <label htmlFor="reset-link-url" className="visually-hidden">
            Password link for {link.name}
          </label>
          <input id="reset-link-url" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} />
          <div className="button-row">
            <button type="button" className="button" onClick={() => navigator.clipboard?.writeText(link.url)}>
              Copy link
            </button>
            <button type="button" className="button button-quiet" onClick={() => setLink(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      <div className="admin-scroll">
        <table className="table admin-table">
          <caption className="visually-hidden">Staff accounts</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role and force</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(data?.users ?? []).map((u) => (
              <StaffRow
                key={u.id}
                user={u}
                onChanged={(text) => {
                  setNotice({ text });
                  reload();
                }}
                onError={(text) => setNotice({ text, error: true })}
                onReset={() => handleReset(u)}
              />
            ))}
          </tbody>
        </table>
      </div>
      <CreateStaffForm
        onCreated={(name) => {
          setNotice({ text: `Account created for ${name}.` });
          reload();
        }}
      />
    </div>
  );
}

function StaffRow(props: { user: UserView; onChanged(text: string): void; onError(text: string): void; onReset(): void }) {
  const { user: u } = props;
  const { user: me } = useAuth();
  const { forces, nameOf } = useForces();
  const [role, setRole] = useState<StaffRole>(u.role === 'police_admin' ? 'police_admin' : 'police');
  const [forceId, setForceId] = useState(u.forceId ?? '');
  const self = me?.id === u.id;
  const changed = role !== u.role || (role === 'police' && forceId !== (u.forceId ?? ''));

  async function change(body: UpdateStaffBody, done: string) {
    try {
      await api('PATCH', `/api/users/${u.id}`, body);
      props.onChanged(done);
    } catch (err) {
      props.onError(err instanceof ApiError ? (Object.values(err.fieldErrors())[0] ?? err.message) : 'Could not save');
    }
  }

  return (
    <tr className={u.disabled ? 'admin-disabled' : undefined}>
      <td>
        <strong>{u.name}</strong>
        {self && <span className="badge">You</span>}
        <div className="hint">{u.email}</div>
      </td>
      <td>
        <div className="admin-inline">
          <select
            aria-label={`Role of ${u.name}`}
            value={role}
            disabled={self}
            onChange={(e) => setRole(e.target.value as StaffRole)}
          >
            <option value="police">{ROLE_LABEL.police}</option>
            <option value="police_admin">{ROLE_LABEL.police_admin}</option>
          </select>
          {role === 'police' && (
            <select aria-label={`Force of ${u.name}`} value={forceId} onChange={(e) => setForceId(e.target.value)}>
              <ForceOptions forces={forces} />
            </select>
          )}
          {changed && (
            <button
              type="button"
              className="button button-primary"
              onClick={() =>
                change(
                  { role, forceId: role === 'police' ? forceId || null : null },
                  `${u.name} is now ${ROLE_LABEL[role].toLowerCase()}${role === 'police' ? ` in ${nameOf(forceId)}` : ''}.`,
                )
              }
            >
              Save
            </button>
          )}
        </div>
      </td>
      <td>
        {u.disabled ? <span className="badge badge-danger">Disabled</span> : <span className="badge badge-ok">Active</span>}
      </td>
      <td>
        <div className="button-row">
          {!self &&
            (u.disabled ? (
              <button
                type="button"
                className="button"
                onClick={() => change({ disabled: false }, `${u.name} can sign in again.`)}
              >
                Enable<span className="visually-hidden"> {u.name}</span>
              </button>
            ) : (
              <button
                type="button"
                className="button button-danger"
                onClick={() => change({ disabled: true }, `${u.name} is disabled and signed out everywhere.`)}
              >
                Disable<span className="visually-hidden"> {u.name}</span>
              </button>
            ))}
          <button type="button" className="button" onClick={props.onReset}>
            Password link<span className="visually-hidden"> for {u.name}</span>
          </button>
        </div>
      </td>
    </tr>
  );
}

/** "Choose a force", then every force by name. */
function ForceOptions({ forces }: { forces: ForceView[] }) {
  return (
    <>
      <option value="">Choose a force</option>
      {forces.map((f) => (
        <option key={f.id} value={f.id}>
          {f.name}
        </option>
      ))}
    </>
  );
}

function CreateStaffForm({ onCreated }: { onCreated(name: string): void }) {
  const { forces } = useForces();
  const [fields, setFields] = useState({ name: '', email: '', password: '', role: 'police' as StaffRole, forceId: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof fields) => (e: { target: { value: string } }) => setFields((f) => ({ ...f, [k]: e.target.value }));

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const { forceId, ...rest } = fields;
      await api('POST', '/api/users', { ...rest, ...(fields.role === 'police' && forceId ? { forceId } : {}) });
      onCreated(fields.name);
      setFields({ name: '', email: '', password: '', role: 'police', forceId: '' });
    } catch (err) {
      setErrors(err instanceof ApiError ? { form: err.message, ...err.fieldErrors() } : { form: 'Could not create the account' });
    } finally {
      setBusy(false);
    }
  }

  const field = (k: 'name' | 'email' | 'password', label: string, type: string, hint?: string) => (
    <div className="field">
      <label htmlFor={`new-${k}`}>{label}</label>
      {hint && (
        <p className="hint" id={`new-${k}-hint`}>
          {hint}
        </p>
      )}
      <input
        id={`new-${k}`}
        type={type}
        value={fields[k]}
        onChange={set(k)}
        required
        autoComplete={k === 'password' ? 'new-password' : 'off'}
        aria-invalid={!!errors[k]}
        aria-describedby={hint ? `new-${k}-hint` : undefined}
      />
      {errors[k] && <p className="field-error">{errors[k]}</p>}
    </div>
  );

  return (
    <form className="card form admin-create" onSubmit={handleSubmit} aria-labelledby="new-staff-title" noValidate>
      <h3 id="new-staff-title">Add a staff account</h3>
      {errors.form && <p className="alert alert-error">{errors.form}</p>}
      <div className="admin-grid">
        {field('name', 'Name', 'text')}
        {field('email', 'Email', 'email')}
        {field(
          'password',
          'First password',
          'password',
          'At least 12 characters and hard to guess. Keep it to yourself: then send them a password link so they choose their own.',
        )}
        <div className="field">
          <label htmlFor="new-role">Role</label>
          <select id="new-role" value={fields.role} onChange={set('role')}>
            <option value="police">{ROLE_LABEL.police}</option>
            <option value="police_admin">{ROLE_LABEL.police_admin}</option>
          </select>
        </div>
        {fields.role === 'police' && (
          <div className="field">
            <label htmlFor="new-force">Force</label>
            <select id="new-force" value={fields.forceId} onChange={set('forceId')} aria-invalid={!!errors.forceId}>
              <ForceOptions forces={forces} />
            </select>
            {errors.forceId && <p className="field-error">{errors.forceId}</p>}
          </div>
        )}
      </div>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          Add account
        </button>
      </div>
    </form>
  );
}
