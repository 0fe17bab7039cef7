import { Link } from 'react-router-dom';
import { ENTITY_KIND_LABEL } from '../../../shared/entities';
import type { EntityNetwork as Network } from '../../../shared/schemas/entities';
import { useApiGet } from '../api/useApiGet';
import { entityPath } from './entity-link';

/**
 * The workspace's network view for the current selection (same filters as the queue): the entities its reports
 * mention, most-shared first, each with the reports that mention it; an entity shared by several reports is a link.
 */
export function EntityNetwork({ query, version, onOpen }: { query: string; version: number; onOpen: (id: string) => void }) {
  const { data, error } = useApiGet<Network>(`/api/entities/network?${query}&limit=500`, 300, version);
  if (error) return <p className="hint">{error}</p>;
  if (!data) return <p className="hint">Loading…</p>;
  const shared = data.entities.filter((e) => e.reportIds.length > 1);
  if (!data.entities.length) return <p className="hint">No phone numbers, vehicles, listings or line names in this selection.</p>;
  const refOf = new Map(data.reports.map((r) => [r.id, r.reference]));
  return (
    <div className="entity-network">
      <p className="hint">
        {data.entities.length} entities in {data.reports.length} reports{data.truncated ? ' (newest 500 reports)' : ''};{' '}
        {shared.length} shared by more than one report.
      </p>
      <ul className="entity-network-list">
        {(shared.length ? shared : data.entities).slice(0, 12).map((e) => (
          <li key={e.key}>
            <span className="entity-kind">{ENTITY_KIND_LABEL[e.kind]}</span> <Link to={entityPath(e.key)}>{e.label}</Link>{' '}
            <span className="hint">
              {e.reportIds.length} report{e.reportIds.length === 1 ? '' : 's'}
              {e.otherForce ? ' · also in another force area' : ''}
            </span>
            <ul className="entity-network-reports" aria-label={`Reports mentioning ${e.label}`}>
              {e.reportIds.slice(0, 8).map((id) => (
                <li key={id}>
                  <button type="button" className="pw-linkish" onClick={() => onOpen(id)}>
                    {refOf.get(id) ?? id}
                  </button>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </div>
  );
}
