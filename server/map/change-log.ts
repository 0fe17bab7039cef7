import mongoose, { Types } from 'mongoose';
import type { Logger } from '../logger';

/**
 * An append-only log of changed report ids (`reportchanges`: {_id, reportIds, at, by}), so app
 * instances learn about each other's writes by scanning a small collection instead of every report
 * (on FerretDB any filter but `_id` equality reads the whole collection). A change is acknowledged only once its
 * id is written (the map index awaits `record` in its event listener, which the request awaits), so a crash never
 * loses a logged change. Writes are group commits: one insert in flight, the ids noted meanwhile go together into
 * the next one as an entry of up to IDS_PER_ENTRY ids (a document per changed report cost the engine a second
 * insert per report), stamped `at` when written, so an entry lands within moments of its `at`. Polling asks only
 * for other instances' entries of the last OVERLAP_MS and skips the ones already seen; old entries are pruned.
 */

export const CHANGES = 'reportchanges';
/** After a failed write, the next attempt waits this long. */
const RETRY_MS = 1_000;
/**
 * How far back each poll looks again: an entry lands a little after its `at` (a slow insert, a failover) and
 * clocks differ between instances. Own entries are filtered out by the engine, so only other instances' entries
 * of this window come back.
 */
export const OVERLAP_MS = 30_000;
/** Report ids per entry. */
const IDS_PER_ENTRY = 1_000;
/** Ids kept while the database refuses them; beyond this the oldest are dropped (and logged). */
const MAX_BUFFER = 200_000;

interface ChangeDoc {
  _id: Types.ObjectId;
  reportIds: Types.ObjectId[];
  at: Date;
  by: string;
}

export class ChangeLog {
  /** Identifies this process's entries (its own events are already in its index). */
  readonly instance = new Types.ObjectId().toHexString();
  /** Ids waiting for the next write, oldest first (a report changed twice meanwhile is logged once). */
  private pending = new Set<string>();
  /** The write in flight (resolves true when it landed). */
  private inFlight: Promise<void> | null = null;
  /** Resolved when the write that takes the pending ids has been attempted. */
  private next: { promise: Promise<void>; resolve: () => void } | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Entries already applied, by entry id → at (ms), forgotten after 2 × OVERLAP_MS. */
  private seen = new Map<string, number>();
  /** When the last poll began (ms, this instance's clock); the next one looks back from here. */
  private cursorMs = 0;
  /** When the last completed poll began: every entry written before this, give or take OVERLAP_MS, was in its answer. */
  lastPollStartedMs = 0;

  constructor(private readonly logger: Logger) {}

  private get collection() {
    return mongoose.connection.collection<ChangeDoc>(CHANGES);
  }

  /**
   * Note a changed report. Resolves once a write holding it has been attempted (never rejects), so a caller that
   * awaits it before acknowledging the change knows the change survives a crash of this process: a restart replays
   * the log since the last snapshot. Writes are group commits: one in flight at a time, and every id noted meanwhile
   * goes into the next one, so under load an entry carries many ids and the engine sees few inserts.
   */
  record(reportId: string): Promise<void> {
    if (!Types.ObjectId.isValid(reportId)) return Promise.resolve();
    this.pending.add(reportId);
    return this.kick();
  }

  /** The promise of the write that will carry what is pending now; starts it unless one is in flight or a retry waits. */
  private kick(): Promise<void> {
    this.next ??= deferred();
    const done = this.next.promise;
    if (!this.inFlight && !this.retryTimer) this.startWrite();
    return done;
  }

