import type { Random } from '../server/demo/random';
import { type FilterInput, latToY, lngToX, type ReportIndex, xToLng, yToLat } from '../server/map/report-index';

/** A random police filter as the map benches use it: mostly one force, sometimes indicators, type, status, dates, text. */
export function randomMapFilter(rnd: Random, now: Date): FilterInput {
  const f: FilterInput = { forceIds: rnd.chance(0.8) ? ['sussex'] : rnd.chance(0.5) ? ['surrey'] : null };
  if (rnd.chance(0.4)) f.indicators = [rnd.int(1, 19), ...(rnd.chance(0.5) ? [rnd.int(1, 19)] : [])];
  if (rnd.chance(0.3)) f.types = [rnd.pick(['H', 'S', 'R', 'U'])];
  if (rnd.chance(0.3)) f.statuses = [rnd.pick(['new', 'triaged', 'under_investigation', 'actioned', 'closed', 'rejected'])];
  if (rnd.chance(0.3)) f.priority = rnd.chance(0.5) ? 'safeguarding' : 'standard';
  if (rnd.chance(0.5)) {
    f.to = new Date(now.getTime() - rnd.int(0, 60) * 86_400_000);
    f.from = new Date(f.to.getTime() - rnd.int(7, 366) * 86_400_000);
  }
  if (rnd.chance(0.05)) f.q = rnd.pick(['road', 'street', 'brighton', 'lane']);
  return f;
}

/** A 1280 × 800 px viewport at `zoom` centred on a random report of `ix`. */
export function viewportAround(rnd: Random, ix: ReportIndex, zoom: number): [number, number, number, number] {
  const slot = rnd.int(0, ix.n);
  const world = 256 * 2 ** zoom;
  const cx = lngToX(ix.lng[slot]!);
  const cy = latToY(ix.lat[slot]!);
  const [hw, hh] = [640 / world, 400 / world];
  return [
    Math.max(-180, xToLng(cx - hw)),
    Math.max(-85, yToLat(cy + hh)),
    Math.min(180, xToLng(cx + hw)),
    Math.min(85, yToLat(cy - hh)),
  ];
}
