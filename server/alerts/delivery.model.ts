import { type HydratedDocument, model, Schema, type Model, type Types } from 'mongoose';
import type { ALERT_KINDS } from '../../shared/schemas/alerts';

export type DeliveryKind = (typeof ALERT_KINDS)[number];
/**
 * What was recorded: `pending` (to send) or `queued` (waits for the daily digest, then `digested`). A delivery
 * document is never updated per send: on FerretDB an update by `_id` scans the whole collection, so 10,000 status
 * updates would cost 10,000 scans. What happened to a pending delivery is in its append-only result rows;
 * `deliveryState()` in outbox.ts reads it.
 */
export type DeliveryStatus = 'pending' | 'queued' | 'digested';

/**
 * One email we intend to send: recorded before sending, claimed per attempt, sent with Message-ID from `_id`.
 * `_id` is derived from `key`, so the same (subscription, subject) is always the same delivery.
 */
export interface Delivery {
  /** Unique per (subscription or recipient, subject item): matching twice never records two deliveries. */
  key: string;
  kind: DeliveryKind;
  subscriptionId: Types.ObjectId | null;
  userId: Types.ObjectId | null;
  to: string;
  subject: string;
  /** The shared body (DeliveryBody `_id`): one stored copy for every recipient of the same message. */
  bodyId: string;
  /** Per-recipient values for the body's placeholders (see render.ts `fillBody`). */
  fill?: Record<string, string> | null;
  status: DeliveryStatus;
  /** Digest deliveries: the queued items they list (marked `digested` after the digest is recorded). */
  itemIds?: Types.ObjectId[];
  /** Not sent (nor shown in the recipient's alerts) before this time: owner area notices wait a random delay. */
  notBefore?: Date | null;
  createdAt: Date;
  updatedAt?: Date;
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
    bodyId: { type: String, required: true },
    fill: { type: Schema.Types.Mixed, default: null },
    status: { type: String, required: true },
    itemIds: { type: [Schema.Types.ObjectId], default: undefined },
    notBefore: { type: Date, default: undefined },
  },
  { timestamps: true },
);
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

export type ResultStatus = 'sent' | 'retry' | 'failed' | 'skipped';
/**
 * The outcome of one claimed attempt, `_id` = the claim's `_id`, written in small batches right after the
 * attempt. A claim without a result is an attempt that was in flight (or its worker died).
 */
export interface DeliveryResult {
  _id: string;
  status: ResultStatus;
  at: Date;
  error: string | null;
}
export const DeliveryResultModel: Model<DeliveryResult> = model<DeliveryResult>(
  'DeliveryResult',
  new Schema<DeliveryResult>(
    { _id: String, status: String, at: Date, error: String },
    { versionKey: false },
  ),
);

/** What a worker needs to send one delivery (a work item carries it, so workers never read deliveries). */
export type Sendable = Pick<StoredDelivery, '_id' | 'kind' | 'subscriptionId' | 'to' | 'subject' | 'bodyId' | 'fill'>;

/**
 * Work for the delivery workers: up to a few hundred attempts (the delivery to send, attempt number) due from
 * `dueAt`. Written before the delivery documents, removed once every listed attempt has a result. Retries get a
 * work item of their own, `_id` = `<delivery>:<attempt>`. Work items are few and short-lived, so scanning them
 * (all FerretDB can do) stays cheap.
 */
export interface DeliveryWork {
  _id: string;
  items: Array<{ d: Sendable; k: number }>;
  dueAt: Date;
}
export const DeliveryWorkModel: Model<DeliveryWork> = model<DeliveryWork>(
  'DeliveryWork',
  new Schema<DeliveryWork>({ _id: String, items: [Schema.Types.Mixed], dueAt: Date }, { versionKey: false }),
);

/** A message body stored once for all its recipients; `_id` is a hash of the content. */
export interface DeliveryBody {
  _id: string;
  text: string;
  html: string;
}
export const DeliveryBodyModel: Model<DeliveryBody> = model<DeliveryBody>(
  'DeliveryBody',
  new Schema<DeliveryBody>({ _id: String, text: String, html: String }, { versionKey: false }),
);
