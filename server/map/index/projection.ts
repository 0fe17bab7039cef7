/**
 * Web-Mercator projection of the map index: x and y in 0..1 (y grows southwards), and the time
 * helpers the columns share.
 */
export const lngToX = (lng: number) => lng / 360 + 0.5;
export function latToY(lat: number): number {
  const sin = Math.sin((lat * Math.PI) / 180);
  const y = 0.5 - (0.25 * Math.log((1 + sin) / (1 - sin))) / Math.PI;
  return Math.min(1, Math.max(0, y));
}
export const xToLng = (x: number) => (x - 0.5) * 360;
export const yToLat = (y: number) => (360 / Math.PI) * Math.atan(Math.exp((180 - y * 360) * (Math.PI / 180))) - 90;

/** Whole minutes since the epoch, clamped to a Uint32. */
export const minutes = (ms: number): number => Math.min(0xffffffff, Math.max(0, Math.floor(ms / 60_000)));
/** Milliseconds since the epoch of a date (or its string/number form). */
export const time = (d: Date | string | number): number => (d instanceof Date ? d.getTime() : new Date(d).getTime());
