import { type FormEvent, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ApiError, api } from '../api/client';
import { Field } from '../forms/Field';

/** Choose a new password with the one-time link an administrator made (`/reset-password?token=…`). */
export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    if (password !== again) return setErrors({ again: 'The two passwords are not the same' });
    setBusy(true);
    setErrors({});
    try {
      await api('POST', '/api/auth/password-reset', { token, password });
      setDone(true);
    } catch (err) {
      setErrors(err instanceof ApiError ? { form: err.message, ...err.fieldErrors() } : { form: 'Could not set the password' });
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <div className="page narrow">
        <h1>Your password is changed</h1>
        <p className="alert alert-ok" role="status">
          You are signed out everywhere. Sign in with your new password.
        </p>
        <Link className="button button-primary" to="/sign-in">
          Sign in
        </Link>
      </div>
    );
  }
  return (
    <div className="page narrow">
      <h1>Choose a new password</h1>
      {!token && <p className="alert alert-error">This page needs the link your administrator gave you.</p>}
      <form className="card form" onSubmit={handleSubmit} noValidate>
        {(errors.form || errors.token) && (
          <p className="alert alert-error" role="alert">
            {errors.token ?? errors.form}
          </p>
        )}
        <Field
          id="new-password"
          label="New password"
          error={errors.password}
          hint="At least 12 characters. A phrase of three or four unrelated words is easy to remember and hard to guess."
        >
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          )}
        </Field>
        <Field id="new-password-again" label="New password again" error={errors.again}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={(e) => setAgain(e.target.value)}
              required
            />
          )}
        </Field>
        <button type="submit" className="button button-primary" disabled={busy || !token}>
          Set new password
        </button>
      </form>
    </div>
  );
}
