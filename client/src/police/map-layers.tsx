import L from 'leaflet';
import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';
import type { EmergingResult } from '../../../shared/schemas/emerging';
import type { Bbox, ClusterCollection, HeatGrid, HotspotCollection, HotspotFeature } from '../../../shared/schemas/police';
import { patternLabel, patternStyle } from './emerging-patterns';

/** Leaflet bounds as an API bbox, clamped to valid degrees. */
export function boundsToBbox(b: L.LatLngBounds): Bbox {
  const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
  return [
    clamp(b.getWest(), -180, 180),
    clamp(b.getSouth(), -90, 90),
    clamp(b.getEast(), -180, 180),
    clamp(b.getNorth(), -90, 90),
  ];
}

/** Reports the view after every pan or zoom (Leaflet fires moveend for both). */
export function ViewWatcher({ onView }: { onView: (center: L.LatLng, zoom: number, bbox: Bbox) => void }) {
  const map = useMap();
  const onViewRef = useRef(onView);
  onViewRef.current = onView;
  useEffect(() => {
    function handleMoveEnd() {
      onViewRef.current(map.getCenter(), map.getZoom(), boundsToBbox(map.getBounds()));
    }
    handleMoveEnd();
    map.on('moveend', handleMoveEnd);
    return () => {
      map.off('moveend', handleMoveEnd);
    };
  }, [map]);
  return null;
}

/**
 * A cluster: blue disc, with the safeguarding share drawn as a red pie slice in SVG (attributes, not an inline
 * `style`, which the CSP refuses). `pathLength="100"` makes the dash length the percentage.
 */
function clusterLabel(count: number): string {
  return count >= 10_000 ? `${Math.round(count / 1000)}k` : count >= 1000 ? `${(count / 1000).toFixed(1)}k` : String(count);
}

/**
 * The safeguarding count is a CSS badge (`data-sg` shown by ::after), so the marker's visible text is just the count
 * and its accessible name can start with exactly that (WCAG 2.5.3, axe label-content-name-mismatch).
 */
function clusterIcon(count: number, safeguarding: number): L.DivIcon {
  const size = count < 10 ? 34 : count < 100 ? 40 : count < 1000 ? 48 : 56;
  const share = count ? Math.round((safeguarding / count) * 100) : 0;
  const label = clusterLabel(count);
  const pie = share
    ? `<svg class="pw-cluster-pie" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><circle cx="16" cy="16" r="8" fill="none" stroke-width="16" pathLength="100" stroke-dasharray="${share} 100" transform="rotate(-90 16 16)"/></svg>`
    : '';
  return L.divIcon({
    className: 'pw-cluster-wrap',
    iconSize: [size, size],
    html: `<span class="pw-cluster${share >= 50 ? ' pw-cluster-sg' : ''}"${safeguarding ? ` data-sg="${safeguarding}"` : ''}>${pie}<span class="pw-cluster-label">${label}</span></span>`,
  });
}

function singleIcon(safeguarding: boolean): L.DivIcon {
  return L.divIcon({
    className: 'pw-single-wrap',
    iconSize: safeguarding ? [28, 28] : [22, 22],
    html: safeguarding
      ? '<span class="pw-single pw-single-sg" aria-hidden="true">★</span>'
      : '<span class="pw-single" aria-hidden="true">●</span>',
  });
}

/** Server-side clusters as divIcon markers; a cluster zooms to its bounds, a single report opens its detail. */
export function ClusterLayer({ data, onSelect }: { data: ClusterCollection | null; onSelect: (id: string) => void }) {
  const map = useMap();
  const groupRef = useRef<L.LayerGroup | null>(null);
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;

  useEffect(() => {
    const group = L.layerGroup().addTo(map);
    groupRef.current = group;
    return () => {
      group.remove();
      groupRef.current = null;
    };
  }, [map]);

  useEffect(() => {
    const group = groupRef.current;
    if (!group) return;
    group.clearLayers();
    // Never more than ~1,000 markers, whatever the server sends.
    for (const f of (data?.features ?? []).slice(0, 1000)) {
      const [lng, lat] = f.geometry.coordinates;
      const p = f.properties;
      let marker: L.Marker;
      let name: string;
      if (p.cluster) {
        const label = clusterLabel(p.count);
        name = `${label === String(p.count) ? label : `${label} (${p.count})`} reports, ${p.safeguarding} safeguarding. Zoom in`;
        marker = L.marker([lat, lng], { icon: clusterIcon(p.count, p.safeguarding), keyboard: true, title: name });
        const [w, s, e, n] = p.bounds;
        marker.on('click', () => {
          const bounds = L.latLngBounds([s, w], [n, e]);
          if (bounds.getNorthEast().equals(bounds.getSouthWest()))
            map.setView(bounds.getCenter(), Math.min(map.getZoom() + 3, 18));
          else map.fitBounds(bounds.pad(0.1), { maxZoom: 18 });
        });
      } else {
        const sg = p.priority === 'safeguarding';
        name = `Report ${p.reference}${sg ? ', safeguarding' : ''}, ${p.status.replace('_', ' ')}. Open details`;
        marker = L.marker([lat, lng], { icon: singleIcon(sg), keyboard: true, title: name, zIndexOffset: sg ? 500 : 0 });
        marker.on('click', () => onSelectRef.current(p.id));
      }
      // Leaflet makes markers focusable but does not activate them from the keyboard: Enter or Space does.
      marker.on('keydown', (e: L.LeafletKeyboardEvent) => {
        if (e.originalEvent.key === 'Enter' || e.originalEvent.key === ' ') {
          e.originalEvent.preventDefault();
          marker.fire('click');
        }
      });
      marker.addTo(group);
      const el = marker.getElement();
      if (el) {
        el.setAttribute('role', 'button');
        el.setAttribute('aria-label', name);
        el.dataset.testid = p.cluster ? 'map-cluster' : 'map-report';
      }
    }
  }, [data, map]);

  return null;
}

