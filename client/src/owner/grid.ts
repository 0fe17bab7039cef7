import { degreesAround, M_PER_DEG } from '../../../shared/geo';
import type { LatLngPoint } from './AreaMap';

/**
 * The grid of owner emails (geohash-6: a regular grid of 180/2^15 degrees of latitude by 360/2^15 of longitude,
 * about 0.6 × 0.8 km in Britain). The server matches an owner's alert area at this precision: it covers every
 * grid square it touches (server/alerts/subscription-index.ts). The form shades those squares.
 */
const CELL_LAT = 180 / 2 ** 15;
const CELL_LNG = 360 / 2 ** 15;
/** Above this many squares the map does not shade them (the text still gives the number). */
export const SHADE_MAX = 400;

/** [west, south, east, north] */
export type Box = [number, number, number, number];

function cellRange(w: number, s: number, e: number, n: number) {
  return {
    i0: Math.floor((s + 90) / CELL_LAT),
    i1: Math.floor((n + 90) / CELL_LAT),
    j0: Math.floor((w + 180) / CELL_LNG),
    j1: Math.floor((e + 180) / CELL_LNG),
  };
}

const boxOf = (i: number, j: number): Box => [
  j * CELL_LNG - 180,
  i * CELL_LAT - 90,
  (j + 1) * CELL_LNG - 180,
  (i + 1) * CELL_LAT - 90,
];

function distanceM(a: LatLngPoint, b: LatLngPoint): number {
  const dLat = (b.lat - a.lat) * M_PER_DEG;
  const dLng = (b.lng - a.lng) * M_PER_DEG * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot(dLat, dLng);
}

function inRing(p: LatLngPoint, ring: LatLngPoint[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (a.lat > p.lat !== b.lat > p.lat && p.lng < ((b.lng - a.lng) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lng)
      inside = !inside;
  }
  return inside;
}

function crosses(a: LatLngPoint, b: LatLngPoint, c: LatLngPoint, d: LatLngPoint): boolean {
  const o = (p: LatLngPoint, q: LatLngPoint, r: LatLngPoint) =>
    Math.sign((q.lng - p.lng) * (r.lat - p.lat) - (q.lat - p.lat) * (r.lng - p.lng));
  return o(a, b, c) !== o(a, b, d) && o(c, d, a) !== o(c, d, b);
}

function ringTouches(ring: LatLngPoint[], [w, s, e, n]: Box): boolean {
  if (ring.some((p) => p.lng >= w && p.lng <= e && p.lat >= s && p.lat <= n)) return true;
  const corners = [
    { lat: s, lng: w },
    { lat: s, lng: e },
    { lat: n, lng: e },
    { lat: n, lng: w },
  ];
  if (corners.some((c) => inRing(c, ring))) return true;
  for (let i = 0; i < ring.length; i++) {
    for (let k = 0; k < 4; k++) {
      if (crosses(ring[i]!, ring[(i + 1) % ring.length]!, corners[k]!, corners[(k + 1) % 4]!)) return true;
    }
  }
  return false;
}

function circleTouches(center: LatLngPoint, radiusM: number, [w, s, e, n]: Box): boolean {
  const nearest = { lat: Math.min(Math.max(center.lat, s), n), lng: Math.min(Math.max(center.lng, w), e) };
  return distanceM(center, nearest) <= radiusM;
}

/** The grid squares an alert area touches (at most `limit` + 1 listed, so a caller can tell "more than"). */
export function squaresTouched(
  shape: { polygon?: LatLngPoint[] | null; center?: LatLngPoint | null; radiusM?: number | null },
  limit = 5000,
): Box[] {
  let touches: (b: Box) => boolean;
  let w: number;
  let s: number;
  let e: number;
  let n: number;
  if (shape.polygon && shape.polygon.length >= 3) {
    const ring = shape.polygon;
    w = Math.min(...ring.map((p) => p.lng));
    e = Math.max(...ring.map((p) => p.lng));
    s = Math.min(...ring.map((p) => p.lat));
    n = Math.max(...ring.map((p) => p.lat));
    touches = (b) => ringTouches(ring, b);
  } else if (shape.center) {
    const c = shape.center;
    const r = shape.radiusM ?? 0;
    const { dLat, dLng } = degreesAround(c.lat, r);
    [w, s, e, n] = [c.lng - dLng, c.lat - dLat, c.lng + dLng, c.lat + dLat];
    touches = (b) => circleTouches(c, r, b);
  } else return [];
  const { i0, i1, j0, j1 } = cellRange(w, s, e, n);
  const out: Box[] = [];
  for (let i = i0; i <= i1; i++) {
    for (let j = j0; j <= j1; j++) {
      const b = boxOf(i, j);
      if (touches(b)) out.push(b);
      if (out.length > limit) return out;
    }
  }
  return out;
}
