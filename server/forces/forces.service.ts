import { M_PER_DEG } from '../../shared/geo';
import type { ForceAreaPreview } from '../../shared/schemas/admin';
import type { ForceBoundaries } from '../../shared/schemas/force-areas';
import type { ForceView } from '../../shared/schemas/forces';
import { isDuplicateKey } from '../db/errors';
import { retryBusy } from '../db/insert';
import { ForceLocator } from '../geo/force-locator';
import type { Polygon } from '../geo/polygon';
import { simplifyRing } from '../geo/simplify';
import { errors } from '../http/errors';
import { type Force, ForceModel, type StoredPolygon } from './force.model';
import { areaShape, presentForce } from './forces.presenter';

const toStored = (p: Polygon): StoredPolygon => ({
  outer: p.outer,
  holes: p.holes.map((points) => ({ points })),
});
const fromStored = (p: StoredPolygon): Polygon => ({
  outer: p.outer.map(({ lat, lng }) => ({ lat, lng })),
  holes: p.holes.map((h) => h.points.map(({ lat, lng }) => ({ lat, lng }))),
});

/** How far a simplified boundary may stray from the real one: invisible at the zooms a force is seen whole. */
export const BOUNDARY_TOLERANCE_M = 100;
const simplifyPolygon = (p: Polygon): Polygon => {
  const tolerance = BOUNDARY_TOLERANCE_M / M_PER_DEG;
  return { outer: simplifyRing(p.outer, tolerance), holes: p.holes.map((h) => simplifyRing(h, tolerance)) };
};

/** Force areas: stored in the database, mirrored in memory for point lookups, reloaded when they change. */
export class ForceService {
  readonly locator = new ForceLocator();
  private version = '';
  /** What `list` answers, worked out when the areas are (re)loaded: reading every boundary per request is slow. */
  private views: ForceView[] | null = null;
  /** The boundaries the police map draws, simplified once per (re)load. */
  private boundaries: ForceBoundaries['forces'] | null = null;

  async load(): Promise<void> {
    const forces = await ForceModel.find().lean();
    this.locator.replaceAll(forces.map((f) => ({ id: f._id, polygons: f.polygons.map(fromStored) })));
    this.version = versionOf(forces);
    this.views = forces.map(presentForce).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.boundaries = forces
      .map((f) => ({ id: f._id, name: f.name, area: areaShape(f.polygons.map(fromStored).map(simplifyPolygon)) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Cheap check used by the poller so several app instances converge on the same areas. */
  async reloadIfChanged(): Promise<boolean> {
    const forces = await ForceModel.find({}, { _id: 1, updatedAt: 1 }).lean();
    if (versionOf(forces) === this.version) return false;
    await this.load();
    return true;
  }

  async list(): Promise<ForceView[]> {
    if (!this.views) await this.load();
    return this.views!;
  }

  /** Simplified boundaries of the given forces (`null`: every force, for a police admin), from memory. */
  async boundariesOf(forceIds: string[] | null): Promise<ForceBoundaries> {
    if (!this.boundaries) await this.load();
    const shown = forceIds ? this.boundaries!.filter((f) => forceIds.includes(f.id)) : this.boundaries!;
    return { forces: shown, toleranceM: BOUNDARY_TOLERANCE_M };
  }

  async get(id: string): Promise<Force> {
    const f = await ForceModel.findById(id).lean();
    if (!f) throw errors.notFound('Force');
    return f;
  }

  /**
   * A new force, claimed by inserting its `_id`: an id that exists already is refused with 409 (two concurrent
   * creates of one id cannot both win). Replacing an existing force's area is `replaceArea`.
   */
  async create(id: string, name: string, polygons: Polygon[]): Promise<ForceView> {
    try {
      await retryBusy(() => ForceModel.create({ _id: id, name, polygons: polygons.map(toStored) }));
    } catch (err) {
      if (isDuplicateKey(err)) throw errors.conflict(`A force with id "${id}" exists already; replace its area instead`);
      throw err;
    }
    await this.load();
    return presentForce(await this.get(id));
  }

  /** Creates or overwrites a force (demo seed and `replaceArea`; the API's create refuses an existing id). */
  async upsert(id: string, name: string, polygons: Polygon[]): Promise<ForceView> {
    await ForceModel.updateOne({ _id: id }, { $set: { name, polygons: polygons.map(toStored) } }, { upsert: true });
    await this.load();
    return presentForce(await this.get(id));
  }

  async replaceArea(id: string, polygons: Polygon[]): Promise<ForceView> {
    const existing = await this.get(id);
    return this.upsert(id, existing.name, polygons);
  }

  /** What replacing the area would do, without changing anything: the current area and the validated upload. */
  async previewArea(id: string, polygons: Polygon[]): Promise<ForceAreaPreview> {
    const existing = await this.get(id);
    return {
      forceId: id,
      name: existing.name,
      current: areaShape(existing.polygons.map(fromStored)),
      proposed: areaShape(polygons),
    };
  }
}

function versionOf(forces: Array<{ _id: string; updatedAt: Date }>): string {
  return forces
    .map((f) => `${f._id}@${new Date(f.updatedAt).getTime()}`)
    .sort()
    .join(',');
}
