import { type FormEvent, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { LIMITS } from '../../../shared/limits';
import { RegisterBody } from '../../../shared/schemas/auth';
import { ApiError } from '../api/client';
import { homePathFor, useAuth } from './AuthContext';

export function RegisterPage() {
  const { register } = useAuth();
  const navigate = useNavigate();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);

  async function handleSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = Object.fromEntries(new FormData(e.currentTarget));
    const parsed = RegisterBody.safeParse(form);
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setErrors({});
    try {
      navigate(homePathFor(await register(parsed.data)));
    } catch (err) {
      if (err instanceof ApiError) {
        setErrors(err.fieldErrors());
        setError(err.message);
      } else setError('Registration failed');
    }
  }

  const fieldError = (name: string) =>
    errors[name] ? (
      <p className="field-error" id={`${name}-error`}>
        {errors[name]}
      </p>
    ) : null;

  return (
    <div className="page narrow">
      <h1>Create an owner or host account</h1>
      <form className="form card" onSubmit={handleSubmit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <div className="field">
          <label htmlFor="name">Your name</label>
          <input id="name" name="name" autoComplete="name" required aria-invalid={!!errors.name} aria-describedby="name-error" />
          {fieldError('name')}
        </div>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            aria-invalid={!!errors.email}
            aria-describedby="email-error"
          />
          {fieldError('email')}
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={LIMITS.passwordMin}
            required
            aria-invalid={!!errors.password}
            aria-describedby="password-hint password-error"
          />
          <p className="hint" id="password-hint">
            At least {LIMITS.passwordMin} characters.
          </p>
          {fieldError('password')}
        </div>
        <fieldset className="field">
          <legend>I am</legend>
          <label className="choice">
            <input type="radio" name="role" value="owner" defaultChecked /> A property owner, letting or hotel manager
          </label>
          <label className="choice">
            <input type="radio" name="role" value="host" /> A host, cleaner or member of staff who reports concerns
          </label>
        </fieldset>
        <button type="submit" className="button button-primary">
          Create account
        </button>
      </form>
    </div>
  );
}
