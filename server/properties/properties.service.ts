import { Types } from 'mongoose';
import { ALERT_LIMITS, type PropertyCreate, type PropertyUpdate, type PropertyView } from '../../shared/schemas/alerts';
import { cellKeys } from '../geo/geohash';
import { HttpError, notFound } from '../http/errors';
import { type Property, PropertyModel } from './property.model';

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

  setListener(l: PropertyListener): void {
    this.listener = l;
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
    return doc.toObject();
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
    if (moved || input.address !== undefined) await this.listener?.propertyMoved(id, updated.lat, updated.lng, updated.address);
    return updated;
  }

  async remove(ownerId: string, id: string): Promise<void> {
    const existing = await this.get(ownerId, id);
    await this.listener?.propertyDeleted(id);
    await PropertyModel.deleteOne({ _id: existing._id });
  }

  async removeAllFor(ownerId: string): Promise<void> {
    await PropertyModel.deleteMany({ ownerId: new Types.ObjectId(ownerId) });
  }
}
