import { type FormEvent, useState } from 'react';
import { Link } from 'react-router-dom';
import { AUDIT_ACTIONS } from '../../../shared/schemas/admin';
import type { UserView } from '../../../shared/schemas/auth';
import type { AuditEntry, AuditList } from '../../../shared/schemas/police';
import { ApiError, api, download } from '../api/client';
import { saveFile } from '../api/save-file';
import { useApiGet } from '../api/useApiGet';

interface Filters {
  userId: string;
  reportId: string;
  action: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { userId: '', reportId: '', action: '', from: '', to: '' };

const queryOf = (f: Filters) =>
  new URLSearchParams(Object.entries(f).filter(([, v]) => v.trim() !== '') as Array<[string, string]>).toString();

/** `key: value` pairs, with the people concerned named by id (the CSV export has the same). */
const detailsText = (d: AuditEntry['details']) =>
  d
    ? Object.entries(d)
        .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ')
    : '—';

/** Who read or changed what, newest first: filter by person, report, action and days; export what is shown as CSV. */
export function AuditSection() {
  const staff = useApiGet<{ users: UserView[] }>('/api/users').data?.users ?? [];
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<string>('');
  const [items, setItems] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [k]: e.target.value }));

  async function load(query: string, after: string | null) {
    setError(null);
    try {
      const page = await api<AuditList>(
        'GET',
        `/api/audit?${query}${after ? `&cursor=${encodeURIComponent(after)}` : ''}&limit=50`,
      );
      setItems((old) => (after ? [...(old ?? []), ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err instanceof ApiError ? (Object.values(err.fieldErrors())[0] ?? err.message) : 'Could not load the audit trail');
    }
  }

  async function handleSubmit(e: FormEvent) {
    e.preventDefault();
    const query = queryOf(filters);
    setApplied(query);
    setExported(null);
    await load(query, null);
  }

  async function handleExport() {
    setError(null);
    try {
      const { blob, filename, progress } = await download(`/api/audit/export?${applied}`, () => {});
      saveFile(blob, filename ?? 'staywatch-audit.csv');
      setExported(`Exported ${Math.max(0, progress.lines - 1)} entries as CSV.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not export');
    }
  }

  return (
    <div className="admin-stack">
      <h2>Audit trail</h2>
      <form className="card form" onSubmit={handleSubmit} aria-label="Audit filters">
        <div className="admin-grid admin-grid-5">
          <div className="field">
            <label htmlFor="audit-user">Person</label>
            <select id="audit-user" value={filters.userId} onChange={set('userId')}>
              <option value="">Anyone</option>
              {staff.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="audit-report">Report id</label>
            <input id="audit-report" value={filters.reportId} onChange={set('reportId')} spellCheck={false} />
          </div>
          <div className="field">
            <label htmlFor="audit-action">Action</label>
            <input id="audit-action" list="audit-actions" value={filters.action} onChange={set('action')} spellCheck={false} />
            <datalist id="audit-actions">
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor="audit-from">From (UTC day)</label>
            <input id="audit-from" type="date" value={filters.from} onChange={set('from')} />
          </div>
          <div className="field">
            <label htmlFor="audit-to">To (UTC day)</label>
            <input id="audit-to" type="date" value={filters.to} onChange={set('to')} />
          </div>
        </div>
        <div className="button-row">
          <button type="submit" className="button button-primary">
            Show entries
          </button>
          <button type="button" className="button" onClick={handleExport} disabled={items === null}>
            Export CSV
          </button>
        </div>
      </form>
      {error && <p className="alert alert-error">{error}</p>}
      {exported && (
        <p className="alert alert-ok" role="status">
          {exported}
        </p>
      )}
      {items && (
        <div className="admin-scroll">
          <table className="table admin-table" data-testid="audit-table">
            <caption className="visually-hidden">Audit entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Report</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td>{e.at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{e.userName ?? e.userId}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.reportId ? (
                      <Link to={`/police?report=${e.reportId}`}>
                        <code>{e.reportId}</code>
                      </Link>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td className="admin-audit-details">{detailsText(e.details)}</td>
                </tr>
              ))}
              {!items.length && (
                <tr>
                  <td colSpan={5}>No entries match these filters.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <button type="button" className="button" onClick={() => load(applied, cursor)}>
          Show older entries
        </button>
      )}
    </div>
  );
}
