import { distanceM } from '../../shared/geo';
import { type BBox, bboxOf, type Point, pointInRing, ringArea, ringSelfIntersects, segmentsCross } from './polygon';

/** Alert and report areas: circles and simple rings, and how they meet boxes and each other. */

export function withinRadius(center: Point, radiusM: number, lat: number, lng: number): boolean {
  return distanceM(center.lat, center.lng, lat, lng) <= radiusM;
}

/** True if two simple rings overlap (one contains a vertex of the other, or edges cross or touch). */
export function ringsIntersect(a: Point[], b: Point[]): boolean {
  const ba = bboxOf(a);
  const bb = bboxOf(b);
  if (ba[0] > bb[2] || bb[0] > ba[2] || ba[1] > bb[3] || bb[1] > ba[3]) return false;
  if (a.some((p) => pointInRing(p.lat, p.lng, b)) || b.some((p) => pointInRing(p.lat, p.lng, a))) return true;
  for (let i = 0; i < a.length; i++) {
    const a1 = a[i]!;
    const a2 = a[(i + 1) % a.length]!;
    for (let j = 0; j < b.length; j++) {
      if (segmentsCross(a1, a2, b[j]!, b[(j + 1) % b.length]!, false)) return true;
    }
  }
  return false;
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

/** Does a circle of `radiusM` around `center` reach into a box? (The box's nearest point is within the radius.) */
export function circleTouchesBox(center: Point, radiusM: number, box: BBox): boolean {
  const lat = Math.min(Math.max(center.lat, box[1]), box[3]);
  const lng = Math.min(Math.max(center.lng, box[0]), box[2]);
  return distanceM(center.lat, center.lng, lat, lng) <= radiusM;
}
/** Does the segment a–b pass through the box? (Liang–Barsky clipping; no allocation.) */
function segmentCrossesBox(a: Point, b: Point, [w, s, e, n]: BBox): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = b.lng - a.lng;
  const dy = b.lat - a.lat;
  const clip = (p: number, q: number): boolean => {
    if (p === 0) return q >= 0;
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
    return true;
  };
  return clip(-dx, a.lng - w) && clip(dx, e - a.lng) && clip(-dy, a.lat - s) && clip(dy, n - a.lat) && t0 <= t1;
}

/**
 * Does a simple ring overlap a box (share any point with it)? A corner of the ring in the box, or the box inside the
 * ring (then its centre is), or else an edge through the box. On the report path for every candidate: no allocation.
 */
export function ringTouchesBox(ring: Point[], box: BBox): boolean {
  const [w, s, e, n] = box;
  for (const p of ring) if (p.lng >= w && p.lng <= e && p.lat >= s && p.lat <= n) return true;
  if (pointInRing((s + n) / 2, (w + e) / 2, ring)) return true;
  for (let i = 0; i < ring.length; i++) {
    if (segmentCrossesBox(ring[i]!, ring[(i + 1) % ring.length]!, box)) return true;
  }
  return false;
}
