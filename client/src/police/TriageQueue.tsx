import { useEffect, useState } from 'react';
import type { ReportList, ReportSummary } from '../../../shared/schemas/police';
import { PROPERTY_TYPES } from '../../../shared/taxonomy';
import { ApiError, api } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { formatDate, PriorityBadge, StatusBadge } from './badges';
import './officer-actions.css';

const TYPE_LABEL = Object.fromEntries(PROPERTY_TYPES.map((t) => [t.id, t.label]));

/** Safeguarding first then newest, 50 at a time with "Load more"; reloads from the top when the filters change. */
export function TriageQueue({
  query,
  version,
  selectedId,
  onSelect,
  forceName,
}: {
  query: string;
  version: number;
  selectedId: string | null;
  onSelect: (id: string) => void;
  /** For a police admin, who sees every force: each report's force by name. */
  forceName?: (id: string) => string;
}) {
  const [items, setItems] = useState<ReportSummary[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const { user } = useAuth();

  /** Opening a report marks it read for its assigned officer (or anyone while nobody is): the server's rule. */
  function handleOpen(r: ReportSummary) {
    if (r.unread && (!r.assignedTo || r.assignedTo.id === user?.id))
      setItems((prev) => prev.map((x) => (x.id === r.id ? { ...x, unread: false } : x)));
    onSelect(r.id);
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` forces a reload after a change elsewhere
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    const timer = setTimeout(() => {
      api<ReportList>('GET', `/api/reports?${query}&limit=50`, undefined, controller.signal)
        .then((list) => {
          setItems(list.items);
          setTotal(list.total);
          setCursor(list.nextCursor);
          setError(null);
          setLoading(false);
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          setError(err instanceof ApiError ? err.message : 'Could not load the queue');
          setLoading(false);
        });
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query, version]);

  async function handleLoadMore() {
    if (!cursor) return;
    setLoading(true);
    try {
      const list = await api<ReportList>('GET', `/api/reports?${query}&limit=50&cursor=${encodeURIComponent(cursor)}`);
      setItems((prev) => [...prev, ...list.items]);
      setCursor(list.nextCursor);
      setTotal(list.total);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load more');
    } finally {
      setLoading(false);
    }
  }

  return (
    <section className="pw-queue card" aria-labelledby="pw-queue-title" aria-busy={loading}>
      <div className="pw-section-head">
        <h2 id="pw-queue-title">Triage queue</h2>
        <span className="hint" data-testid="queue-total" aria-live="polite">
          {total === null ? 'Loading…' : `${total.toLocaleString('en-GB')} report${total === 1 ? '' : 's'}`}
        </span>
      </div>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {total === 0 && !loading && <p className="hint">No reports match these filters.</p>}
      <ul className="pw-queue-list">
        {items.map((r) => (
          <li key={r.id}>
            <button
              type="button"
              className={`pw-queue-item${r.priority === 'safeguarding' ? ' pw-queue-item-sg' : ''}`}
              aria-current={selectedId === r.id ? 'true' : undefined}
              onClick={() => handleOpen(r)}
            >
              <span className="pw-queue-top">
                <strong>{r.reference}</strong>
                <PriorityBadge priority={r.priority} />
                <StatusBadge status={r.status} />
                {r.unread && <span className="badge badge-unread">New information</span>}
              </span>
              {forceName && (
                <span className="pw-queue-meta pw-queue-force" data-testid="queue-force">
                  {forceName(r.forceId)}
                </span>
              )}
              <span className="pw-queue-meta">
                {r.address ?? `${r.lat.toFixed(4)}, ${r.lng.toFixed(4)}`} · {TYPE_LABEL[r.propertyType]}
              </span>
              <span className="pw-queue-meta">
                Seen {formatDate(r.observedFrom)} · {r.indicators.length} indicator{r.indicators.length === 1 ? '' : 's'}
                {r.assignedTo ? ` · ${r.assignedTo.name}` : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {cursor && (
        <button type="button" className="button pw-load-more" onClick={handleLoadMore} disabled={loading}>
          {loading ? 'Loading…' : `Load more (${items.length} of ${total?.toLocaleString('en-GB')})`}
        </button>
      )}
    </section>
  );
}
