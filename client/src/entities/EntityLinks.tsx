import { Link } from 'react-router-dom';
import { ENTITY_KIND_LABEL } from '../../../shared/entities';
import type { ReportEntities } from '../../../shared/schemas/entities';
import { useApiGet } from '../api/useApiGet';
import { StatusBadge } from '../police/badges';
import { entityPath } from './entity-link';
import { useMore } from './use-more';

/**
 * In a report's detail (police only): the phones, vehicles, listings and line names it mentions, each linking to
 * its entity page, and the other reports of the force that share one, with why ("same number, written differently").
 */
export function EntityLinks({ reportId, onOpen }: { reportId: string; onOpen: (id: string) => void }) {
  const { data, error } = useApiGet<ReportEntities>(`/api/reports/${reportId}/entities`);
  const later = useMore(
    data,
    (page: ReportEntities) => page.linked,
    (cursor) => `/api/reports/${reportId}/entities?cursor=${cursor}`,
  );
  if (error) return <p className="hint">{error}</p>;
  if (!data) return <p className="hint">Loading…</p>;
  if (data.entities.length === 0) return <p className="hint">No phone numbers, vehicles, listings or line names found.</p>;
  return (
    <div className="entity-links">
      <ul className="pw-plain-list">
        {data.entities.map((e) => (
          <li key={e.key}>
            <span className="entity-kind">{ENTITY_KIND_LABEL[e.kind]}</span> <Link to={entityPath(e.key)}>{e.label}</Link>
            {e.partial && <span className="hint"> (partial)</span>}{' '}
            <span className="hint">
              {e.reports === 0 ? 'no other report' : e.reports === 1 ? '1 other report' : `${e.reports} other reports`}
              {e.otherForce && ' · also reported in another force area'}
            </span>
          </li>
        ))}
      </ul>
      {data.linked.length > 0 && (
        <>
          <h4 className="entity-subtitle">
            Reports sharing these{data.linkedTotal !== undefined ? ` (${data.linkedTotal})` : ''}
          </h4>
          <ul className="pw-plain-list">
            {[...data.linked, ...later.more].map((l) => (
              <li key={l.id}>
                <button type="button" className="pw-linkish" onClick={() => onOpen(l.id)}>
                  {l.reference}
                </button>{' '}
                <StatusBadge status={l.status} />{' '}
                <span className="hint">{l.reasons.map((r) => `${r.label}: ${r.why}`).join('; ')}</span>
              </li>
            ))}
          </ul>
          {later.next && (
            <button type="button" className="pw-linkish" disabled={later.busy} onClick={later.loadMore}>
              Show more ({(data.linkedTotal ?? 0) - data.linked.length - later.more.length} not shown)
            </button>
          )}
          {later.error && <p className="hint">{later.error}</p>}
        </>
      )}
    </div>
  );
}
