import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import { insertNew } from '../db/insert';
import type { Email } from '../mail/compose';
import { BodyCache, storeBodies } from './bodies';
import {
  type DeliveryKind,
  DeliveryModel,
  DeliveryResultModel,
  type DeliveryWork,
  DeliveryWorkModel,
  type Sendable,
  type StoredDelivery,
} from './delivery.model';
import { historyWriter, queueHistory } from './history';
import { digestEmail, fillBody, fillSubject } from './render';

export interface NewDelivery {
  key: string;
  kind: DeliveryKind;
  subscriptionId: string | null;
  userId: string | null;
  to: string;
  /** May hold placeholders (render.ts `placeholder`) that `fill` supplies per recipient. */
  email: Email;
  fill?: Record<string, string> | null;
  /** `queued` waits for the daily digest. */
  queued?: boolean;
  /** Sent no earlier than this (and hidden from the recipient's alerts until then). */
  notBefore?: Date | null;
  /** Digest deliveries: the items they list. */
  itemIds?: Types.ObjectId[];
  /**
   * The key can come round again with other content (a hotspot a later report re-announces, a digest rebuilt
   * after a crash, a report released again): it is looked up first and left out if already recorded. Keys of a
   * new subject (a new report, a new advisory, a new subscription's confirmation) skip the look-up.
   */
  mayRepeat?: boolean;
}

/** Deliveries listed per work item: one claim-and-send round for a worker. */
export const WORK_ITEM_SIZE = 200;

/** The delivery's id, from its unique key: recording the same key twice names the same delivery. */
export function deliveryIdOf(key: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(key).digest('hex').slice(0, 24));
}

export function sendableOf(d: StoredDelivery): Sendable {
  const s: Sendable = {
    _id: d._id,
    kind: d.kind,
    subscriptionId: d.subscriptionId,
    to: d.to,
    subject: d.subject,
    bodyId: d.bodyId,
  };
  if (d.fill) s.fill = d.fill;
  return s;
}

function toDoc(d: NewDelivery, bodyId: string, now: Date): StoredDelivery {
  const doc: StoredDelivery = {
    _id: deliveryIdOf(d.key),
    key: d.key,
    kind: d.kind,
    subscriptionId: d.subscriptionId ? new Types.ObjectId(d.subscriptionId) : null,
    userId: d.userId ? new Types.ObjectId(d.userId) : null,
    to: d.to.replace(/[\r\n]/g, ''),
    subject: fillSubject(d.email.subject, d.fill),
    bodyId,
    status: d.queued ? 'queued' : 'pending',
    createdAt: now,
  };
  if (d.fill) doc.fill = d.fill;
  if (d.itemIds?.length) doc.itemIds = d.itemIds;
  if (d.notBefore && d.notBefore > now) doc.notBefore = d.notBefore;
  return doc;
}

export interface Recorded {
  /** Deliveries that were new (a key recorded before is left out). */
  deliveries: StoredDelivery[];
  /** Work items for the pending deliveries. */
  work: DeliveryWork[];
}

/**
 * Records intent before anything is sent: each distinct body once, the work items that carry what to send
 * (from here on nothing is lost: `onWork` may hand them to a worker in this process), the recipients' history
 * entries (history.ts), then one small document per recipient, keyed by the delivery's unique key. A `mayRepeat` key already recorded is left out before
 * anything is written; any other key recorded twice stores no second delivery, and its work item finds attempt 0
 * already claimed. Either way nothing is sent twice.
 */
export async function recordDeliveries(
  list: NewDelivery[],
  onWork?: (work: DeliveryWork[]) => void,
  now = new Date(),
): Promise<Recorded> {
  if (list.some((d) => d.mayRepeat)) list = await withoutRecorded(list);
  if (!list.length) return { deliveries: [], work: [] };
  const bodyIds = await storeBodies(list.map((d) => d.email));
  const docs = list.map((d, i) => toDoc(d, bodyIds[i]!, now));
  // Work items per time they fall due: now, or a delivery's notBefore (found by a worker's poll when due).
  const byDue = new Map<number, StoredDelivery[]>();
  for (const d of docs) {
    if (d.status !== 'pending') continue;
    const at = (d.notBefore ?? now).getTime();
    const list = byDue.get(at);
    if (list) list.push(d);
    else byDue.set(at, [d]);
  }
  const work: DeliveryWork[] = [];
  for (const [at, due] of byDue) {
    for (let i = 0; i < due.length; i += WORK_ITEM_SIZE) {
      const chunk = due.slice(i, i + WORK_ITEM_SIZE);
      work.push({
        _id: `w:${new Types.ObjectId().toHexString()}`,
        items: chunk.map((d) => ({ d: sendableOf(d), k: 0 })),
        dueAt: new Date(at),
      });
    }
  }
  if (work.length) await insertNew(DeliveryWorkModel.collection, work);
  onWork?.(work.filter((w) => w.dueAt <= now));
  // Each recipient's history entry, as intent before the delivery (one insert); appended to their logs right after.
  const history = await queueHistory(docs, now);
  const deliveries = await insertNew(DeliveryModel.collection, docs);
  historyWriter.take(history);
  return { deliveries, work };
}

