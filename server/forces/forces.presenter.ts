import type { AreaShape } from '../../shared/schemas/admin';
import type { ForceView } from '../../shared/schemas/forces';
import { bboxOf, type Polygon } from '../geo/polygon';
import type { Force } from './force.model';

export function presentForce(f: Force): ForceView {
  const points = f.polygons.flatMap((p) => p.outer);
  return {
    id: f._id,
    name: f.name,
    bbox: bboxOf(points),
    polygonCount: f.polygons.length,
    vertexCount: f.polygons.reduce((n, p) => n + p.outer.length + p.holes.reduce((m, h) => m + h.points.length, 0), 0),
    updatedAt: f.updatedAt.toISOString(),
  };
}

/** An area as the admin's map draws it: rings of [lat, lng], with its counts and bounding box. */
export function areaShape(polygons: Polygon[]): AreaShape {
  const ring = (points: Polygon['outer']) => points.map((p): [number, number] => [p.lat, p.lng]);
  return {
    polygons: polygons.map((p) => ({ outer: ring(p.outer), holes: p.holes.map(ring) })),
    polygonCount: polygons.length,
    vertexCount: polygons.reduce((n, p) => n + p.outer.length + p.holes.reduce((m, h) => m + h.length, 0), 0),
    bbox: bboxOf(polygons.flatMap((p) => p.outer)),
  };
}