/** Kernel density grid drawn once into a canvas and laid over its bbox. */
export function HeatLayer({ data }: { data: HeatGrid | null }) {
  const map = useMap();
  useEffect(() => {
    if (!data?.cols || !data.rows || !data.max) return;
    const canvas = document.createElement('canvas');
    canvas.width = data.cols;
    canvas.height = data.rows;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(data.cols, data.rows);
    for (let i = 0; i < data.values.length; i++) {
      const t = Math.sqrt((data.values[i] ?? 0) / data.max);
      if (t < 0.02) continue;
      const [r, g, b] = heatColour(t);
      img.data[i * 4] = r;
      img.data[i * 4 + 1] = g;
      img.data[i * 4 + 2] = b;
      img.data[i * 4 + 3] = Math.round(60 + 170 * t);
    }
    ctx.putImageData(img, 0, 0);
    const [w, s, e, n] = data.bbox;
    const overlay = L.imageOverlay(
      canvas.toDataURL(),
      [
        [s, w],
        [n, e],
      ],
      { opacity: 0.8, interactive: false, className: 'pw-heat' },
    ).addTo(map);
    return () => {
      overlay.remove();
    };
  }, [data, map]);
  return null;
}

/** Yellow → orange → dark red ramp. */
function heatColour(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [255, 237, 160],
    [253, 141, 60],
    [189, 0, 38],
  ];
  const x = Math.min(1, t) * 2;
  const i = Math.min(1, Math.floor(x));
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

export const HOTSPOT_STYLE: Record<number, { fill: string; label: string }> = {
  99: { fill: '#b2182b', label: 'Hot spot, 99% confidence' },
  95: { fill: '#ef8a62', label: 'Hot spot, 95% confidence' },
  90: { fill: '#fddbc7', label: 'Hot spot, 90% confidence' },
  [-90]: { fill: '#d1e5f0', label: 'Cold spot, 90% confidence' },
  [-95]: { fill: '#67a9cf', label: 'Cold spot, 95% confidence' },
  [-99]: { fill: '#2166ac', label: 'Cold spot, 99% confidence' },
};

/** Hotspot cells coloured by confidence bin, with a tooltip saying the bin in words. */
export function HotspotLayer({ data }: { data: HotspotCollection | null }) {
  const map = useMap();
  useEffect(() => {
    if (!data) return;
    const layer = L.geoJSON(data as GeoJSON.FeatureCollection, {
      style: (f) => {
        const bin = Number(f?.properties?.bin);
        return { color: '#4a4a4a', weight: 0.5, fillColor: HOTSPOT_STYLE[bin]?.fill ?? '#ccc', fillOpacity: 0.65 };
      },
      onEachFeature: (f, l) => {
        const p = f.properties as HotspotFeature['properties'];
        l.bindTooltip(hotspotTooltip(p));
      },
    }).addTo(map);
    return () => {
      layer.remove();
    };
  }, [data, map]);
  return null;
}

function hotspotTooltip(p: HotspotFeature['properties']): string {
  const label = HOTSPOT_STYLE[p.bin]?.label ?? '';
  if (p.z !== null) return `${label}: ${p.count} reports (z = ${p.z.toFixed(2)})`;
  const around = p.neighbourhood ?? p.count;
  return `${label}: ${around} reports in and around this cell, ${Math.round((p.expected ?? 0) * 10) / 10} expected by chance (${p.count} in the cell)`;
}

/**
 * Emerging hot spot cells, coloured per pattern (path options are SVG attributes, which the CSP allows; the class
 * names say the pattern to tests and styles). Selecting a cell (click, or the location list beside the map for the
 * keyboard) outlines it and opens its time series.
 */
export function EmergingLayer({
  data,
  selected,
  onSelect,
}: {
  data: EmergingResult | null;
  selected: number | null;
  onSelect: (index: number) => void;
}) {
  const map = useMap();
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;
  useEffect(() => {
    if (!data) return;
    const group = L.layerGroup();
    data.cells.forEach((cell, index) => {
      const [w, s, e, n] = cell.bounds;
      const st = patternStyle(cell.pattern);
      const rect = L.rectangle(
        [
          [s, w],
          [n, e],
        ],
        {
          color: st.stroke,
          weight: 0.8,
          dashArray: st.dashArray ?? undefined,
          fillColor: st.fill,
          fillOpacity: 0.7,
          className: `pw-em-cell pw-em-${cell.pattern}`,
        },
      );
      rect.bindTooltip(`${patternLabel(cell.pattern)}: ${cell.total} reports. Select for its time series`);
      rect.on('click', () => onSelectRef.current(index));
      rect.addTo(group);
    });
    group.addTo(map);
    return () => {
      group.remove();
    };
  }, [data, map]);
  useEffect(() => {
    const cell = selected === null ? null : data?.cells[selected];
    if (!cell) return;
    const [w, s, e, n] = cell.bounds;
    const outline = L.rectangle(
      [
        [s, w],
        [n, e],
      ],
      { color: '#111', weight: 3, fill: false, interactive: false, className: 'pw-em-selected' },
    ).addTo(map);
    return () => {
      outline.remove();
    };
  }, [data, selected, map]);
  return null;
}

/** Moves the map when asked from outside (e.g. a repeat location in the list). */
export function FlyTo({ target }: { target: { lat: number; lng: number; zoom: number; key: number } | null }) {
  const map = useMap();
  useEffect(() => {
    if (target) map.setView([target.lat, target.lng], target.zoom);
  }, [target, map]);
  return null;
}
