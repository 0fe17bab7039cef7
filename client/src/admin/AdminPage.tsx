import { type KeyboardEvent, useRef } from 'react';
import { Navigate, useLocation, useSearchParams } from 'react-router-dom';
import { useAuth } from '../auth/AuthContext';
import { AreasSection } from './AreasSection';
import { AuditSection } from './AuditSection';
import { PeopleSection } from './PeopleSection';
import { StatusSection } from './StatusSection';
import { VerificationSection } from './VerificationSection';
import './admin.css';

const TABS = [
  { id: 'people', label: 'People', Section: PeopleSection },
  { id: 'areas', label: 'Force areas', Section: AreasSection },
  { id: 'verification', label: 'Owner verification', Section: VerificationSection },
  { id: 'audit', label: 'Audit trail', Section: AuditSection },
  { id: 'status', label: 'System status', Section: StatusSection },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** The police admin's console: one tab per job, the open tab kept in the address (`?tab=`). */
export function AdminPage() {
  const { user, ready } = useAuth();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);
  if (!ready) return <p className="page">Loading…</p>;
  if (!user)
    return <Navigate to={`/sign-in?as=police&next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (user.role !== 'police_admin') {
    return (
      <div className="page narrow">
        <h1>No access</h1>
        <div className="alert alert-warn">
          The admin console is only for police administrators. Your account does not have access.
        </div>
      </div>
    );
  }
  const current = TABS.find((t) => t.id === params.get('tab')) ?? TABS[0];

  function handleSelect(id: TabId) {
    setParams({ tab: id }, { replace: true });
  }

  function handleKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const i = TABS.findIndex((t) => t.id === current.id);
    const next =
      e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? -1 : null;
    if (next === null) return;
    e.preventDefault();
    const k = (next + TABS.length) % TABS.length;
    handleSelect(TABS[k]!.id);
    tabRefs.current[k]?.focus();
  }

  const { Section } = current;
  return (
    <div className="page admin-page">
      <h1>Admin console</h1>
      <div className="admin-tabs" role="tablist" aria-label="Admin sections" onKeyDown={handleKeyDown}>
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              tabRefs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`admin-tab-${t.id}`}
            aria-selected={t.id === current.id}
            aria-controls={`admin-panel-${t.id}`}
            tabIndex={t.id === current.id ? 0 : -1}
            className="admin-tab"
            onClick={() => handleSelect(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <section
        id={`admin-panel-${current.id}`}
        role="tabpanel"
        aria-labelledby={`admin-tab-${current.id}`}
        className="admin-panel"
      >
        <Section />
      </section>
    </div>
  );
}
