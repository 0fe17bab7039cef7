import { Suspense } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { PageLoadBoundary, PageLoading } from './PageLoading';

const ROLE_LABEL = {
  police: 'Police',
  police_admin: 'Police admin',
  owner: 'Owner',
  host: 'Host',
} as const;

export function EmergencyBanner() {
  return (
    <aside className="emergency" aria-label="Emergency">
      <strong>StayWatch is not an emergency service.</strong> If someone is in danger now, call <a href="tel:999">999</a>.
    </aside>
  );
}

export function Layout() {
  const { user, signOut } = useAuth();
  const navigate = useNavigate();
  const { pathname } = useLocation();

  async function handleSignOut() {
    await signOut();
    navigate('/');
  }

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">
            SW
          </span>
          StayWatch
        </Link>
        <nav aria-label="Main" className="site-nav">
          <NavLink to="/report">Report a concern</NavLink>
          <NavLink to="/follow-up">Follow up</NavLink>
          {user ? (
            <>
              {(user.role === 'police' || user.role === 'police_admin') && <NavLink to="/police">Workspace</NavLink>}
              {user.role === 'police' && <NavLink to="/police/alerts">Alerts</NavLink>}
              {user.role === 'police_admin' && <NavLink to="/admin">Admin</NavLink>}
              {(user.role === 'owner' || user.role === 'host') && <NavLink to="/owner">My properties</NavLink>}
              {user.role === 'host' && <NavLink to="/my-reports">My reports</NavLink>}
              <NavLink to="/account">Account</NavLink>
              <span className="who" data-testid="signed-in-as">
                {user.name} <span className="badge">{ROLE_LABEL[user.role]}</span>
              </span>
              <button type="button" className="button button-quiet" onClick={handleSignOut}>
                Sign out
              </button>
            </>
          ) : (
            <NavLink to="/sign-in">Sign in</NavLink>
          )}
        </nav>
      </header>
      <EmergencyBanner />
      <main id="main" tabIndex={-1}>
        {/* Pages load lazily; a failed load is forgotten on the next navigation. */}
        <PageLoadBoundary resetKey={pathname}>
          <Suspense fallback={<PageLoading />}>
            <Outlet />
          </Suspense>
        </PageLoadBoundary>
      </main>
      <footer className="site-footer">
        <p>
          In danger now: <a href="tel:999">999</a>. Non-urgent police: <a href="tel:101">101</a>. Anonymous: Crimestoppers{' '}
          <a href="tel:0800555111">0800 555 111</a>.
        </p>
      </footer>
    </>
  );
}
