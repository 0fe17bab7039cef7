import { useState } from 'react';
import type { SystemStatus } from '../../../shared/schemas/admin';
import { useApiGet } from '../api/useApiGet';
import { formatUkDateTime } from '../../../shared/time';

const SOURCE = {
  uri: 'External database (MONGODB_URI)',
  mongod: 'Local MongoDB (mongod)',
  ferretdb: 'Local FerretDB on SQLite',
  unknown: 'Unknown',
} as const;

function ago(ms: number | null): string {
  if (ms === null) return 'not yet';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function Health({ ok, text }: { ok: boolean; text: string }) {
  return <span className={`badge ${ok ? 'badge-ok' : 'badge-danger'}`}>{ok ? `✓ ${text}` : `⚠ ${text}`}</span>;
}

/** The running system at a glance: database, outbox, map index and its last snapshot. */
export function StatusSection() {
  const [version, setVersion] = useState(0);
  const { data: s, error } = useApiGet<SystemStatus>('/api/admin/status', 0, version);
  return (
    <div className="admin-stack">
      <div className="admin-head">
        <h2>System status</h2>
        <button type="button" className="button" onClick={() => setVersion((v) => v + 1)}>
          Refresh
        </button>
      </div>
      {error && <p className="alert alert-error">{error}</p>}
      {s && (
        <div className="admin-status-grid" data-testid="system-status">
          <section className="card" aria-labelledby="st-db">
            <h3 id="st-db">Database</h3>
            <Health ok={s.db.reachable} text={s.db.reachable ? 'Reachable' : 'Not reachable'} />
            <dl className="details admin-details">
              <dt>Engine</dt>
              <dd>{SOURCE[s.db.source]}</dd>
              <dt>Version</dt>
              <dd>{s.db.version ?? '—'}</dd>
              <dt>Server up for</dt>
              <dd>{ago(s.uptimeSeconds * 1000)}</dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="st-outbox">
            <h3 id="st-outbox">Email outbox</h3>
            <Health
              ok={!s.outbox.overdue && s.outbox.recentFailures.length === 0}
              text={s.outbox.overdue ? `${s.outbox.overdue} overdue` : s.outbox.failed ? `${s.outbox.failed} failed` : 'Flowing'}
            />
            <dl className="details admin-details">
              <dt>Waiting to send</dt>
              <dd>{s.outbox.waiting ?? 'not counted yet'}</dd>
              <dt>Oldest due</dt>
              <dd>{s.outbox.oldestDueAt ? formatUkDateTime(s.outbox.oldestDueAt) : '—'}</dd>
              <dt>Failed for good</dt>
              <dd>{s.outbox.failed}</dd>
              <dt>Counted</dt>
              <dd>{s.outbox.sampledAt ? formatUkDateTime(s.outbox.sampledAt) : 'not yet'}</dd>
            </dl>
            {s.outbox.recentFailures.length > 0 && (
              <ul className="admin-failures" aria-label="Latest failed deliveries">
                {s.outbox.recentFailures.map((f) => (
                  <li key={`${f.at}${f.error}`}>
                    {formatUkDateTime(f.at)}: {f.kind} email, attempt {f.attempt + 1}: {f.error}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="st-map">
            <h3 id="st-map">Map index</h3>
            <Health
              ok={s.mapIndex.ready && (s.mapIndex.lagMs ?? 0) < 60_000}
              text={s.mapIndex.ready ? `Lag ${ago(s.mapIndex.lagMs)}` : 'Building'}
            />
            <dl className="details admin-details">
              <dt>Reports held</dt>
              <dd>{s.mapIndex.reports.toLocaleString('en-GB')}</dd>
              <dt>Since other servers' changes were read</dt>
              <dd>{ago(s.mapIndex.lagMs)}</dd>
              <dt>Changes not yet in a snapshot</dt>
              <dd>{s.mapIndex.unsnapshottedChanges.toLocaleString('en-GB')}</dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="st-snap">
            <h3 id="st-snap">Last snapshot</h3>
            {s.snapshot ? (
              <>
                <Health ok={s.snapshot.ageMs < 30 * 60_000} text={`${ago(s.snapshot.ageMs)} old`} />
                <dl className="details admin-details">
                  <dt>Written</dt>
                  <dd>{formatUkDateTime(s.snapshot.at)}</dd>
                  <dt>Reports</dt>
                  <dd>{s.snapshot.reports.toLocaleString('en-GB')}</dd>
                  <dt>Size</dt>
                  <dd>{(s.snapshot.bytes / 1024 / 1024).toFixed(1)} MB</dd>
                </dl>
              </>
            ) : (
              <p>No snapshot yet: a restart reads every report.</p>
            )}
          </section>
        </div>
      )}
    </div>
  );
}
