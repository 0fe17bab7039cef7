import 'leaflet/dist/leaflet.css';
import { useEffect } from 'react';
import { MapContainer, Polygon, useMap } from 'react-leaflet';
import type { AreaShape } from '../../../shared/schemas/admin';
import { BaseTiles } from '../map/tiles';

const CURRENT = { color: '#505b6b', weight: 2, dashArray: '6 6', fillOpacity: 0.05 };
const PROPOSED = { color: '#1f4e8c', weight: 3, fillOpacity: 0.2 };

function FitBoth({ shapes }: { shapes: AreaShape[] }) {
  const map = useMap();
  useEffect(() => {
    const boxes = shapes.filter((s) => s.polygonCount > 0).map((s) => s.bbox);
    if (!boxes.length) return;
    const w = Math.min(...boxes.map((b) => b[0]));
    const s = Math.min(...boxes.map((b) => b[1]));
    const e = Math.max(...boxes.map((b) => b[2]));
    const n = Math.max(...boxes.map((b) => b[3]));
    map.fitBounds(
      [
        [s, w],
        [n, e],
      ],
      { padding: [16, 16] },
    );
  }, [map, shapes]);
  return null;
}

const positions = (shape: AreaShape) => shape.polygons.map((p) => [p.outer, ...p.holes]);

/** The force's area now (grey, dashed) and the uploaded one (blue), fitted to both. */
export function AreaPreviewMap({ current, proposed }: { current: AreaShape; proposed: AreaShape }) {
  return (
    <div className="admin-map" data-testid="area-preview-map">
      <MapContainer center={[54, -2]} zoom={6} className="admin-leaflet" keyboard>
        <BaseTiles />
        <Polygon positions={positions(current)} pathOptions={CURRENT} />
        <Polygon positions={positions(proposed)} pathOptions={PROPOSED} />
        <FitBoth shapes={[current, proposed]} />
      </MapContainer>
      <ul className="admin-legend" aria-label="Map key">
        <li>
          <span className="admin-swatch admin-swatch-current" aria-hidden="true" /> Area now (dashed grey)
        </li>
        <li>
          <span className="admin-swatch admin-swatch-proposed" aria-hidden="true" /> Uploaded area (solid blue)
        </li>
      </ul>
    </div>
  );
}
