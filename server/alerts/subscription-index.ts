import Flatbush from 'flatbush';
import { geohash, geohashBox } from '../geo/geohash';
import { type BBox, type Point, pointInRing } from '../geo/polygon';
import { circleTouchesBox, ringsIntersect, ringTouchesBox, withinRadius } from '../geo/shapes';

/**
 * Owner areas are matched at the precision of owner emails: a report reaches an owner whose area touches the
 * report's geohash-6 grid square (about 0.6 × 0.8 km in Britain), wherever in the square the report is. So no
 * area, however small (an 11 × 7 m polygon, a radius of 0 m), tells its owner more than the square the email names.
 */
const OWNER_CELL_PRECISION = 6;

/** What matching needs of a confirmed subscription, kept in memory. */
export interface IndexedSubscription {
  id: string;
  userId: string;
  email: string;
  audience: 'owner' | 'police';
  kind: 'property' | 'area';
  label: string;
  propertyId: string | null;
  center: Point | null;
  radiusM: number | null;
  polygon: Point[] | null;
  bbox: BBox;
  mode: 'instant' | 'daily';
  minPriority: 'standard' | 'safeguarding' | null;
  forceId: string | null;
  /** Signs the unsubscribe link the worker puts in each message. */
  tokenVersion: string;
}

const REBUILD_AFTER = 512;

/**
 * Confirmed subscription areas in a static R-tree (Flatbush over bounding boxes), plus a short list of
 * entries changed since the last build; a stale tree entry is ignored because `byId` no longer points at it.
 * Candidates from the boxes are then tested exactly: a police area against the report's point (circle distance or
 * point-in-polygon), an owner area against the report's grid square.
 */
export class SubscriptionIndex {
  private built: IndexedSubscription[] = [];
  private tree: Flatbush | null = null;
  private recent: IndexedSubscription[] = [];
  private byId = new Map<string, IndexedSubscription>();

  get size(): number {
    return this.byId.size;
  }

  replaceAll(subs: IndexedSubscription[]): void {
    this.byId = new Map(subs.map((s) => [s.id, s]));
    this.rebuild();
  }

  upsert(sub: IndexedSubscription): void {
    this.byId.set(sub.id, sub);
    this.recent.push(sub);
    if (this.recent.length > REBUILD_AFTER) this.rebuild();
  }

  remove(id: string): void {
    this.byId.delete(id);
  }

  get(id: string): IndexedSubscription | undefined {
    return this.byId.get(id);
  }

  private rebuild(): void {
    this.built = [...this.byId.values()];
    this.recent = [];
    if (this.built.length === 0) {
      this.tree = null;
      return;
    }
    const tree = new Flatbush(this.built.length);
    for (const s of this.built) tree.add(s.bbox[0], s.bbox[1], s.bbox[2], s.bbox[3]);
    tree.finish();
    this.tree = tree;
  }

  private candidates(w: number, s: number, e: number, n: number): IndexedSubscription[] {
    const out: IndexedSubscription[] = [];
    const seen = new Set<string>();
    const take = (sub: IndexedSubscription) => {
      if (this.byId.get(sub.id) !== sub || seen.has(sub.id)) return;
      seen.add(sub.id);
      out.push(sub);
    };
    if (this.tree) for (const i of this.tree.search(w, s, e, n)) take(this.built[i]!);
    for (const sub of this.recent) {
      if (sub.bbox[0] <= e && sub.bbox[2] >= w && sub.bbox[1] <= n && sub.bbox[3] >= s) take(sub);
    }
    return out;
  }

  /**
   * Subscriptions a report at this point goes to: police areas that contain the point, owner areas that touch the
   * point's grid square (see OWNER_CELL_PRECISION).
   */
  matchPoint(lat: number, lng: number): IndexedSubscription[] {
    const cell = reportCell(lat, lng);
    return this.candidates(cell[0], cell[1], cell[2], cell[3]).filter((sub) => matches(sub, lat, lng, cell));
  }

  /** Subscriptions inside or overlapping a drawn area: property point inside, or the areas intersect. */
  matchArea(ring: Point[], bbox: BBox): IndexedSubscription[] {
    return this.candidates(bbox[0], bbox[1], bbox[2], bbox[3]).filter((sub) => {
      if (sub.kind === 'property' && sub.center) {
        return pointInRing(sub.center.lat, sub.center.lng, ring);
      }
      return sub.polygon ? ringsIntersect(sub.polygon, ring) : false;
    });
  }

  all(): IndexedSubscription[] {
    return [...this.byId.values()];
  }
}

/** The grid square of owner emails around a report. */
export function reportCell(lat: number, lng: number): BBox {
  return geohashBox(geohash(lat, lng, OWNER_CELL_PRECISION));
}

/** Police: the area contains the report's point. Owners: the area touches the report's grid square. */
export function matches(sub: IndexedSubscription, lat: number, lng: number, cell: BBox): boolean {
  if (sub.audience === 'police') return covers(sub, lat, lng);
  if (sub.bbox[0] > cell[2] || sub.bbox[2] < cell[0] || sub.bbox[1] > cell[3] || sub.bbox[3] < cell[1]) return false;
  if (sub.kind === 'property') return sub.center ? circleTouchesBox(sub.center, sub.radiusM ?? 0, cell) : false;
  return sub.polygon ? ringTouchesBox(sub.polygon, cell) : false;
}

/** The area contains the point exactly. */
function covers(sub: IndexedSubscription, lat: number, lng: number): boolean {
  if (lng < sub.bbox[0] || lng > sub.bbox[2] || lat < sub.bbox[1] || lat > sub.bbox[3]) return false;
  if (sub.kind === 'property') return sub.center ? withinRadius(sub.center, sub.radiusM ?? 0, lat, lng) : false;
  return sub.polygon ? pointInRing(lat, lng, sub.polygon) : false;
}
