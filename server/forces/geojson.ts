import type { ForceAreaUpload } from '../../shared/schemas/forces';
import { type Point, type Polygon, ringArea, ringSelfIntersects } from '../geo/polygon';
import { errors } from '../http/errors';

type Position = [number, number, ...number[]];

const invalid = (message: string) => errors.invalid(`Invalid geometry: ${message}`, 'body', message);

function toRing(positions: Position[], where: string): Point[] {
  const first = positions[0]!;
  const last = positions[positions.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) throw invalid(`${where} is not closed (first and last positions differ)`);
  const ring = positions.slice(0, -1).map(([lng, lat]) => ({ lat, lng }));
  if (new Set(ring.map((p) => `${p.lat},${p.lng}`)).size < 3) throw invalid(`${where} needs at least 3 distinct positions`);
  if (ringArea(ring) === 0) throw invalid(`${where} has no area`);
  if (ringSelfIntersects(ring)) throw invalid(`${where} crosses itself`);
  return ring;
}

/** GeoJSON Polygon/MultiPolygon (bare, Feature or FeatureCollection) → our polygon list, validated. */
export function polygonsFromGeoJson(upload: ForceAreaUpload): Polygon[] {
  const geometries =
    upload.type === 'FeatureCollection'
      ? upload.features.map((f) => f.geometry)
      : upload.type === 'Feature'
        ? [upload.geometry]
        : [upload];
  const polygons: Polygon[] = [];
  for (const g of geometries) {
    const list = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Position[][][];
    for (const rings of list) {
      const n = polygons.length + 1;
      polygons.push({
        outer: toRing(rings[0]!, `polygon ${n} outer ring`),
        holes: rings.slice(1).map((r, i) => toRing(r, `polygon ${n} hole ${i + 1}`)),
      });
    }
  }
  return polygons;
}
