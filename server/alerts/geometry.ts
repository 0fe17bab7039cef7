import { distanceM } from '../geo/geohash';
import { type BBox, bboxOf, type Point, pointInRing, ringArea, ringSelfIntersects } from '../geo/polygon';

const M_PER_DEG_LAT = 111_320;

/** Bounding box of a circle of `radiusM` around a point (slightly generous). */
export function circleBBox(lat: number, lng: number, radiusM: number): BBox {
  const dLat = (radiusM * 1.01 + 1) / M_PER_DEG_LAT;
  const dLng = (radiusM * 1.01 + 1) / (M_PER_DEG_LAT * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
  return [lng - dLng, lat - dLat, lng + dLng, lat + dLat];
}

export function withinRadius(center: Point, radiusM: number, lat: number, lng: number): boolean {
  return distanceM(center.lat, center.lng, lat, lng) <= radiusM;
}

function orient(a: Point, b: Point, c: Point): number {
  return Math.sign((b.lng - a.lng) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lng - a.lng));
}

function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  return o1 !== o2 && o3 !== o4;
}

/** True if two simple rings overlap (one contains a vertex of the other, or edges cross). */
export function ringsIntersect(a: Point[], b: Point[]): boolean {
  const ba = bboxOf(a);
  const bb = bboxOf(b);
  if (ba[0] > bb[2] || bb[0] > ba[2] || ba[1] > bb[3] || bb[1] > ba[3]) return false;
  if (a.some((p) => pointInRing(p.lat, p.lng, b)) || b.some((p) => pointInRing(p.lat, p.lng, a))) return true;
  for (let i = 0; i < a.length; i++) {
    const a1 = a[i]!;
    const a2 = a[(i + 1) % a.length]!;
    for (let j = 0; j < b.length; j++) {
      if (segmentsIntersect(a1, a2, b[j]!, b[(j + 1) % b.length]!)) return true;
    }
  }
  return false;
}

/** Does a circle overlap a ring? Centre inside, or any vertex within the radius, or (approximately) an edge close by. */
export function circleIntersectsRing(center: Point, radiusM: number, ring: Point[]): boolean {
  if (pointInRing(center.lat, center.lng, ring)) return true;
  return ring.some((p) => distanceM(center.lat, center.lng, p.lat, p.lng) <= radiusM);
}

/** Drops a repeated closing vertex; rejects degenerate and self-crossing rings. */
export function normaliseRing(points: Point[]): { ring: Point[] } | { error: string } {
  const ring = points.map(({ lat, lng }) => ({ lat, lng }));
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (ring.length > 3 && first && last && first.lat === last.lat && first.lng === last.lng) ring.pop();
  if (ring.length < 3) return { error: 'An area needs at least three distinct corners' };
  if (Math.abs(ringArea(ring)) < 1e-9) return { error: 'The area has no size' };
  if (ringSelfIntersects(ring)) return { error: 'The area’s edges cross each other' };
  return { ring };
}

const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';
/** Centre and size of a geohash cell. */
export function geohashCell(hash: string): { lat: number; lng: number; heightM: number; widthM: number } {
  let latLo = -90;
  let latHi = 90;
  let lngLo = -180;
  let lngHi = 180;
  let even = true;
  for (const ch of hash) {
    const v = BASE32.indexOf(ch);
    for (let bit = 4; bit >= 0; bit--) {
      const on = (v >> bit) & 1;
      if (even) {
        const mid = (lngLo + lngHi) / 2;
        if (on) lngLo = mid;
        else lngHi = mid;
      } else {
        const mid = (latLo + latHi) / 2;
        if (on) latLo = mid;
        else latHi = mid;
      }
      even = !even;
    }
  }
  const lat = (latLo + latHi) / 2;
  return {
    lat,
    lng: (lngLo + lngHi) / 2,
    heightM: (latHi - latLo) * M_PER_DEG_LAT,
    widthM: (lngHi - lngLo) * M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180),
  };
}
