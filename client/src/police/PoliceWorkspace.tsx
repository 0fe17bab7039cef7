import 'leaflet/dist/leaflet.css';
import type L from 'leaflet';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { MapContainer, useMap } from 'react-leaflet';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import type { EmergingResult } from '../../../shared/schemas/emerging';
import type { ForceBoundaries } from '../../../shared/schemas/force-areas';
import type { ForceView } from '../../../shared/schemas/forces';
import type {
  Bbox,
  ClusterCollection,
  HeatGrid,
  HotspotCollection,
  Repeats,
  ReportDetail,
  Timeline,
} from '../../../shared/schemas/police';
import { useForces } from '../admin/useForces';
import { api } from '../api/client';
import { useApiGet } from '../api/useApiGet';
import { useAuth } from '../auth/AuthContext';
import { EntityNetwork } from '../entities/EntityNetwork';
import { BaseTiles } from '../map/tiles';
import { HourWeekdayMatrix, TimelineChart } from './Charts';
import { EmergingLegend, type EmergingState, emergingStatus } from './EmergingLegend';
import { EmergingPanel } from './EmergingPanel';
import { ExportButtons } from './ExportButtons';
import { fitEmergingCellSize } from './emerging-patterns';
import { FilterPanel } from './FilterPanel';
import { ForceBoundaryLayer } from './ForceBoundaryLayer';
import { HeatMethod, HotspotLegend } from './HotspotLegend';
import { LayerSwitch } from './LayerSwitch';
import { ClusterLayer, EmergingLayer, FlyTo, HeatLayer, HotspotLayer, ViewWatcher } from './map-layers';
import { NearRepeatPanel } from './NearRepeatPanel';
import { RepeatList } from './RepeatList';
import { ReportDetailPanel } from './ReportDetailPanel';
import { ReportSearch } from './ReportSearch';
import { SelectedReport } from './SelectedReport';
import { TriageQueue } from './TriageQueue';
import { filterQuery, readViewState, type ViewState, writeViewState } from './view-state';

const UK: [number, number] = [52.8, -1.8];

