import '@geoman-io/leaflet-geoman-free';
import '@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css';
import type L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { useEffect } from 'react';
import { Circle, MapContainer, Polygon, Rectangle, useMap } from 'react-leaflet';
import { circleBBox } from '../../../shared/geo';
import { BaseTiles } from '../map/tiles';
import type { Box } from './grid';

export interface LatLngPoint {
  lat: number;
  lng: number;
}
export interface Shape {
  id: string;
  polygon?: LatLngPoint[] | null;
  center?: LatLngPoint | null;
  radiusM?: number | null;
  muted?: boolean;
}

/** Geoman's polygon tool; hands the drawn ring to `onDraw` and leaves drawing the result to the parent. */
function DrawControl({ onDraw }: { onDraw: (ring: LatLngPoint[]) => void }) {
  const map = useMap();
  useEffect(() => {
    map.pm.addControls({
      position: 'topleft',
      drawPolygon: true,
      drawMarker: false,
      drawCircleMarker: false,
      drawPolyline: false,
      drawRectangle: true,
      drawCircle: false,
      drawText: false,
      editMode: false,
      dragMode: false,
      cutPolygon: false,
      removalMode: false,
      rotateMode: false,
    });
    // Geoman's toolbar links have only a title: give them accessible names.
    for (const c of map.getContainer().querySelectorAll('.leaflet-pm-toolbar .button-container')) {
      c.querySelector('a')?.setAttribute('aria-label', c.getAttribute('title') ?? 'Draw');
    }
    const handleCreate = (e: { layer: L.Layer }) => {
      const layer = e.layer as L.Polygon;
      const rings = layer.getLatLngs() as L.LatLng[][];
      const ring = (rings[0] ?? []).map((p) => ({ lat: round(p.lat), lng: round(p.lng) }));
      layer.remove();
      if (ring.length >= 3) onDraw(ring);
    };
    map.on('pm:create', handleCreate);
    return () => {
      map.off('pm:create', handleCreate);
      map.pm.removeControls();
    };
  }, [map, onDraw]);
  return null;
}

/**
 * Fits the map to the shapes whenever their geometry changes (a new drawing, a new centre or radius): to the shapes
 * being made (not muted) when there are any, else to all of them.
 */
function FitTo({ shapes }: { shapes: Shape[] }) {
  const map = useMap();
  const active = shapes.some((s) => !s.muted) ? shapes.filter((s) => !s.muted) : shapes;
  const pts: [number, number][] = [];
  for (const s of active) {
    for (const p of s.polygon ?? []) pts.push([p.lat, p.lng]);
    if (s.center) {
      const [w, south, e, n] = circleBBox(s.center.lat, s.center.lng, Math.max(s.radiusM ?? 0, 15));
      pts.push([south, w], [n, e]);
    }
  }
  const key = pts.map(([a, b]) => `${a},${b}`).join(';');
  // biome-ignore lint/correctness/useExhaustiveDependencies: refit only when the geometry changes (`key` stands for `pts`)
  useEffect(() => {
    if (pts.length > 0) map.fitBounds(pts, { padding: [24, 24], maxZoom: 16 });
  }, [key, map]);
  return null;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * A map of alert areas (circles around properties, drawn polygons), optionally with a polygon drawing tool and the
 * grid squares a new area covers shaded.
 */
export function AreaMap(props: { shapes: Shape[]; squares?: Box[]; onDraw?: (ring: LatLngPoint[]) => void; label: string }) {
  return (
    <section className="map-frame" aria-label={props.label}>
      <MapContainer center={[50.95, -0.35]} zoom={9} className="owner-map" scrollWheelZoom={false}>
        <BaseTiles />
        {props.squares?.map(([w, s, e, n]) => (
          <Rectangle
            key={`${w},${s}`}
            bounds={[
              [s, w],
              [n, e],
            ]}
            interactive={false}
            pathOptions={{ color: '#b7791f', weight: 1, fillOpacity: 0.12 }}
          />
        ))}
        {props.shapes.map((s) =>
          s.polygon ? (
            <Polygon
              key={s.id}
              positions={s.polygon.map((p) => [p.lat, p.lng] as [number, number])}
              pathOptions={{ color: s.muted ? '#8792a2' : '#1f4e8c', dashArray: s.muted ? '4 4' : undefined }}
            />
          ) : s.center ? (
            <Circle
              key={s.id}
              center={[s.center.lat, s.center.lng]}
              radius={Math.max(s.radiusM ?? 0, 15)}
              pathOptions={{ color: s.muted ? '#8792a2' : '#1f4e8c', dashArray: s.muted ? '4 4' : undefined }}
            />
          ) : null,
        )}
        <FitTo shapes={props.shapes} />
        {props.onDraw && <DrawControl onDraw={props.onDraw} />}
      </MapContainer>
    </section>
  );
}
