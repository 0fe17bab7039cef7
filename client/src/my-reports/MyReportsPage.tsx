import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { ReportPublicView } from '../../../shared/schemas/reports';
import { ApiError, api } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { ReportStatus } from '../follow-up/ReportStatus';
import '../report/report.css';

/** Hosts and owners with an account: the reports they filed, in the same view as follow-up. */
export function MyReportsPage() {
  const { user, ready } = useAuth();
  const [reports, setReports] = useState<ReportPublicView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!user) return;
    api<{ reports: ReportPublicView[] }>('GET', '/api/reports/mine')
      .then((r) => setReports(r.reports))
      .catch((err) => setError(err instanceof ApiError ? err.message : 'Could not load your reports.'));
  }, [user]);

  /** A host's answer to a police question, sent signed in (no passphrase); the report is replaced by the answer. */
  async function handleReply(reference: string, index: number, text: string) {
    const updated = await api<ReportPublicView>('POST', `/api/reports/mine/${encodeURIComponent(reference)}/addendum`, {
      text,
      answers: index,
    });
    setReports((list) => list?.map((r) => (r.reference === reference ? updated : r)) ?? null);
  }

  if (!ready) return <div className="page narrow">Loading…</div>;
  if (!user || (user.role !== 'host' && user.role !== 'owner')) {
    return (
      <div className="page narrow">
        <h1>My reports</h1>
        <p>
          <Link to="/sign-in?next=/my-reports">Sign in as a host or owner</Link> to see reports you filed. Reported anonymously?{' '}
          <Link to="/follow-up">Follow up with your reference and passphrase</Link>.
        </p>
      </div>
    );
  }
  return (
    <div className="page narrow report-page">
      <h1>My reports</h1>
      <div className="button-row">
        <Link to="/report" className="button button-primary">
          Report a concern
        </Link>
      </div>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {reports === null && !error && <p aria-live="polite">Loading your reports…</p>}
      {reports?.length === 0 && <p>You have not filed any reports while signed in.</p>}
      {reports?.map((r) => (
        <ReportStatus key={r.reference} report={r} onReply={(index, text) => handleReply(r.reference, index, text)} />
      ))}
    </div>
  );
}
