import mongoose, { Types } from 'mongoose';
import { insertNew, retryBusy } from '../db/insert';
import { appendLog, deleteLog, readLog } from '../db/paged-log';
import { readById } from '../db/versioned';
import { eachLimited, type IdListDoc } from '../properties/id-list';
import { type DeliveryKind, DeliveryModel, type StoredDelivery } from './delivery.model';
import { USER_SUBSCRIPTIONS } from './subscription.model';

/**
 * Each user's alert history: a paged log (`alerts-sent:<userId>`, newest first) of the deliveries recorded for them,
 * so "the alerts you were sent" and account deletion read deliveries by `_id` instead of scanning by `userId`.
 *
 * Appending to 10,000 users' logs costs 10,000 versioned writes, far too slow for the outbox's one-report-to-10,000
 * path (whose intent is durable in well under 2 s). So the outbox records the appends as intent, in bulk (one
 * insert of up to HISTORY_CHUNK entries, before the deliveries themselves), and a writer applies them right after,
 * off the request: in the recording process, or, after a crash, by the server's background sweep. An entry applied
 * twice is harmless: readers skip ids they have already seen, and ids whose delivery is gone.
 */

export const HISTORY_WORK = 'alerthistorywork';
/** Entries per history work document. */
const HISTORY_CHUNK = 2000;
/** Users whose logs one work document appends to at once. */
const APPEND_LANES = 8;
/** The background sweep leaves younger work documents to the process that recorded them. */
export const HISTORY_SWEEP_AFTER_MS = 60_000;

export interface HistoryEntry {
  /** The delivery's id (hex). */
  d: string;
  k: DeliveryKind;
  at: Date;
}
interface HistoryWork {
  _id: string;
  at: Date;
  entries: Array<HistoryEntry & { u: string }>;
}

export const historyKey = (userId: string) => `alerts-sent:${userId}`;

function db() {
  const d = mongoose.connection.db;
  if (!d) throw new Error('not connected');
  return d;
}

/**
 * Applies history work: appends each entry to its user's log, unless the user's subscription list is closed (the
 * account is being deleted): then the delivery is deleted instead, so a delivery recorded while the account was
 * going does not outlive it.
 */
export class HistoryWriter {
  private readonly busy = new Set<string>();
  private readonly pending = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  /** Work just recorded in this process: applied now, without waiting for it. */
  take(work: HistoryWork[]): void {
    for (const w of work) {
      if (this.busy.has(w._id)) continue;
      void this.apply(w).catch(() => undefined); // left in place: the background sweep retries it
    }
  }

  /** Resolves when this process has no unapplied entries for `userId` (or after `timeoutMs`). */
  async settled(userId: string, timeoutMs = 2_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.pending.has(userId) && Date.now() < until) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          this.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.max(1, until - Date.now()));
        this.waiters.add(done);
      });
    }
  }

  /** Background (scans the small work collection): applies work older than `olderThanMs` that nobody finished. */
  async sweep(olderThanMs = HISTORY_SWEEP_AFTER_MS): Promise<number> {
    const cutoff = new Date(Date.now() - olderThanMs);
    const found = (await db()
      .collection<HistoryWork>(HISTORY_WORK)
      .find({ at: { $lte: cutoff } })
      .limit(50)
      .toArray()) as HistoryWork[];
    let applied = 0;
    for (const w of found) {
      if (this.busy.has(w._id)) continue;
      await this.apply(w);
      applied++;
    }
    return applied;
  }

  private count(users: string[], delta: 1 | -1): void {
    for (const u of users) {
      const n = (this.pending.get(u) ?? 0) + delta;
      if (n > 0) this.pending.set(u, n);
      else this.pending.delete(u);
    }
    if (delta < 0) for (const w of [...this.waiters]) w();
  }

  private async apply(w: HistoryWork): Promise<void> {
    this.busy.add(w._id);
    const byUser = new Map<string, HistoryEntry[]>();
    for (const { u, ...e } of w.entries) byUser.set(u, [...(byUser.get(u) ?? []), e]);
    const users = [...byUser.keys()];
    this.count(users, 1);
    try {
      await eachLimited(users, APPEND_LANES, async (u) => {
        const entries = byUser.get(u)!;
        const list = await readById<IdListDoc>(USER_SUBSCRIPTIONS, u);
        if (list?.closed) {
          for (const e of entries) await DeliveryModel.deleteOne({ _id: new Types.ObjectId(e.d) });
          return;
        }
        for (const e of entries) await appendLog(historyKey(u), e);
      });
      await retryBusy(() => db().collection<HistoryWork>(HISTORY_WORK).deleteOne({ _id: w._id }));
    } finally {
      this.busy.delete(w._id);
      this.count(users, -1);
    }
  }
}

/** The writer of this process (the outbox hands it what it records; the server's background sweeps leftovers). */
export const historyWriter = new HistoryWriter();

/** The history entries of `docs` as work documents, inserted (before the deliveries; see the module comment). */
export async function queueHistory(docs: StoredDelivery[], now: Date): Promise<HistoryWork[]> {
  const entries = docs.filter((d) => d.userId).map((d) => ({ u: String(d.userId), d: String(d._id), k: d.kind, at: now }));
  const work: HistoryWork[] = [];
  for (let i = 0; i < entries.length; i += HISTORY_CHUNK) {
    work.push({ _id: `h:${new Types.ObjectId().toHexString()}`, at: now, entries: entries.slice(i, i + HISTORY_CHUNK) });
  }
  if (work.length) await insertNew(db().collection(HISTORY_WORK), work);
  return work;
}

/** The newest `limit` distinct entries of the user's history that pass `keep`. */
export async function readHistory(userId: string, limit: number, keep: (e: HistoryEntry) => boolean): Promise<HistoryEntry[]> {
  const seen = new Set<string>();
  const page = await readLog<HistoryEntry>(historyKey(userId), {
    limit,
    keep: (e) => {
      if (seen.has(e.d) || !keep(e)) return false;
      seen.add(e.d);
      return true;
    },
  });
  return page.items;
}

/** Every delivery id in the user's history (account deletion), read page by page. */
export async function allHistoryIds(userId: string): Promise<string[]> {
  const ids = new Set<string>();
  let before: string | null = null;
  do {
    const page: Awaited<ReturnType<typeof readLog<HistoryEntry>>> = await readLog<HistoryEntry>(historyKey(userId), {
      limit: 1000,
      before,
    });
    for (const e of page.items) ids.add(e.d);
    before = page.nextCursor;
  } while (before);
  return [...ids];
}

export const deleteHistory = (userId: string) => deleteLog(historyKey(userId));
