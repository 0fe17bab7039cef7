import { type FormEvent, useState } from 'react';
import { Navigate, useNavigate } from 'react-router-dom';
import { LIMITS } from '../../../shared/limits';
import { ApiError } from '../api/client';
import { Field } from '../forms/Field';
import { useAuth } from './AuthContext';
import './account.css';

const ROLE_NAMES: Record<string, string> = {
  police: 'Police officer',
  police_admin: 'Police administrator',
  owner: 'Property owner',
  host: 'Host',
};

function ChangePasswordForm() {
  const { changePassword } = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function handleChange(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setDone(false);
    const problems: Record<string, string> = {};
    if (!current) problems.currentPassword = 'Enter your current password';
    if (next.length < LIMITS.passwordMin) problems.newPassword = `Use at least ${LIMITS.passwordMin} characters`;
    if (next !== again) problems.again = 'The two new passwords are different';
    setErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      await changePassword({ currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = err.fieldErrors();
        setErrors(Object.keys(fields).length ? fields : { form: err.message });
      } else setErrors({ form: 'Could not change the password. Please try again.' });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form" onSubmit={handleChange} noValidate aria-labelledby="password-heading">
      <h2 id="password-heading">Change your password</h2>
      {errors.form && (
        <p className="alert alert-error" role="alert">
          {errors.form}
        </p>
      )}
      <Field id="currentPassword" label="Current password" error={errors.currentPassword}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        )}
      </Field>
      <Field
        id="newPassword"
        label="New password"
        error={errors.newPassword}
        hint={`At least ${LIMITS.passwordMin} characters, not a common password, and not your email address.`}
      >
        {(p) => (
          <input {...p} type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        )}
      </Field>
      <Field id="newPasswordAgain" label="New password again" error={errors.again} errorId="newPasswordAgain-error">
        {(p) => (
          <input {...p} type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} />
        )}
      </Field>
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={busy}>
          Change password
        </button>
        <p className="hint" role="status">
          {done ? 'Your password is changed. You stay signed in here; other devices are signed out.' : ''}
        </p>
      </div>
    </form>
  );
}

function DeleteAccount() {
  const { deleteAccount } = useAuth();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleDelete() {
    setBusy(true);
    setError(null);
    try {
      await deleteAccount();
      navigate('/?account=deleted', { replace: true });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not delete the account. Please try again.');
      setBusy(false);
    }
  }

  return (
    <section className="card danger-zone" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete your account</h2>
      <p>
        This deletes your account, your properties, your alerts and the record of alerts sent to you. Reports you sent stay with
        police, without your account.
      </p>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      {confirming ? (
        <fieldset className="button-row plain-fieldset">
          <legend>Are you sure? This cannot be undone.</legend>
          <button type="button" className="button button-danger" onClick={handleDelete} disabled={busy}>
            Yes, delete my account
          </button>
          <button type="button" className="button" onClick={() => setConfirming(false)} disabled={busy}>
            Keep my account
          </button>
        </fieldset>
      ) : (
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
          Delete my account…
        </button>
      )}
    </section>
  );
}

export function AccountPage() {
  const { user, ready } = useAuth();
  if (!ready) return <p className="page">Loading…</p>;
  if (!user) return <Navigate to="/sign-in?next=/account" replace />;
  const mayDelete = user.role === 'owner' || user.role === 'host';
  return (
    <div className="page narrow">
      <h1>My account</h1>
      <dl className="card details">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd>{ROLE_NAMES[user.role] ?? user.role}</dd>
        {user.forceId && (
          <>
            <dt>Force</dt>
            <dd>{user.forceId}</dd>
          </>
        )}
      </dl>
      <ChangePasswordForm />
      {mayDelete && <DeleteAccount />}
      {!mayDelete && <p className="hint">Police accounts are closed by your force&rsquo;s StayWatch administrator.</p>}
    </div>
  );
}
