import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { LIMITS } from '../../../shared/limits';
import { type RegisterAccepted, RegisterBody } from '../../../shared/schemas/auth';
import { ApiError, api } from '../api/client';
import { Field } from '../forms/Field';
import { homePathFor, useAuth } from './AuthContext';

/**
 * Registration answers 202 the same way whether or not the email already has an account (so the page cannot
 * tell anyone which addresses are registered). A new account is ready at once: the page then signs in with the
 * password just chosen. If that sign-in is refused, the address most likely has an account already, and its
 * owner has been emailed; the page says so without claiming either.
 */
export function RegisterPage() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = Object.fromEntries(new FormData(e.currentTarget));
    const parsed = RegisterBody.safeParse(form);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setErrors({});
    setError(null);
    setNotice(null);
    setBusy(true);
    try {
      await api<RegisterAccepted>('POST', '/api/auth/register', parsed.data);
    } catch (err) {
      if (err instanceof ApiError) {
        const fields = err.fieldErrors();
        setErrors(fields);
        // A field's own message says what to change; the banner is for everything else (e.g. too many attempts).
        setError(Object.keys(fields).length ? null : err.message);
      } else setError('Registration failed');
      setBusy(false);
      return;
    }
    try {
      navigate(homePathFor(await signIn({ email: parsed.data.email, password: parsed.data.password })));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_credentials') {
        setNotice(
          'We could not sign you in with this email and password. If you already have an account with this email, we have sent you an email: sign in with your existing password instead.',
        );
      } else setError(err instanceof ApiError ? err.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page narrow">
      <h1>Create an owner or host account</h1>
      <form className="form card" onSubmit={handleSubmit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        {notice && (
          <div className="alert alert-warn" role="status">
            {notice} <Link to="/sign-in?as=owner">Go to sign-in</Link>
          </div>
        )}
        <Field id="name" label="Your name" error={errors.name}>
          {(p) => <input {...p} name="name" autoComplete="name" required />}
        </Field>
        <Field id="email" label="Email" error={errors.email}>
          {(p) => <input {...p} name="email" type="email" autoComplete="email" required />}
        </Field>
        <Field
          id="password"
          label="Password"
          error={errors.password}
          hint={
            <>
              At least {LIMITS.passwordMin} characters, not a common password, and not your email address. A few unrelated words
              work well.
            </>
          }
        >
          {(p) => (
            <input {...p} name="password" type="password" autoComplete="new-password" minLength={LIMITS.passwordMin} required />
          )}
        </Field>
        <fieldset className="field">
          <legend>I am</legend>
          <label className="choice">
            <input type="radio" name="role" value="owner" defaultChecked /> A property owner, letting or hotel manager
          </label>
          <label className="choice">
            <input type="radio" name="role" value="host" /> A host, cleaner or member of staff who reports concerns
          </label>
        </fieldset>
        <button type="submit" className="button button-primary" disabled={busy}>
          Create account
        </button>
      </form>
    </div>
  );
}
