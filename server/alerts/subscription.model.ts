import { type HydratedDocument, model, Schema, type Model, type Types } from 'mongoose';

export interface LatLngPoint {
  lat: number;
  lng: number;
}

export interface Subscription {
  userId: Types.ObjectId;
  /** Where alerts go: the account's email when the subscription was made. */
  email: string;
  audience: 'owner' | 'police';
  kind: 'property' | 'area';
  /** How emails name the subscription: the property's address, or "the area you drew". */
  label: string;
  propertyId: Types.ObjectId | null;
  /** Property subscriptions: the property point and the radius around it. */
  center: LatLngPoint | null;
  radiusM: number | null;
  /** Area subscriptions: the outer ring as {lat, lng} objects (no nested arrays on FerretDB). */
  polygon: LatLngPoint[] | null;
  /** [west, south, east, north] of the covered area, for the in-memory index. */
  bbox: { w: number; s: number; e: number; n: number };
  mode: 'instant' | 'daily';
  minPriority: 'standard' | 'safeguarding' | null;
  forceId: string | null;
  status: 'pending' | 'confirmed' | 'unsubscribed';
  /** Random per-subscription nonce inside every token; changing it revokes all earlier links. */
  tokenVersion: string;
  confirmedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export type SubscriptionDoc = HydratedDocument<Subscription>;
export type StoredSubscription = Subscription & { _id: Types.ObjectId };

const pt = new Schema<LatLngPoint>({ lat: Number, lng: Number }, { _id: false });

const schema = new Schema<Subscription>(
  {
    userId: { type: Schema.Types.ObjectId, required: true, index: true },
    email: { type: String, required: true },
    audience: { type: String, required: true, enum: ['owner', 'police'] },
    kind: { type: String, required: true, enum: ['property', 'area'] },
    label: { type: String, required: true },
    propertyId: { type: Schema.Types.ObjectId, default: null },
    center: { type: pt, default: null },
    radiusM: { type: Number, default: null },
    polygon: { type: [pt], default: null },
    bbox: { w: Number, s: Number, e: Number, n: Number },
    mode: { type: String, required: true, enum: ['instant', 'daily'] },
    minPriority: { type: String, enum: ['standard', 'safeguarding', null], default: null },
    forceId: { type: String, default: null },
    status: { type: String, required: true, enum: ['pending', 'confirmed', 'unsubscribed'], default: 'pending' },
    tokenVersion: { type: String, required: true },
    confirmedAt: { type: Date, default: null },
  },
  { timestamps: true },
);
schema.index({ status: 1, updatedAt: 1 });

export const SubscriptionModel: Model<Subscription> = model<Subscription>('Subscription', schema);

/** Per user, the ids of their subscriptions (see properties/id-list.ts); closed when the account is deleted. */
export const USER_SUBSCRIPTIONS = 'usersubscriptions';
