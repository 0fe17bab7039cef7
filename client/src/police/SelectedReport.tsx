import './police-map.css';
import L from 'leaflet';
import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';

/** Above every marker and cluster (markerPane is 600), below tooltips and popups. */
const PANE = 'pw-selected-pane';
const ZOOM = 16;

const icon = L.divIcon({
  className: 'pw-selected-wrap',
  iconSize: [44, 44],
  html: '<span class="pw-selected" aria-hidden="true"><span class="pw-selected-dot"></span></span>',
});

/**
 * The report open in the detail panel: the map flies to it once each time a report is opened (from the queue, the
 * map or a `?report=` link) and marks it with a ring in its own pane above the clusters, so it is never hidden
 * under one.
 */
export function SelectedReport({ id, point }: { id: string | null; point: { lat: number; lng: number } | null }) {
  const map = useMap();
  const flownTo = useRef<string | null>(null);

  if (!map.getPane(PANE)) map.createPane(PANE).classList.add('pw-selected-layer');

  useEffect(() => {
    if (!id) flownTo.current = null;
  }, [id]);

  useEffect(() => {
    if (!id || !point) return;
    const marker = L.marker([point.lat, point.lng], {
      icon,
      pane: PANE,
      interactive: false,
      keyboard: false,
    }).addTo(map);
    const el = marker.getElement();
    if (el) {
      el.dataset.testid = 'map-selected';
      el.removeAttribute('tabindex');
    }
    if (flownTo.current !== id) {
      flownTo.current = id;
      map.flyTo([point.lat, point.lng], Math.max(map.getZoom(), ZOOM), { duration: 0.8 });
    }
    return () => {
      marker.remove();
    };
  }, [id, point, map]);
  return null;
}
