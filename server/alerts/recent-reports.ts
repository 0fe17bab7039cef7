import { circleBBox } from '../../shared/geo';
import { REPORT_STATUSES } from '../../shared/taxonomy';
import { distanceM, geohash, geohashCell } from '../geo/geohash';
import type { ReportIndex } from '../map/report-index';

const COUNTED = REPORT_STATUSES.filter((s) => s !== 'rejected');

/**
 * Reports (not rejected) created since `sinceMs` in a geohash-6 cell or within `radiusM` of a point,
 * counted in the in-memory report index: no database scan on the path of a new report.
 */
export function countReportsNear(
  index: ReportIndex,
  where: { g6: string; sinceMs: number } | { center: { lat: number; lng: number }; radiusM: number; sinceMs: number },
): number {
  let bbox: [number, number, number, number];
  let inside: (lat: number, lng: number) => boolean;
  if ('g6' in where) {
    const c = geohashCell(where.g6);
    // The cell's box, padded a little; the exact test is the geohash itself.
    bbox = circleBBox(c.lat, c.lng, Math.max(c.heightM, c.widthM));
    inside = (lat, lng) => geohash(lat, lng, 6) === where.g6;
  } else {
    const { center, radiusM } = where;
    bbox = circleBBox(center.lat, center.lng, radiusM);
    inside = (lat, lng) => distanceM(lat, lng, center.lat, center.lng) <= radiusM;
  }
  const slots = index.select(index.compile({ bbox, statuses: [...COUNTED] }));
  let n = 0;
  for (const slot of slots) {
    if (index.createdMs[slot]! >= where.sinceMs && inside(index.lat[slot]!, index.lng[slot]!)) n++;
  }
  return n;
}