  private startWrite(): void {
    const ids = [...this.pending];
    this.pending.clear();
    const done = this.next;
    this.next = null;
    this.inFlight = this.write(ids).then((ok) => {
      this.inFlight = null;
      done?.resolve();
      if (!ok) this.retryLater();
      else if (this.pending.size) this.kick();
    });
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.pending.size && !this.inFlight) this.kick();
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /**
   * Write `ids` as entries of up to IDS_PER_ENTRY ids, stamped just before they are sent; false when the write
   * failed and the ids went back into `pending` for a retry a second later (the oldest dropped beyond MAX_BUFFER).
   * Should part of a failed write have landed after all, those ids are logged twice, which costs a second fetch of
   * the same reports and nothing else.
   */
  private async write(ids: string[]): Promise<boolean> {
    if (ids.length === 0) return true;
    const at = new Date();
    const docs: ChangeDoc[] = [];
    for (let k = 0; k < ids.length; k += IDS_PER_ENTRY) {
      const reportIds = ids.slice(k, k + IDS_PER_ENTRY).map((id) => new Types.ObjectId(id));
      docs.push({ _id: new Types.ObjectId(), reportIds, at, by: this.instance });
    }
    try {
      await this.collection.insertMany(docs, { ordered: false });
      const ms = Date.now() - at.getTime();
      if (ms > OVERLAP_MS / 2) this.logger.warn({ ms, ids: ids.length }, 'report change log write was slow');
      return true;
    } catch (err) {
      this.logger.warn({ err, ids: ids.length }, 'report change log write failed; will retry');
      this.requeue(ids);
      return false;
    }
  }

  /** Resolves when everything noted so far has been written (or attempted, if the database refused it). Never rejects. */
  async flush(): Promise<void> {
    if (this.retryTimer && this.pending.size) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    while (this.inFlight || (this.pending.size && !this.retryTimer)) {
      if (this.pending.size) await this.kick();
      else await this.inFlight;
    }
  }

  private requeue(failed: string[]): void {
    const newer = this.pending;
    this.pending = new Set(failed);
    for (const id of newer) this.pending.add(id);
    let dropped = this.pending.size - MAX_BUFFER;
    if (dropped > 0) {
      this.logger.error({ dropped }, 'report change log buffer full: oldest ids dropped');
      for (const id of this.pending) {
        if (dropped-- <= 0) break;
        this.pending.delete(id);
      }
    }
  }

  /** Start polling from `ms` (a snapshot's time or a build's start). */
  resetCursor(ms: number): void {
    this.cursorMs = ms;
    this.seen.clear();
  }

  /**
   * Report ids changed by other instances (or by anyone, with `all`) since the cursor, each once.
   * One scan of the change log; this instance's own entries are filtered out by the engine.
   */
  async poll(opts: { all?: boolean; sinceMs?: number } = {}): Promise<string[]> {
    const polledAt = Date.now();
    const since = new Date((opts.sinceMs ?? this.cursorMs) - OVERLAP_MS);
    const filter = opts.all ? { at: { $gte: since } } : { at: { $gte: since }, by: { $ne: this.instance } };
    const docs = await this.collection.find(filter, { projection: { reportIds: 1, at: 1, by: 1 } }).toArray();
    const ids = new Set<string>();
    for (const d of docs) {
      const key = d._id.toHexString();
      if (this.seen.has(key)) continue;
      const at = d.at.getTime();
      this.seen.set(key, at);
      if (!opts.all && d.by === this.instance) continue;
      for (const id of d.reportIds) ids.add(id.toHexString());
    }
    // Everything written before this poll began is in its answer, give or take OVERLAP_MS. The cursor follows this
    // instance's clock, so an instance whose clock runs ahead cannot push it past others' entries.
    if (polledAt > this.cursorMs) this.cursorMs = polledAt;
    this.lastPollStartedMs = polledAt;
    const forget = this.cursorMs - 2 * OVERLAP_MS;
    for (const [k, at] of this.seen) if (at < forget) this.seen.delete(k);
    return [...ids];
  }

  /** Delete entries older than `before` (one scan of the log). */
  async prune(before: Date): Promise<number> {
    const res = await this.collection.deleteMany({ at: { $lt: before } });
    return res.deletedCount;
  }

  /** Writes what is pending (a retry waiting is done now). */
  stop(): Promise<void> {
    return this.flush();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