/**
 * The deliveries minus the `mayRepeat` ones already recorded (looked up by `_id`). Such a key must not get a work
 * item of its own: whichever work item a worker took first would decide what is sent, and it could be the later
 * content.
 */
async function withoutRecorded(list: NewDelivery[]): Promise<NewDelivery[]> {
  const found = await Promise.all(
    list.map((d) =>
      d.mayRepeat ? DeliveryModel.collection.findOne({ _id: deliveryIdOf(d.key) }, { projection: { _id: 1 } }) : null,
    ),
  );
  return list.filter((_, i) => !found[i]);
}

export type DeliveryState = 'pending' | 'sent' | 'failed' | 'skipped' | 'queued' | 'digested';

/**
 * Where a delivery stands: what was recorded, or for a pending one the result of its latest attempt
 * (read by `_id`, attempt 0, 1, ... until one is missing).
 */
export async function deliveryState(d: StoredDelivery): Promise<{ state: DeliveryState; at: Date | null; error: string | null }> {
  if (d.status !== 'pending') return { state: d.status, at: null, error: null };
  let last: { state: DeliveryState; at: Date | null; error: string | null } = { state: 'pending', at: null, error: null };
  for (let k = 0; k < 100; k++) {
    const r = await DeliveryResultModel.findById(`${String(d._id)}:${k}`).lean();
    if (!r) break;
    last = { state: r.status === 'retry' ? 'pending' : r.status, at: r.at, error: r.error };
  }
  return last;
}

/** What a delivery says, placeholders filled (null when its shared body is gone). */
export async function bodyOf(
  d: Pick<StoredDelivery, 'bodyId' | 'fill'>,
  bodies: BodyCache,
): Promise<{ text: string; html: string } | null> {
  const body = await bodies.get(d.bodyId);
  return body && fillBody(body, d.fill);
}

/**
 * Groups queued digest items per subscription into one digest delivery per day. Idempotent: the digest
 * delivery (with the ids it lists) is recorded first under a per-day key; the items are marked afterwards,
 * so a crash in between is repaired by the next run.
 */
export async function runDigests(now = new Date(), bodies = new BodyCache()): Promise<number> {
  const queued = (await DeliveryModel.collection
    .find({ status: 'queued', createdAt: { $lte: now } })
    .sort({ createdAt: 1 })
    .toArray()) as unknown as StoredDelivery[];
  const groups = new Map<string, StoredDelivery[]>();
  for (const d of queued) {
    const k = String(d.subscriptionId ?? d.to);
    groups.set(k, [...(groups.get(k) ?? []), d]);
  }
  const day = now.toISOString().slice(0, 10);
  let made = 0;
  for (const [k, items] of groups) {
    const first = items[0]!;
    const key = `digest:${k}:${day}`;
    const listed = await Promise.all(
      items.map(async (i) => ({ subject: i.subject, text: (await bodyOf(i, bodies))?.text ?? '' })),
    );
    const made1 = await recordDeliveries([
      {
        key,
        kind: 'digest',
        subscriptionId: first.subscriptionId ? String(first.subscriptionId) : null,
        userId: first.userId ? String(first.userId) : null,
        to: first.to,
        email: digestEmail(listed, ALERT_LIMITS.digestItemsMax),
        itemIds: items.map((i) => i._id),
        mayRepeat: true,
      },
    ]);
    made += made1.deliveries.length;
    const digest = await DeliveryModel.findById(deliveryIdOf(key), { _id: 1, itemIds: 1 }).lean();
    if (!digest?.itemIds?.length) continue;
    // Only the items this digest lists; on a re-run the same day, newer items wait for tomorrow's digest.
    await DeliveryModel.collection.updateMany(
      { _id: { $in: digest.itemIds }, status: 'queued' },
      { $set: { status: 'digested' } },
    );
  }
  return made;
}
