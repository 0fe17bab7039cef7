import { type HydratedDocument, model, Schema, type Model, type Types } from 'mongoose';
import type { ALERT_KINDS } from '../../shared/schemas/alerts';

export type DeliveryKind = (typeof ALERT_KINDS)[number];
/**
 * pending → sending (leased) → sent | failed | skipped; `queued` items wait for a daily digest and become
 * `digested` once a digest delivery lists them.
 */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped' | 'queued' | 'digested';

/** One email we intend to send: recorded before sending, claimed with a lease, sent with Message-ID from `_id`. */
export interface Delivery {
  /** Unique per (subscription or recipient, subject item): matching twice never records two deliveries. */
  key: string;
  kind: DeliveryKind;
  subscriptionId: Types.ObjectId | null;
  userId: Types.ObjectId | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  leaseUntil: Date | null;
  workerId: string | null;
  lastError: string | null;
  sentAt: Date | null;
  /** Digest deliveries: the queued items they list (marked `digested` after the digest is recorded). */
  itemIds: Types.ObjectId[];
  digestId: Types.ObjectId | null;
  createdAt: Date;
  updatedAt: Date;
}
export type DeliveryDoc = HydratedDocument<Delivery>;
export type StoredDelivery = Delivery & { _id: Types.ObjectId };

const schema = new Schema<Delivery>(
  {
    key: { type: String, required: true, unique: true },
    kind: { type: String, required: true },
    subscriptionId: { type: Schema.Types.ObjectId, default: null },
    userId: { type: Schema.Types.ObjectId, default: null },
    to: { type: String, required: true },
    subject: { type: String, required: true },
    text: { type: String, required: true },
    html: { type: String, required: true },
    status: { type: String, required: true },
    attempts: { type: Number, default: 0 },
    nextAttemptAt: { type: Date, required: true },
    leaseUntil: { type: Date, default: null },
    workerId: { type: String, default: null },
    lastError: { type: String, default: null },
    sentAt: { type: Date, default: null },
    itemIds: { type: [Schema.Types.ObjectId], default: [] },
    digestId: { type: Schema.Types.ObjectId, default: null },
  },
  { timestamps: true },
);
schema.index({ status: 1, nextAttemptAt: 1 });
schema.index({ userId: 1, createdAt: -1 });

export const DeliveryModel: Model<Delivery> = model<Delivery>('Delivery', schema);

/** Addresses that hard-bounced (5xx): never mailed again. `_id` is the lower-cased address. */
export interface Suppression {
  _id: string;
  reason: string;
  at: Date;
}
export const SuppressionModel: Model<Suppression> = model<Suppression>(
  'Suppression',
  new Schema<Suppression>({ _id: { type: String }, reason: String, at: Date }, { versionKey: false }),
);

export interface Advisory {
  forceId: string;
  byUserId: Types.ObjectId;
  polygon: Array<{ lat: number; lng: number }>;
  subject: string;
  body: string;
  recipients: number;
  createdAt: Date;
  updatedAt: Date;
}
export const AdvisoryModel: Model<Advisory> = model<Advisory>(
  'Advisory',
  new Schema<Advisory>(
    {
      forceId: { type: String, required: true },
      byUserId: { type: Schema.Types.ObjectId, required: true },
      polygon: { type: [new Schema({ lat: Number, lng: Number }, { _id: false })], required: true },
      subject: { type: String, required: true },
      body: { type: String, required: true },
      recipients: { type: Number, default: 0 },
    },
    { timestamps: true },
  ),
);

/** An emerging hotspot already announced in a window: `_id` = `<forceId>:<g6>:<window>`. */
export interface Hotspot {
  _id: string;
  forceId: string;
  window: number;
  lat: number;
  lng: number;
  count: number;
  at: Date;
}
export const HotspotModel: Model<Hotspot> = model<Hotspot>(
  'Hotspot',
  new Schema<Hotspot>(
    { _id: String, forceId: String, window: Number, lat: Number, lng: Number, count: Number, at: Date },
    { versionKey: false },
  ),
);

/**
 * One row per (delivery, attempt) claimed: `_id` = `<deliveryId>:<attempt>`. The engine enforces `_id`
 * uniqueness atomically even where a conditional findOneAndUpdate is not (FerretDB 1.24 reads then writes),
 * so exactly one worker wins each attempt.
 */
export interface DeliveryClaim {
  _id: string;
  workerId: string;
  at: Date;
}
export const DeliveryClaimModel: Model<DeliveryClaim> = model<DeliveryClaim>(
  'DeliveryClaim',
  new Schema<DeliveryClaim>({ _id: String, workerId: String, at: Date }, { versionKey: false }),
);
