import type { Types } from 'mongoose';
import { insertNew, retryBusy } from '../db/insert';
import {
  type DeliveryResult,
  DeliveryModel,
  DeliveryResultModel,
  type ResultStatus,
  type StoredDelivery,
} from './delivery.model';

/** `_id` of the claim (and result) row of one attempt. */
export const attemptId = (d: { _id: Types.ObjectId }, attempt: number) => `${String(d._id)}:${attempt}`;

interface Outcome {
  delivery: StoredDelivery;
  attempt: number;
  status: ResultStatus;
  error: string | null;
  /** For `retry`: how long to wait before the next attempt. */
  retryInMs?: number;
}

/**
 * Records what happened to each attempt, cheaply and in order: first a result row per attempt (batched
 * inserts, flushed every few milliseconds, so a crash loses at most that window), then the delivery's own
 * `status` is settled in bulk, one `updateMany` per kind of outcome instead of one update per message.
 */
export class DeliveryLedger {
  private results: DeliveryResult[] = [];
  private unsettled: Outcome[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private settling: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private settleTimer: NodeJS.Timeout | null = null;
  /** How long the last settle took: the next automatic one waits at least twice that (and 1 s). */
  private lastSettleMs = 0;

  constructor(private readonly flushEvery = 50) {}

  record(o: Outcome): void {
    const at = new Date();
    this.results.push({
      _id: attemptId(o.delivery, o.attempt),
      status: o.status,
      at,
      nextAttemptAt: o.retryInMs === undefined ? null : new Date(at.getTime() + o.retryInMs),
      error: o.error,
    });
    this.unsettled.push(o);
    if (this.results.length >= this.flushEvery) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), 20);
    // Statuses catch up while a long batch is still sending, without a scan per message.
    this.settleTimer ??= setTimeout(
      () => void this.settle().catch(() => undefined),
      Math.max(1000, 2 * this.lastSettleMs),
    );
  }

  /** Writes the buffered result rows; resolves when everything recorded so far is stored. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const rows = this.results.splice(0);
    if (rows.length)
      this.flushing = this.flushing.then(() => insertNew(DeliveryResultModel.collection, rows).then(() => undefined));
    return this.flushing;
  }

  /** Flushes results, then settles every outcome so far into the deliveries (chained: one settle at a time). */
  settle(): Promise<void> {
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    const batch = this.unsettled.splice(0);
    const flushed = this.flush();
    this.settling = this.settling
      .catch(() => undefined)
      .then(async () => {
        await flushed;
        const t0 = performance.now();
        await settleOutcomes(batch);
        this.lastSettleMs = performance.now() - t0;
      });
    return this.settling;
  }
}

/** Same update for every outcome in a group: status, attempts, when to retry, the error. */
async function settleOutcomes(outcomes: Outcome[]): Promise<void> {
  const now = new Date();
  const groups = new Map<string, { set: Record<string, unknown>; ids: Types.ObjectId[] }>();
  for (const o of outcomes) {
    const attempts = o.attempt + 1;
    const key = `${o.status}|${attempts}|${o.error ?? ''}`;
    let g = groups.get(key);
    if (!g) {
      const set: Record<string, unknown> = { attempts, lastError: o.error, updatedAt: now };
      if (o.status === 'sent') Object.assign(set, { status: 'sent', sentAt: now });
      // One jittered retry time for the group (computed per outcome, the first one wins).
      else if (o.status === 'retry')
        Object.assign(set, { status: 'pending', nextAttemptAt: new Date(now.getTime() + (o.retryInMs ?? 0)) });
      else set.status = o.status;
      g = { set, ids: [] };
      groups.set(key, g);
    }
    g.ids.push(o.delivery._id);
  }
  for (const { set, ids } of groups.values()) {
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      await retryBusy(() =>
        DeliveryModel.collection.updateMany({ _id: { $in: chunk }, status: { $in: ['pending', 'sending'] } }, { $set: set }),
      );
    }
  }
}

/** Applies one stored result to its delivery (repair after a worker died between result and settle). */
export async function applyResult(d: StoredDelivery, attempt: number, r: DeliveryResult): Promise<void> {
  const set: Record<string, unknown> = { attempts: attempt + 1, lastError: r.error, updatedAt: new Date() };
  if (r.status === 'sent') Object.assign(set, { status: 'sent', sentAt: r.at });
  else if (r.status === 'retry') Object.assign(set, { status: 'pending', nextAttemptAt: r.nextAttemptAt ?? new Date() });
  else set.status = r.status;
  await retryBusy(() => DeliveryModel.collection.updateOne({ _id: d._id, attempts: attempt }, { $set: set }));
}
