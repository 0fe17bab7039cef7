const BASE32 = '0123456789bcdefghjkmnpqrstuvwxyz';

/** Standard geohash of a point at `precision` characters. */
export function geohash(lat: number, lng: number, precision: number): string {
  let latLo = -90;
  let latHi = 90;
  let lngLo = -180;
  let lngHi = 180;
  let out = '';
  let bits = 0;
  let value = 0;
  let even = true;
  while (out.length < precision) {
    if (even) {
      const mid = (lngLo + lngHi) / 2;
      value = value * 2 + (lng >= mid ? 1 : 0);
      if (lng >= mid) lngLo = mid;
      else lngHi = mid;
    } else {
      const mid = (latLo + latHi) / 2;
      value = value * 2 + (lat >= mid ? 1 : 0);
      if (lat >= mid) latLo = mid;
      else latHi = mid;
    }
    even = !even;
    if (++bits === 5) {
      out += BASE32[value];
      bits = 0;
      value = 0;
    }
  }
  return out;
}

/** Cell keys stored on each report for grid queries at several zooms (≈39 km, 4.9 km, 1.2 km, 153 m). */
export function cellKeys(lat: number, lng: number): { g4: string; g5: string; g6: string; g7: string } {
  const g7 = geohash(lat, lng, 7);
  return { g4: g7.slice(0, 4), g5: g7.slice(0, 5), g6: g7.slice(0, 6), g7 };
}

const EARTH_RADIUS_M = 6_371_008.8;
/** Great-circle distance in metres. */
export function distanceM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const toRad = Math.PI / 180;
  const dLat = (lat2 - lat1) * toRad;
  const dLng = (lng2 - lng1) * toRad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}
