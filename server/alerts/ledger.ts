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

/** Stores retry work items, then the result rows that point to them (inserts; a row stored before is left out). */
export type LedgerStore = (retries: DeliveryWork[], results: DeliveryResult[]) => Promise<void>;

/** The real store: the work items and result collections. */
export const storeInDatabase: LedgerStore = async (retries, results) => {
  if (retries.length) await insertNew(DeliveryWorkModel.collection, retries);
  await insertNew(DeliveryResultModel.collection, results);
};

/** Tries of one flush before it gives up (and keeps the results for the next), with a doubling pause between them. */
const STORE_TRIES = 4;
const STORE_BACKOFF_MS = 50;
const RETRY_LATER_MAX_MS = 5_000;

export interface LedgerOptions {
  /** Store after this many results (else within a few milliseconds). */
  flushEvery?: number;
  /** Where results go; the database unless a test wraps it to inject a fault. */
  store?: LedgerStore;
}

/**
 * Records what happened to each attempt with inserts only, batched: result rows (flushed every few
 * milliseconds, so a crash loses at most that window), work items for retries, and the removal of finished
 * work items (one delete for many). Nothing here updates a delivery. Results stay in memory until they are
 * stored: a failed store is tried again, never dropped.
 */
export class DeliveryLedger {
  private results: DeliveryResult[] = [];
  private retries: DeliveryWork[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  /** A store waiting for the one in progress. */
  private queued: Promise<void> | null = null;
  /** Flushes in a row that gave up (the retry timer backs off with them). */
  private failures = 0;
  private closed = false;

  private readonly flushEvery: number;
  private readonly store: LedgerStore;

  constructor(opts: LedgerOptions = {}) {
    this.flushEvery = opts.flushEvery ?? 50;
    this.store = opts.store ?? storeInDatabase;
  }

  record(d: Sendable, attempt: number, status: ResultStatus, error: string | null, retryInMs?: number): void {
    const at = new Date();
    this.results.push({ _id: attemptId(d._id, attempt), status, at, error });
    if (retryInMs !== undefined) {
      const next = attempt + 1;
      this.retries.push({ _id: attemptId(d._id, next), items: [{ d, k: next }], dueAt: new Date(at.getTime() + retryInMs) });
    }
    if (this.results.length >= this.flushEvery) void this.flush().catch(() => undefined);
    else this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), 20);
  }

  /** Results and retries waiting to be stored (kept until a store succeeds). */
  get unstored(): number {
    return this.results.length + this.retries.length;
  }

  /**
   * Stores everything recorded so far: retry work items first, then the results that point to them. Resolves once
   * they are stored; rejects if the store still fails after a few tries, and then keeps them (a later flush, or the
   * retry timer, stores them). A result is never dropped: an attempt without one is taken over after the lease and
   * its message sent again.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A store queued behind the one in progress takes whatever is buffered when it starts: join it.
    if (this.queued) return this.queued;
    const next = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.storeBuffered();
      });
    this.queued = next;
    this.writing = next;
    return next;
  }

  private async storeBuffered(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const results = this.results.splice(0);
      const retries = this.retries.splice(0);
      if (!results.length && !retries.length) return;
      try {
        await this.store(retries, results);
        this.failures = 0;
        return;
      } catch (err) {
        // Back in front of what was recorded meanwhile; storing them again is harmless (inserts skip stored rows).
        this.results.unshift(...results);
        this.retries.unshift(...retries);
        if (attempt + 1 >= STORE_TRIES) {
          this.failures++;
          if (!this.closed) {
            this.timer ??= setTimeout(
              () => void this.flush().catch(() => undefined),
              Math.min(RETRY_LATER_MAX_MS, STORE_BACKOFF_MS * 2 ** (STORE_TRIES + this.failures)),
            );
          }
          throw err;
        }
        await new Promise((r) => setTimeout(r, STORE_BACKOFF_MS * 2 ** attempt));
      }
    }
  }

  /** No more timers (the worker stopped). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Removes finished work items, after the results they are finished by are stored. */
  async finishWork(ids: string[]): Promise<void> {
    await this.flush();
    if (!ids.length) return;
    await retryBusy(() => DeliveryWorkModel.deleteMany({ _id: trusted({ $in: ids }) }));
  }
}
