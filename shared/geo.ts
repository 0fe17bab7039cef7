/**
 * Distances and degree lengths, one set for the server and the client. Everything is measured on
 * a sphere of the mean Earth radius: `distanceM` (haversine) and every box, grid and cell size.
 */

/** Mean Earth radius (IUGG), in metres. */
export const EARTH_RADIUS_M = 6_371_008.8;

/**
 * Metres per degree of latitude, and of longitude at the equator, on that sphere: 2πR / 360 ≈ 111,195 m.
 * One figure for all, so boxes and grids agree with `distanceM`. (The WGS 84 ellipsoid's 110,574 m per
 * degree of latitude at the equator and 111,320 m per degree of longitude there, which the code once
 * used side by side, differ from it by under 0.6 %; in Britain a degree of latitude is ~111,250 m.)
 */
export const M_PER_DEG = (2 * Math.PI * EARTH_RADIUS_M) / 360;

/** Metres per degree of longitude at latitude `lat` (never below 1 % of the equator's, near the poles). */
export const metresPerDegLng = (lat: number): number => M_PER_DEG * Math.max(0.01, Math.cos((lat * Math.PI) / 180));

/** Half-height and half-width in degrees of a circle of `radiusM` around a point at latitude `lat`. */
export function degreesAround(lat: number, radiusM: number): { dLat: number; dLng: number } {
  return { dLat: radiusM / M_PER_DEG, dLng: radiusM / metresPerDegLng(lat) };
}

/** Bounding box [west, south, east, north] of a circle of `radiusM` around a point, 1 % + 1 m generous. */
export function circleBBox(lat: number, lng: number, radiusM: number): [number, number, number, number] {
  const { dLat, dLng } = degreesAround(lat, radiusM * 1.01 + 1);
  return [lng - dLng, lat - dLat, lng + dLng, lat + dLat];
}

/** Great-circle (haversine) distance in metres. */
export function distanceM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLng = (lng2 - lng1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * A polygon ring standing for the circle of `radiusM` around `center`, as the alert and advisory forms send an area:
 * `corners` points (not closed: the first is not repeated), clockwise from north, rounded to 6 decimals (~0.1 m).
 * The ring is drawn around the circle, not inside it (corners at radius / cos(pi / corners)), so every point within
 * the radius is inside the area.
 */
export function circleRing(center: { lat: number; lng: number }, radiusM: number, corners = 32): { lat: number; lng: number }[] {
  const toRad = Math.PI / 180;
  const d = radiusM / Math.cos(Math.PI / corners) / EARTH_RADIUS_M;
  const phi1 = center.lat * toRad;
  const lam1 = center.lng * toRad;
  const round6 = (n: number) => Math.round(n * 1e6) / 1e6;
  const ring: { lat: number; lng: number }[] = [];
  for (let i = 0; i < corners; i++) {
    const t = (2 * Math.PI * i) / corners;
    const phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(t));
    const lam2 = lam1 + Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(phi1), Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
    ring.push({ lat: round6(phi2 / toRad), lng: round6(((lam2 / toRad + 540) % 360) - 180) });
  }
  return ring;
}

/** A point typed as "latitude, longitude" ("50.8225, -0.1372"; a comma, a semicolon or spaces between), or null. */
export function parseLatLng(text: string): { lat: number; lng: number } | null {
  const m = /^\s*([+-]?\d{1,3}(?:\.\d+)?)\s*(?:[,;]|\s)\s*([+-]?\d{1,3}(?:\.\d+)?)\s*$/.exec(text);
  if (!m) return null;
  const lat = Number(m[1]);
  const lng = Number(m[2]);
  return Math.abs(lat) <= 90 && Math.abs(lng) <= 180 ? { lat, lng } : null;
}
