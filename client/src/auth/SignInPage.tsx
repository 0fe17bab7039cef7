import { type FormEvent, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { Field } from '../forms/Field';
import { homePathFor, useAuth } from './AuthContext';
import { safeNextPath } from './safe-next';

const TITLES: Record<string, string> = {
  police: 'Police sign-in',
  owner: 'Owner and host sign-in',
};

export function SignInPage() {
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const user = await signIn({
        email: String(form.get('email')),
        password: String(form.get('password')),
      });
      navigate(safeNextPath(params.get('next')) ?? homePathFor(user));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page narrow">
      <h1>{TITLES[params.get('as') ?? ''] ?? 'Sign in'}</h1>
      <form className="form card" onSubmit={handleSubmit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <Field id="email" label="Email">
          {(p) => <input {...p} name="email" type="email" autoComplete="username" required />}
        </Field>
        <Field id="password" label="Password">
          {(p) => <input {...p} name="password" type="password" autoComplete="current-password" required />}
        </Field>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        Owner or host without an account? <Link to="/register">Create one</Link>. Police accounts are created by your
        force&rsquo;s administrator.
      </p>
    </div>
  );
}
