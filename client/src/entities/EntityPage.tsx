import 'leaflet/dist/leaflet.css';
import { useEffect, useMemo, useState } from 'react';
import { CircleMarker, MapContainer, Tooltip, useMap } from 'react-leaflet';
import { Link, Navigate, useLocation, useParams } from 'react-router-dom';
import { ENTITY_KIND_LABEL } from '../../../shared/entities';
import type { EntityDetail, EntityReport } from '../../../shared/schemas/entities';
import { INDICATORS, PROPERTY_TYPES } from '../../../shared/taxonomy';
import { formatUkDateTime } from '../../../shared/time';
import { ApiError, download } from '../api/client';
import { saveFile } from '../api/save-file';
import { useApiGet } from '../api/useApiGet';
import { useAuth } from '../auth/AuthContext';
import { BaseTiles } from '../map/tiles';
import { StatusBadge } from '../police/badges';
import { TimelineChart } from '../police/Charts';
import { packPath } from './entity-link';
import { useMore } from './use-more';
import './entities.css';

const TYPE_LABEL = new Map<string, string>(PROPERTY_TYPES.map((t) => [t.id, t.label]));
const IND_LABEL = new Map<number, string>(INDICATORS.map((i) => [i.id, i.label]));

/** /police/entities/:key — one deal line, vehicle, listing or line name (police only). */
export function EntityPage() {
  const { user, ready } = useAuth();
  const location = useLocation();
  const { key = '' } = useParams();
  if (!ready) return <p className="page">Loading…</p>;
  if (!user) return <Navigate to={`/sign-in?as=police&next=${encodeURIComponent(location.pathname)}`} replace />;
  if (user.role !== 'police' && user.role !== 'police_admin') {
    return (
      <div className="page narrow">
        <h1>No access</h1>
        <div className="alert alert-warn">Linked intelligence is only for police officers and analysts.</div>
      </div>
    );
  }
  return <EntityView key={key} entityKey={key} />;
}

function FitReports({ reports }: { reports: EntityReport[] }) {
  const map = useMap();
  useEffect(() => {
    if (!reports.length) return;
    const lats = reports.map((r) => r.lat);
    const lngs = reports.map((r) => r.lng);
    map.fitBounds(
      [
        [Math.min(...lats), Math.min(...lngs)],
        [Math.max(...lats), Math.max(...lngs)],
      ],
      { padding: [24, 24], maxZoom: 15 },
    );
  }, [map, reports]);
  return null;
}

function PackButtons({ entityKey }: { entityKey: string }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  async function handlePack(format: 'csv' | 'html') {
    setBusy(true);
    setMessage(null);
    try {
      const { blob, filename } = await download(packPath(entityKey, format), () => undefined);
      saveFile(blob, filename ?? `evidence-pack.${format}`);
      setMessage(`Evidence pack downloaded (${format.toUpperCase()}). The download is recorded in the audit log.`);
    } catch (err) {
      setMessage(err instanceof ApiError ? err.message : 'The download failed');
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="entity-pack">
      <div className="button-row">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => handlePack('html')}>
          Download evidence pack (printable HTML)
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => handlePack('csv')}>
          Download evidence pack (CSV)
        </button>
      </div>
      <p className="hint" role="status">
        {message ?? 'For a DDTRO application or a closure-order file: every report of your force, UK times.'}
      </p>
    </div>
  );
}

function EntityView({ entityKey }: { entityKey: string }) {
  const path = `/api/entities/${encodeURIComponent(entityKey)}`;
  const { data, error } = useApiGet<EntityDetail>(path);
  const later = useMore(
    data,
    (page: EntityDetail) => page.reports,
    (cursor) => `${path}?cursor=${cursor}`,
  );
  // One array while nothing changes: the map fits itself to the reports again only when more of them arrive.
  const reports = useMemo(() => (data ? [...data.reports, ...later.more] : []), [data, later.more]);
  if (error)
    return (
      <div className="page narrow">
        <h1>Not found</h1>
        <div className="alert alert-warn">{error}</div>
        <Link to="/police">Back to the workspace</Link>
      </div>
    );
  if (!data) return <p className="page">Loading…</p>;
  return (
    <div className="page entity-page">
      <p>
        <Link to="/police">← Workspace</Link>
      </p>
      <h1>
        <span className="entity-kind">{ENTITY_KIND_LABEL[data.kind]}</span> {data.label}
      </h1>
      <section className="card entity-summary" aria-labelledby="entity-summary-title">
        <h2 id="entity-summary-title">Summary</h2>
        <dl className="entity-facts">
          <dt>First seen</dt>
          <dd>{formatUkDateTime(data.firstSeen)}</dd>
          <dt>Last seen</dt>
          <dd>{formatUkDateTime(data.lastSeen)}</dd>
          <dt>Reports</dt>
          <dd>{data.total}</dd>
          <dt>Properties involved</dt>
          <dd>{data.properties}</dd>
        </dl>
        {data.otherForce && (
          <p className="alert alert-warn">Also reported in another force area. Contact that force for details.</p>
        )}
        <PackButtons entityKey={data.key} />
      </section>
      <div className="entity-grid">
        <section className="card" aria-labelledby="entity-map-title">
          <h2 id="entity-map-title">Where</h2>
          <div className="entity-map">
            <MapContainer center={[reports[0]!.lat, reports[0]!.lng]} zoom={13} className="entity-leaflet" keyboard>
              <BaseTiles />
              {reports.map((r) => (
                <CircleMarker
                  key={r.id}
                  center={[r.lat, r.lng]}
                  radius={8}
                  pathOptions={{ color: '#7a1c14', fillColor: '#b3261e', fillOpacity: 0.6 }}
                >
                  <Tooltip>{`${r.reference}: ${r.address ?? 'no address'}`}</Tooltip>
                </CircleMarker>
              ))}
              <FitReports reports={reports} />
            </MapContainer>
          </div>
          {reports.length < data.total && <p className="hint">The map shows the {reports.length} reports listed below.</p>}
        </section>
        <section className="card" aria-labelledby="entity-when-title">
          <h2 id="entity-when-title">When (UK time)</h2>
          <TimelineChart days={data.timeline.map((d) => ({ date: d.day, count: d.count }))} />
          <h3>Indicators</h3>
          <ul className="pw-plain-list">
            {data.indicators.map((i) => (
              <li key={i.id}>
                {IND_LABEL.get(i.id) ?? i.id}: <strong>{i.count}</strong>
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section className="card" aria-labelledby="entity-reports-title">
        <h2 id="entity-reports-title">
          Reports ({data.total}, oldest first{reports.length < data.total ? `; the first ${reports.length} shown` : ''})
        </h2>
        <div className="table-scroll">
          <table className="entity-table">
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Seen (UK time)</th>
                <th scope="col">Place</th>
                <th scope="col">Property</th>
                <th scope="col">Written as</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {reports.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/police?report=${r.id}`}>{r.reference}</Link>
                  </td>
                  <td>{formatUkDateTime(r.observedFrom)}</td>
                  <td>{r.address ?? `${r.lat.toFixed(4)}, ${r.lng.toFixed(4)}`}</td>
                  <td>{TYPE_LABEL.get(r.propertyType) ?? r.propertyType}</td>
                  <td>{r.raw}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {later.next && (
          <button type="button" className="button" disabled={later.busy} onClick={later.loadMore}>
            Show the next reports ({data.total - reports.length} more)
          </button>
        )}
        {later.error && <p className="hint">{later.error}</p>}
      </section>
    </div>
  );
}
