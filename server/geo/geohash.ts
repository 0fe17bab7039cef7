import { distanceM, M_PER_DEG } from '../../shared/geo';
import type { BBox } from './polygon';

export { distanceM };

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

/** The box [west, south, east, north] of a geohash cell. */
export function geohashBox(hash: string): BBox {
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
  return [lngLo, latLo, lngHi, latHi];
}

/** Centre and size of a geohash cell. */
export function geohashCell(hash: string): { lat: number; lng: number; heightM: number; widthM: number } {
  const [w, s, e, n] = geohashBox(hash);
  const lat = (s + n) / 2;
  return { lat, lng: (w + e) / 2, heightM: (n - s) * M_PER_DEG, widthM: (e - w) * M_PER_DEG * Math.cos((lat * Math.PI) / 180) };
}

/** Height and width in metres of a geohash cell of `precision` characters at latitude `lat` (the width where it is narrowest). */
export function geohashCellSizeM(precision: number, lat: number): { heightM: number; widthM: number } {
  const bits = 5 * precision;
  return {
    heightM: (180 / 2 ** Math.floor(bits / 2)) * M_PER_DEG,
    widthM: (360 / 2 ** Math.ceil(bits / 2)) * M_PER_DEG * Math.cos((Math.min(Math.abs(lat) + 1, 89) * Math.PI) / 180),
  };
}
