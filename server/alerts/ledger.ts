import { trusted, type Types } from 'mongoose';
import { insertNew, retryBusy } from '../db/insert';
import {
  type DeliveryResult,
  DeliveryResultModel,
  type DeliveryWork,
  DeliveryWorkModel,
  type ResultStatus,
  type Sendable,
} from './delivery.model';

/** `_id` of the claim (and result) row of one attempt. */
export const attemptId = (deliveryId: Types.ObjectId | string, attempt: number) => `${String(deliveryId)}:${attempt}`;

/**
 * Records what happened to each attempt with inserts only, batched: result rows (flushed every few
 * milliseconds, so a crash loses at most that window), work items for retries, and the removal of finished
 * work items (one delete for many). Nothing here updates a delivery.
 */
export class DeliveryLedger {
  private results: DeliveryResult[] = [];
  private retries: DeliveryWork[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly flushEvery = 50) {}

  record(d: Sendable, attempt: number, status: ResultStatus, error: string | null, retryInMs?: number): void {
    const at = new Date();
    const nextAttemptAt = retryInMs === undefined ? null : new Date(at.getTime() + retryInMs);
    this.results.push({ _id: attemptId(d._id, attempt), status, at, nextAttemptAt, error });
    if (nextAttemptAt) {
      const next = attempt + 1;
      this.retries.push({ _id: attemptId(d._id, next), items: [{ d, k: next }], dueAt: nextAttemptAt });
    }
    if (this.results.length >= this.flushEvery) void this.flush().catch(() => undefined);
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), 20);
  }

  /** Stores everything recorded so far: retry work items first, then the results that point to them. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const results = this.results.splice(0);
    const retries = this.retries.splice(0);
    if (!results.length) return this.writing;
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (retries.length) await insertNew(DeliveryWorkModel.collection, retries);
        await insertNew(DeliveryResultModel.collection, results);
      });
    return this.writing;
  }

  /** Removes finished work items, after the results they are finished by are stored. */
  async finishWork(ids: string[]): Promise<void> {
    await this.flush();
    if (!ids.length) return;
    await retryBusy(() => DeliveryWorkModel.deleteMany({ _id: trusted({ $in: ids }) }));
  }
}
