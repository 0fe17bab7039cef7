/** Plain-number geometry: polygons as arrays of {lat, lng} (FerretDB cannot store nested arrays). */
export interface Point {
  lat: number;
  lng: number;
}
export interface Polygon {
  outer: Point[];
  holes: Point[][];
}
/** [west, south, east, north] */
export type BBox = [number, number, number, number];

export function bboxOf(points: Iterable<Point>): BBox {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const p of points) {
    if (p.lng < w) w = p.lng;
    if (p.lng > e) e = p.lng;
    if (p.lat < s) s = p.lat;
    if (p.lat > n) n = p.lat;
  }
  return [w, s, e, n];
}

export function bboxContains(b: BBox, lat: number, lng: number): boolean {
  return lng >= b[0] && lng <= b[2] && lat >= b[1] && lat <= b[3];
}

/** Even-odd ray casting. Works for closed or open rings. */
export function pointInRing(lat: number, lng: number, ring: Point[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a.lat > lat !== b.lat > lat && lng < ((b.lng - a.lng) * (lat - a.lat)) / (b.lat - a.lat) + a.lng) inside = !inside;
  }
  return inside;
}

export function pointInPolygon(lat: number, lng: number, poly: Polygon): boolean {
  if (!pointInRing(lat, lng, poly.outer)) return false;
  return !poly.holes.some((h) => pointInRing(lat, lng, h));
}

/** Signed area in degree² (shoelace); 0 means degenerate. */
export function ringArea(ring: Point[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    a += (ring[j]!.lng + ring[i]!.lng) * (ring[j]!.lat - ring[i]!.lat);
  }
  return a / 2;
}

/** Which side of a→b the point c lies on: 1 left, -1 right, 0 on the line. */
export function orient(a: Point, b: Point, c: Point): number {
  const v = (b.lng - a.lng) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lng - a.lng);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

/**
 * Do segments a–b and c–d cross? `proper`: only through each other's interiors (no endpoint on the
 * other segment); otherwise also when an endpoint touches the other segment.
 */
export function segmentsCross(a: Point, b: Point, c: Point, d: Point, proper = true): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 === o2 || o3 === o4) return false;
  return !proper || (o1 !== 0 && o2 !== 0 && o3 !== 0 && o4 !== 0);
}

/** True if two non-adjacent edges of a closed ring properly cross. Sweep over x keeps it near-linear. */
export function ringSelfIntersects(ring: Point[]): boolean {
  const n = ring.length;
  const segs = Array.from({ length: n }, (_, i) => {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    return {
      i,
      a,
      b,
      minX: Math.min(a.lng, b.lng),
      maxX: Math.max(a.lng, b.lng),
    };
  }).sort((x, y) => x.minX - y.minX);
  for (let k = 0; k < segs.length; k++) {
    const s = segs[k]!;
    for (let m = k + 1; m < segs.length && segs[m]!.minX <= s.maxX; m++) {
      const t = segs[m]!;
      const gap = Math.abs(s.i - t.i);
      if (gap <= 1 || gap === n - 1) continue;
      if (segmentsCross(s.a, s.b, t.a, t.b)) return true;
    }
  }
  return false;
}
