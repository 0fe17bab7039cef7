import L from 'leaflet';
import { useEffect } from 'react';
import { useMap } from 'react-leaflet';
import type { ForceBoundaries } from '../../../shared/schemas/force-areas';

/** The viewer's force boundary (every force for an admin), dashed, under the markers and never in the way of a click. */
export function ForceBoundaryLayer({ data }: { data: ForceBoundaries | null }) {
  const map = useMap();
  useEffect(() => {
    if (!data) return;
    const group = L.layerGroup();
    for (const f of data.forces) {
      const rings = f.area.polygons.map((p) => [p.outer, ...p.holes]);
      L.polygon(rings, { className: 'pw-force-boundary', interactive: false, fill: false }).bindTooltip(f.name).addTo(group);
    }
    group.addTo(map);
    return () => {
      group.remove();
    };
  }, [data, map]);
  return null;
}
