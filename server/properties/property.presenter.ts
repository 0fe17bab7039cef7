import type { Types } from 'mongoose';
import type { PropertyView } from '../../shared/schemas/alerts';
import type { Property } from './property.model';
import { presentVerification, verificationOf } from './verification';

export function presentProperty(p: Property & { _id: Types.ObjectId }): PropertyView {
  return {
    id: String(p._id),
    address: p.address,
    lat: p.lat,
    lng: p.lng,
    type: p.type,
    listingUrl: p.listingUrl ?? null,
    verification: presentVerification(verificationOf(p)),
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  };
}
