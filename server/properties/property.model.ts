import { model, Schema, type Model, type Types } from 'mongoose';
import { PROPERTY_TYPE_IDS, type PropertyType } from '../../shared/taxonomy';
import type { cellKeys } from '../geo/geohash';
import type { StoredVerification } from './verification';

export interface Property {
  ownerId: Types.ObjectId;
  address: string;
  lat: number;
  lng: number;
  cells: ReturnType<typeof cellKeys>;
  type: PropertyType;
  listingUrl: string | null;
  /** Ownership verification (see verification.ts); absent means unverified. */
  verification?: StoredVerification | null;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Property>(
  {
    ownerId: { type: Schema.Types.ObjectId, required: true, index: true },
    address: { type: String, required: true },
    lat: { type: Number, required: true, min: -90, max: 90 },
    lng: { type: Number, required: true, min: -180, max: 180 },
    cells: { g4: String, g5: String, g6: String, g7: String },
    type: { type: String, required: true, enum: PROPERTY_TYPE_IDS },
    listingUrl: { type: String, default: null },
    // Written only through VerificationService's versioned changes (driver-level `$set`), never by mongoose.
    verification: { type: Schema.Types.Mixed, default: undefined },
  },
  { timestamps: true },
);

export const PropertyModel: Model<Property> = model<Property>('Property', schema);