/** /police: police and police_admin only. */
export function PoliceWorkspacePage() {
  const { user, ready } = useAuth();
  const location = useLocation();
  if (!ready) return <p className="page">Loading…</p>;
  if (!user)
    return <Navigate to={`/sign-in?as=police&next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (user.role !== 'police' && user.role !== 'police_admin') {
    return (
      <div className="page narrow">
        <h1>No access</h1>
        <div className="alert alert-warn">
          The police workspace is only for police officers and analysts. Your account does not have access.
        </div>
      </div>
    );
  }
  return <PoliceWorkspace />;
}

/** Fits the map to the officer's force area once, unless the URL already says where to look. */
function FitForceArea({ forceId, skip }: { forceId: string | null; skip: boolean }) {
  const map = useMap();
  const done = useRef(skip);
  useEffect(() => {
    if (done.current) return;
    done.current = true;
    api<{ forces: ForceView[] }>('GET', '/api/forces')
      .then(({ forces }) => {
        // An officer's own force; a police admin (no force) sees every force area.
        const mine = forces.filter((x) => x.id === forceId);
        const shown = mine.length ? mine : forces;
        if (!shown.length) return;
        const w = Math.min(...shown.map((f) => f.bbox[0]));
        const s = Math.min(...shown.map((f) => f.bbox[1]));
        const e = Math.max(...shown.map((f) => f.bbox[2]));
        const n = Math.max(...shown.map((f) => f.bbox[3]));
        map.fitBounds(
          [
            [s, w],
            [n, e],
          ],
          // No zoom animation: the first clusters are requested as soon as the map settles.
          { padding: [8, 8], animate: false },
        );
      })
      .catch(() => undefined);
  }, [map, forceId]);
  return null;
}

function PoliceWorkspace() {
  const { user } = useAuth();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const view = useMemo(() => readViewState(params), [params]);
  const viewRef = useRef(view);
  viewRef.current = view;
  const initial = useRef({ center: view.center, zoom: view.zoom, report: view.report });
  const mapSectionRef = useRef<HTMLElement>(null);
  const { nameOf } = useForces();
  const [map, setMap] = useState<{ bbox: Bbox; zoom: number } | null>(null);
  const [version, setVersion] = useState(0);
  const [flyTo, setFlyTo] = useState<{ lat: number; lng: number; zoom: number; key: number } | null>(null);
  const [copied, setCopied] = useState(false);
  // The open report's point, with its id: a detail still on screen from the previous report never moves the map.
  const [selectedPoint, setSelectedPoint] = useState<{ id: string; lat: number; lng: number } | null>(null);
  const handleLoaded = useCallback((d: ReportDetail | null) => {
    setSelectedPoint((prev) =>
      d ? (prev?.id === d.id && prev.lat === d.lat && prev.lng === d.lng ? prev : { id: d.id, lat: d.lat, lng: d.lng }) : null,
    );
  }, []);

  // The workspace's own address: once the officer has followed a link away (whose page may still be loading while
  // this one stays on screen), a late map event must not write the view back and pull them back here.
  const ownPath = useRef(window.location.pathname);
  const update = useCallback(
    (patch: Partial<ViewState>, opts: { push?: boolean } = {}) => {
      if (window.location.pathname !== ownPath.current) return;
      // Commas left readable (c=50.9,-0.1&indicators=3,7) so a shared link is easy to read.
      const search = writeViewState({ ...viewRef.current, ...patch })
        .toString()
        .replace(/%2C/gi, ',');
      navigate({ search: search ? `?${search}` : '' }, { replace: !opts.push });
    },
    [navigate],
  );

  const handleView = useCallback(
    (center: L.LatLng, zoom: number, bbox: Bbox) => {
      setMap({ bbox, zoom });
      update({ center: [center.lat, center.lng], zoom });
    },
    [update],
  );
  const handleSelect = useCallback((id: string) => update({ report: id }, { push: true }), [update]);
  const handleChanged = useCallback(() => setVersion((v) => v + 1), []);

  const listQuery = filterQuery(view, view.inView ? map?.bbox : null).toString();
  const mapQuery = map ? filterQuery(view, map.bbox).toString() : null;

  const clusters = useApiGet<ClusterCollection>(
    mapQuery !== null && view.layer === 'clusters' ? `/api/map/clusters?${mapQuery}&zoom=${Math.round(map!.zoom)}` : null,
    250,
    version,
    true,
  );
  const heat = useApiGet<HeatGrid>(
    mapQuery !== null && view.layer === 'heat'
      ? `/api/map/heat?${mapQuery}&zoom=${Math.round(map!.zoom)}&bandwidth=${view.bandwidth}`
      : null,
    250,
  );
  const hotspots = useApiGet<HotspotCollection>(
    mapQuery !== null && view.layer === 'hotspots'
      ? `/api/map/hotspots?${mapQuery}${view.cellSize ? `&cellSize=${view.cellSize}` : ''}`
      : null,
    250,
  );
  // Emerging hot spots: the cell size chosen, or fitted to the view (so a whole force never asks for too many cells).
  const emergingCellSize = map ? view.emergingCellSize || fitEmergingCellSize(map.bbox) : 0;
  const emergingPath =
    mapQuery !== null && view.layer === 'emerging'
      ? `/api/map/emerging?${mapQuery}&step=${view.step}&cellSize=${emergingCellSize}`
      : null;
  const emergingGet = useApiGet<EmergingResult>(emergingPath, 250);
  // A refusal (too few steps, too many cells) replaces the previous answer rather than leaving it on the map.
  const emerging: EmergingState = {
    data: emergingGet.error ? null : emergingGet.data,
    error: emergingGet.error,
    fitted: view.emergingCellSize === 0,
  };
  // The chosen cell belongs to the answer it was chosen from: a new answer is a new set of cells, with none chosen.
  const [emergingPick, setEmergingPick] = useState<{ of: EmergingResult | null; cell: number } | null>(null);
  const emergingCell = emergingPick?.of === emergingGet.data ? emergingPick.cell : null;
  const setEmergingCell = (cell: number | null) => setEmergingPick(cell === null ? null : { of: emergingGet.data, cell });

  // The charts and repeat list wait for the map's first answer: on a force of a million reports they cost the
  // server more than the clusters do, and the map is what an officer looks at first.
  const mapShown = view.layer !== 'clusters' || clusters.data !== null || clusters.error !== null;
  const timeline = useApiGet<Timeline>(mapShown ? `/api/map/timeline?${listQuery}` : null, 300, version);
  const repeats = useApiGet<Repeats>(mapShown ? `/api/map/repeats?${listQuery}&limit=10` : null, 300, version);

  const boundaries = useApiGet<ForceBoundaries>(view.boundaries ? '/api/forces/areas' : null);

  // The emerging layer's refusals are its "not enough data" state, shown in the legend and status, not as an error.
  const mapError = clusters.error ?? heat.error ?? hotspots.error;
  const mapLoading = clusters.loading || heat.loading || hotspots.loading || (view.layer === 'emerging' && emergingGet.loading);

  async function handleCopyLink() {
    try {
      await navigator.clipboard.writeText(window.location.href);
      setCopied(true);
      setTimeout(() => setCopied(false), 2500);
    } catch {
      setCopied(false);
    }
  }

  return (
    <div className="pw-page">
      <div className="pw-head">
        <div>
          <h1>Police workspace</h1>
          <p className="hint">
            {user?.forceId ? `Reports in your force area (${nameOf(user.forceId)}).` : 'Reports in all force areas.'} The address
            bar always holds this exact view.
          </p>
        </div>
        <ReportSearch onSelect={handleSelect} />
        <div className="pw-head-actions">
          <button type="button" className="button button-quiet" onClick={handleCopyLink}>
            {copied ? 'Link copied' : 'Copy link to this view'}
          </button>
          <ExportButtons query={listQuery} />
        </div>
      </div>

      <div className="pw-grid">
        <div className="pw-area-filters">
          <LayerSwitch view={view} onChange={update} />
          <FilterPanel view={view} onChange={update} />
        </div>

        <section className="pw-area-map" aria-labelledby="pw-map-title" ref={mapSectionRef}>
          <h2 id="pw-map-title" className="visually-hidden">
            Map
          </h2>
          <div className="pw-map-status" aria-live="polite">
            <span data-testid="map-status">
              {mapError
                ? ''
                : view.layer === 'clusters' && clusters.data
                  ? `${clusters.data.total.toLocaleString('en-GB')} report${clusters.data.total === 1 ? '' : 's'} in view, ${clusters.data.features.length} marker${clusters.data.features.length === 1 ? '' : 's'}`
                  : view.layer === 'hotspots' && hotspots.data
                    ? (hotspots.data.meta.notEnough?.reason ??
                      `${hotspots.data.meta.significant} significant cells of ${hotspots.data.meta.tested.toLocaleString('en-GB')} tested (${hotspots.data.meta.correction})`)
                    : view.layer === 'heat' && heat.data
                      ? `Kernel density, bandwidth ${heat.data.bandwidthM} m`
                      : view.layer === 'emerging'
                        ? emergingStatus(emerging)
                        : ''}
            </span>
            {mapLoading && <span className="hint"> Updating…</span>}
          </div>
          {mapError && (
            <div className="alert alert-error" role="alert">
              {mapError}
            </div>
          )}
          <div className="pw-map">
            <MapContainer
              center={initial.current.center ?? UK}
              zoom={initial.current.zoom ?? 6}
              minZoom={5}
              maxZoom={18}
              className="pw-leaflet"
              preferCanvas={false}
            >
              {/* Tiles from TILE_URL; the coastline from our own origin once they fail (offline, blocked, tests). */}
              <BaseTiles />
              {/* A `?report=` link flies to the report instead. */}
              <FitForceArea
                forceId={user?.forceId ?? null}
                skip={initial.current.center !== null || initial.current.report !== null}
              />
              <ViewWatcher onView={handleView} />
              <FlyTo target={flyTo} />
              {view.boundaries && <ForceBoundaryLayer data={boundaries.data} />}
              {view.layer === 'clusters' && <ClusterLayer data={clusters.data} onSelect={handleSelect} />}
              {view.layer === 'heat' && <HeatLayer data={heat.data} />}
              {view.layer === 'hotspots' && <HotspotLayer data={hotspots.data} />}
              {view.layer === 'emerging' && (
                <EmergingLayer data={emerging.data} selected={emergingCell} onSelect={setEmergingCell} />
              )}
              <SelectedReport id={view.report} point={view.report && selectedPoint?.id === view.report ? selectedPoint : null} />
            </MapContainer>
            <Legend layer={view.layer} hotspots={hotspots.data} heat={heat.data} emerging={emerging} />
          </div>
          {view.layer === 'emerging' && <EmergingPanel data={emerging.data} selected={emergingCell} onSelect={setEmergingCell} />}
        </section>

        <div className="pw-area-side">
          {view.report && user && (
            <ReportDetailPanel
              id={view.report}
              me={user}
              onClose={() => update({ report: null }, { push: true })}
              onChanged={handleChanged}
              onOpen={handleSelect}
              onLoaded={handleLoaded}
            />
          )}
          {/* Kept mounted while a report is open, so "Load more" pages survive a look at one report. */}
          <div hidden={Boolean(view.report)}>
            <TriageQueue
              query={listQuery}
              version={version}
              selectedId={view.report}
              onSelect={handleSelect}
              forceName={user?.role === 'police_admin' ? nameOf : undefined}
            />
          </div>
        </div>
      </div>

      <div className="pw-analytics">
        <section className="card" aria-labelledby="pw-timeline-title">
          <h2 id="pw-timeline-title">Reports per day</h2>
          {timeline.data ? <TimelineChart days={timeline.data.days} /> : <p className="hint">{timeline.error ?? 'Loading…'}</p>}
        </section>
        <section className="card" aria-labelledby="pw-matrix-title">
          <h2 id="pw-matrix-title">Hour × weekday (UK time)</h2>
          {timeline.data ? (
            <HourWeekdayMatrix matrix={timeline.data.hourWeekday} />
          ) : (
            <p className="hint">{timeline.error ?? 'Loading…'}</p>
          )}
        </section>
        <section className="card" aria-labelledby="pw-network-title">
          <h2 id="pw-network-title">Linked intelligence</h2>
          {mapShown && <EntityNetwork query={listQuery} version={version} onOpen={handleSelect} />}
        </section>
        <section className="card" aria-labelledby="pw-repeats-title">
          <h2 id="pw-repeats-title">Repeat locations</h2>
          {repeats.error ? (
            <p className="hint">{repeats.error}</p>
          ) : (
            <RepeatList
              data={repeats.data}
              onShow={(lat, lng) => {
                setFlyTo({ lat, lng, zoom: 17, key: Date.now() });
                // The list is below the map: bring the map back into view to show where it went.
                mapSectionRef.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
              }}
            />
          )}
        </section>
        <section className="card" aria-labelledby="pw-knox-title">
          <h2 id="pw-knox-title">Near repeats (Knox test)</h2>
          <NearRepeatPanel query={mapShown ? listQuery : null} />
        </section>
      </div>
    </div>
  );
}

/** Open on wide screens, folded on phones where it would cover the map. */
const LEGEND_OPEN = typeof window !== 'undefined' && window.matchMedia('(min-width: 50rem)').matches;

function Legend({
  layer,
  hotspots,
  heat,
  emerging,
}: {
  layer: ViewState['layer'];
  hotspots: HotspotCollection | null;
  heat: HeatGrid | null;
  emerging: EmergingState;
}) {
  return (
    <details className="pw-legend" open={LEGEND_OPEN}>
      <summary className="pw-legend-title">Legend</summary>
      {layer === 'clusters' && (
        <ul>
          <li>
            <span className="pw-cluster pw-legend-cluster">12</span> Group of reports (select to zoom in)
          </li>
          <li>
            <span className="pw-cluster-star pw-legend-star">★3</span> of which safeguarding
          </li>
          <li>
            <span className="pw-single pw-single-sg pw-legend-single">★</span> Safeguarding report
          </li>
          <li>
            <span className="pw-single pw-legend-single">●</span> Standard report
          </li>
        </ul>
      )}
      {layer === 'heat' && (
        <div>
          <HeatMethod data={heat} />
          <span className="pw-heat-ramp" aria-hidden="true" />
          <span className="pw-heat-labels">
            <span>Fewer</span>
            <span>More reports per km²</span>
          </span>
        </div>
      )}
      {layer === 'hotspots' && <HotspotLegend data={hotspots} />}
      {layer === 'emerging' && <EmergingLegend state={emerging} />}
    </details>
  );
}
