import { Types } from 'mongoose';
import { ALERT_LIMITS, type PropertyCreate, type PropertyUpdate, type PropertyView } from '../../shared/schemas/alerts';
import type { PropertyType } from '../../shared/taxonomy';
import { cellKeys } from '../geo/geohash';
import { HttpError, notFound } from '../http/errors';
import { type Property, PropertyModel } from './property.model';
import { type GridProperty, PropertyGrid } from './property-grid';
import { bumpPropertyVersion, currentPropertyVersion } from './property-version.model';

/** How often (at most) a lookup checks whether another app instance or a script changed properties. */
const VERSION_CHECK_MS = 5_000;

function gridEntry(p: Pick<Property, 'ownerId' | 'lat' | 'lng' | 'type'> & { _id: Types.ObjectId }): GridProperty {
  return { id: String(p._id), ownerId: String(p.ownerId), lat: p.lat, lng: p.lng, type: p.type };
}

export function presentProperty(p: Property & { _id: Types.ObjectId }): PropertyView {
  return {
    id: String(p._id),
    address: p.address,
    lat: p.lat,
    lng: p.lng,
    type: p.type,
    listingUrl: p.listingUrl ?? null,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}

/** Hook the alerts feature registers: a property moved or was deleted. */
export interface PropertyListener {
  propertyMoved(propertyId: string, lat: number, lng: number, address: string): Promise<void>;
  propertyDeleted(propertyId: string): Promise<void>;
}

/** An owner's (or host's) registered properties: every read and write is scoped to the signed-in owner. */
export class PropertyService {
  private listener: PropertyListener | null = null;
  private grid = new PropertyGrid();
  private loading: Promise<void> | null = null;
  private version = -1;
  private checkedAt = 0;
  private checking: Promise<void> | null = null;

  setListener(l: PropertyListener): void {
    this.listener = l;
  }

  /**
   * The nearest registered property of `type` within `radiusM`, from the in-memory grid (loaded on first use).
   * At most every few seconds a lookup also starts, without waiting for it, a check of the shared version counter,
   * and reloads the grid when someone else (another instance, the seed script) changed properties.
   */
  async nearest(lat: number, lng: number, type: PropertyType, radiusM: number): Promise<string | null> {
    await this.ready();
    if (Date.now() - this.checkedAt > VERSION_CHECK_MS && !this.checking) {
      this.checking = this.reloadIfChanged().finally(() => {
        this.checking = null;
      });
      this.checking.catch(() => undefined); // a failed check is retried by a later lookup
    }
    return this.grid.nearest(lat, lng, type, radiusM);
  }

  /** Loads the grid if it never was (the first lookup does this by itself). */
  async ready(): Promise<void> {
    this.loading ??= this.reload().catch((err) => {
      this.loading = null;
      throw err;
    });
    await this.loading;
  }

  /** Reloads the grid when the shared version counter moved past the one it was loaded at. */
  async reloadIfChanged(): Promise<void> {
    this.checkedAt = Date.now();
    if ((await currentPropertyVersion()) !== this.version) await this.reload();
  }

  private async reload(): Promise<void> {
    const version = await currentPropertyVersion();
    const rows = await PropertyModel.find({}, { ownerId: 1, lat: 1, lng: 1, type: 1 }).lean();
    const grid = new PropertyGrid();
    for (const p of rows) grid.put(gridEntry(p));
    this.grid = grid;
    this.version = version;
    this.checkedAt = Date.now();
  }

  /** After a write of ours: count it, and apply it to the grid; a write by someone else in between means reload. */
  private async changed(apply: (grid: PropertyGrid) => void): Promise<void> {
    apply(this.grid);
    const version = await bumpPropertyVersion();
    if (version === this.version + 1) this.version = version;
    else this.checkedAt = 0;
  }

  async list(ownerId: string) {
    return PropertyModel.find({ ownerId: new Types.ObjectId(ownerId) })
      .sort({ createdAt: 1 })
      .limit(ALERT_LIMITS.propertiesPerUser)
      .lean();
  }

  async get(ownerId: string, id: string) {
    const p = await PropertyModel.findById(id).lean();
    if (!p || String(p.ownerId) !== ownerId) throw notFound('Property');
    return p;
  }

  async create(ownerId: string, input: PropertyCreate) {
    const count = await PropertyModel.countDocuments({ ownerId: new Types.ObjectId(ownerId) });
    if (count >= ALERT_LIMITS.propertiesPerUser) {
      throw new HttpError(409, 'conflict', `At most ${ALERT_LIMITS.propertiesPerUser} properties per account`);
    }
    const doc = await PropertyModel.create({
      ownerId: new Types.ObjectId(ownerId),
      address: input.address,
      lat: input.lat,
      lng: input.lng,
      cells: cellKeys(input.lat, input.lng),
      type: input.type,
      listingUrl: input.listingUrl ?? null,
    });
    const created = doc.toObject();
    await this.changed((grid) => grid.put(gridEntry(created)));
    return created;
  }

  async update(ownerId: string, id: string, input: PropertyUpdate) {
    const existing = await this.get(ownerId, id);
    const set: Record<string, unknown> = {};
    if (input.address !== undefined) set.address = input.address;
    if (input.type !== undefined) set.type = input.type;
    if (input.listingUrl !== undefined) set.listingUrl = input.listingUrl;
    const moved =
      input.lat !== undefined && input.lng !== undefined && (input.lat !== existing.lat || input.lng !== existing.lng);
    if (input.lat !== undefined && input.lng !== undefined) {
      set.lat = input.lat;
      set.lng = input.lng;
      set.cells = cellKeys(input.lat, input.lng);
    }
    await PropertyModel.updateOne({ _id: existing._id }, { $set: set });
    const updated = await this.get(ownerId, id);
    await this.changed((grid) => grid.put(gridEntry(updated)));
    if (moved || input.address !== undefined) await this.listener?.propertyMoved(id, updated.lat, updated.lng, updated.address);
    return updated;
  }

  async remove(ownerId: string, id: string): Promise<void> {
    const existing = await this.get(ownerId, id);
    await this.listener?.propertyDeleted(id);
    await PropertyModel.deleteOne({ _id: existing._id });
    await this.changed((grid) => grid.remove(id));
  }

  async removeAllFor(ownerId: string): Promise<void> {
    await PropertyModel.deleteMany({ ownerId: new Types.ObjectId(ownerId) });
    await this.changed((grid) => grid.removeOwner(ownerId));
  }
}
