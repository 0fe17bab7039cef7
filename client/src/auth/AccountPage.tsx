import { Navigate } from 'react-router-dom';
import { useAuth } from './AuthContext';

export function AccountPage() {
  const { user, ready } = useAuth();
  if (!ready) return <p className="page">Loading…</p>;
  if (!user) return <Navigate to="/sign-in?next=/account" replace />;
  return (
    <div className="page narrow">
      <h1>My account</h1>
      <dl className="card details">
        <dt>Name</dt>
        <dd>{user.name}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        {user.forceId && (
          <>
            <dt>Force</dt>
            <dd>{user.forceId}</dd>
          </>
        )}
      </dl>
    </div>
  );
}
