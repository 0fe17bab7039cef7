import { trusted, Types } from 'mongoose';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import { isDuplicateKey } from '../db/errors';
import { type Delivery, type DeliveryKind, DeliveryModel } from './delivery.model';
import { digestEmail, type Email } from './render';

export interface NewDelivery {
  key: string;
  kind: DeliveryKind;
  subscriptionId: string | null;
  userId: string | null;
  to: string;
  email: Email;
  /** `queued` waits for the daily digest. */
  queued?: boolean;
  /** Digest deliveries: the items they list. */
  itemIds?: Types.ObjectId[];
}

type RawDelivery = Omit<Delivery, 'createdAt' | 'updatedAt'> & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
  __v: number;
};

function toDoc(d: NewDelivery, now: Date): RawDelivery {
  return {
    _id: new Types.ObjectId(),
    key: d.key,
    kind: d.kind,
    subscriptionId: d.subscriptionId ? new Types.ObjectId(d.subscriptionId) : null,
    userId: d.userId ? new Types.ObjectId(d.userId) : null,
    to: d.to.replace(/[\r\n]/g, ''),
    subject: d.email.subject,
    text: d.email.text,
    html: d.email.html,
    status: d.queued ? 'queued' : 'pending',
    attempts: 0,
    nextAttemptAt: now,
    leaseUntil: null,
    workerId: null,
    lastError: null,
    sentAt: null,
    itemIds: d.itemIds ?? [],
    digestId: null,
    createdAt: now,
    updatedAt: now,
    __v: 0,
  };
}

/**
 * Records intent before anything is sent. The unique `key` makes recording idempotent: matching the same
 * report twice (two app instances, a retried event) inserts nothing new. Returns how many were new.
 */
export async function recordDeliveries(list: NewDelivery[], now = new Date()): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < list.length; i += 1000) {
    const docs = list.slice(i, i + 1000).map((d) => toDoc(d, now));
    try {
      const res = await DeliveryModel.collection.insertMany(docs, { ordered: false });
      inserted += res.insertedCount;
    } catch (err) {
      const e = err as {
        writeErrors?: Array<{ code?: number }> | { code?: number };
        insertedCount?: number;
        result?: { insertedCount?: number };
      };
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
      if (!writeErrors.length && !isDuplicateKey(err)) throw err;
      if (writeErrors.some((w) => w.code !== 11000)) throw err;
      inserted += e.insertedCount ?? e.result?.insertedCount ?? docs.length - writeErrors.length;
    }
  }
  return inserted;
}

/**
 * Groups queued digest items per subscription into one digest delivery per day. Idempotent: the digest
 * delivery (with the ids it lists) is recorded first under a per-day key; the items are marked afterwards,
 * so a crash in between is repaired by the next run.
 */
export async function runDigests(now = new Date()): Promise<number> {
  const queued = await DeliveryModel.find(
    { status: 'queued', createdAt: trusted({ $lte: now }) },
    { _id: 1, subscriptionId: 1, userId: 1, to: 1, subject: 1, text: 1, createdAt: 1 },
  )
    .sort({ createdAt: 1 })
    .lean();
  const groups = new Map<string, typeof queued>();
  for (const d of queued) {
    const k = String(d.subscriptionId ?? d.to);
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  const day = now.toISOString().slice(0, 10);
  let made = 0;
  for (const [k, items] of groups) {
    const first = items[0]!;
    const key = `digest:${k}:${day}`;
    const email = digestEmail(items, ALERT_LIMITS.digestItemsMax);
    const made1 = await recordDeliveries([
      {
        key,
        kind: 'digest',
        subscriptionId: first.subscriptionId ? String(first.subscriptionId) : null,
        userId: first.userId ? String(first.userId) : null,
        to: first.to,
        email,
        itemIds: items.map((i) => i._id),
      },
    ]);
    made += made1;
    const digest = await DeliveryModel.findOne({ key }, { _id: 1, itemIds: 1 }).lean();
    if (!digest) continue;
    // Only the items this digest lists; on a re-run the same day, newer items wait for tomorrow's digest.
    if (digest.itemIds.length) {
      await DeliveryModel.updateMany(
        { _id: trusted({ $in: digest.itemIds }), status: 'queued' },
        { $set: { status: 'digested', digestId: digest._id } },
      );
    }
  }
  return made;
}
