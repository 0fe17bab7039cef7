import mongoose, { Types } from 'mongoose';
import { isDuplicateKey } from '../db/errors';
import { insertNew, retryBusy } from '../db/insert';
import { readById } from '../db/versioned';
import { eachLimited } from '../properties/id-list';
import { type DeliveryKind, DeliveryModel, type StoredDelivery } from './delivery.model';

/**
 * Each user's alert history: the deliveries recorded for them, newest first, so "the alerts you were sent" and
 * account deletion read deliveries by `_id` instead of scanning them by `userId`.
 *
 * One report can reach 10,000 users at once, and a paged log (db/paged-log.ts) costs a few versioned writes per
 * append: measured, 10,000 of them took minutes and cut the worker's send rate by about 4× while they ran. So the
 * history is an insert-only log instead: entry n of a user is the document `{_id: "<key>:<n>"}` (slots 0, 1, 2, ...
 * with no gaps), claimed by inserting it (a duplicate key means another writer took that slot: look further). The
 * 10,000 first entries of a report are one bulk insert. A hint `{_id: "<key>", n}` names a slot known to exist,
 * refreshed every HINT_EVERY entries, so finding the end is a hint read and a few probes.
 *
 * The outbox records the entries as intent, in bulk (one insert of up to HISTORY_CHUNK entries, before the
 * deliveries themselves), and a writer places them right after, off the request: in the recording process or, after
 * a crash, through the server's background sweep. An entry placed twice is harmless: readers skip delivery ids they
 * have already seen, and ids whose delivery is gone.
 */

export const HISTORY = 'alerthistory';
export const HISTORY_WORK = 'alerthistorywork';
/** Entries per history work document. */
const HISTORY_CHUNK = 2000;
/** The hint is moved forward when an entry's slot + 1 is a multiple of this. */
const HINT_EVERY = 16;
/** Slots read at once when probing for the end or reading back. */
const READ_CHUNK = 16;
/** The background sweep leaves younger work documents to the process that recorded them. */
const HISTORY_SWEEP_AFTER_MS = 60_000;
/** Users whose next free slot this process remembers. */
const TAIL_CACHE_MAX = 200_000;

export interface HistoryEntry {
  /** The delivery's id (hex). */
  d: string;
  k: DeliveryKind;
  at: Date;
}
interface Slot extends HistoryEntry {
  _id: string;
}
interface Hint {
  _id: string;
  n: number;
}
export interface HistoryWork {
  _id: string;
  at: Date;
  entries: Array<HistoryEntry & { u: string }>;
}

const historyKey = (userId: string) => `alerts-sent:${userId}`;
const slotId = (userId: string, n: number) => `${historyKey(userId)}:${n}`;

/** The driver's database of the default connection (alerts code that works below mongoose's models). */
export function db() {
  const d = mongoose.connection.db;
  if (!d) throw new Error('not connected');
  return d;
}
const slots = () => db().collection<Slot>(HISTORY);

/** Slots from..to-1 that exist, read in parallel. */
async function readSlots(userId: string, from: number, to: number): Promise<Array<Slot | null>> {
  return Promise.all(Array.from({ length: Math.max(0, to - from) }, (_, i) => readById<Slot>(HISTORY, slotId(userId, from + i))));
}

/**
 * The first free slot at or after `from` (slots before `from` exist): doubling steps until a free one, then a
 * binary search back (slots have no gaps), so a handful of reads however long the history.
 */
async function probe(userId: string, from: number): Promise<number> {
  const taken = async (n: number) => !!(await readById<Slot>(HISTORY, slotId(userId, n)));
  if (!(await taken(from))) return from;
  let lo = from;
  let hi = from + 1;
  for (let step = 1; await taken(hi); step *= 2) {
    lo = hi;
    hi = lo + step;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await taken(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** How many entries the user's history has: the hint, then probes from there. */
async function lengthOf(userId: string): Promise<number> {
  const hint = await readById<Hint>(HISTORY, historyKey(userId));
  return probe(userId, hint ? hint.n + 1 : 0);
}

/**
 * Places history work: each entry in its user's next free slot. Bulk inserts at the slots this process expects to
 * be free; a slot found taken (another writer, a restart) sends that user's remaining entries to a probe and a
 * retry.
 */
export class HistoryWriter {
  private readonly busy = new Set<string>();
  private readonly pending = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  /** Next free slot per user, as far as this process knows (a wrong guess costs a failed insert and a probe). */
  private readonly next = new Map<string, number>();
  /** Accounts deleted through this process: a delivery recorded for them afterwards is deleted, not listed. */
  private readonly gone = new Set<string>();

  /** Work just recorded in this process: placed now, without waiting for it. */
  take(work: HistoryWork[]): void {
    for (const w of work) {
      if (this.busy.has(w._id)) continue;
      void this.place(w).catch(() => undefined); // left in place: the background sweep retries it
    }
  }

  /** Resolves when this process has no unplaced entries for `userId` (or after `timeoutMs`). */
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

  /**
   * The account is gone: forget where its history ends, and delete what is still recorded for it in this process
   * (other processes' stragglers are left to the account purge, which scans by `userId` in the background).
   */
  forget(userId: string): void {
    this.next.delete(userId);
    if (this.gone.size >= TAIL_CACHE_MAX) this.gone.clear();
    this.gone.add(userId);
  }

  /** Background (scans the small work collection): places work older than `olderThanMs` that nobody finished. */
  async sweep(olderThanMs = HISTORY_SWEEP_AFTER_MS): Promise<number> {
    const cutoff = new Date(Date.now() - olderThanMs);
    const found = await db()
      .collection<HistoryWork>(HISTORY_WORK)
      .find({ at: { $lte: cutoff } })
      .limit(50)
      .toArray();
    let applied = 0;
    for (const w of found) {
      if (this.busy.has(w._id)) continue;
      await this.place(w);
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

  private remember(userId: string, next: number): void {
    if (this.next.size >= TAIL_CACHE_MAX && !this.next.has(userId)) this.next.clear();
    this.next.set(userId, next);
  }

  /** Places one work document's entries, then removes it. */
  async place(w: HistoryWork): Promise<void> {
    this.busy.add(w._id);
    let left = new Map<string, HistoryEntry[]>();
    for (const { u, ...e } of w.entries) left.set(u, [...(left.get(u) ?? []), e]);
    const users = [...left.keys()];
    this.count(users, 1);
    try {
      for (const u of users.filter((x) => this.gone.has(x))) {
        for (const e of left.get(u)!) await retryBusy(() => DeliveryModel.deleteOne({ _id: new Types.ObjectId(e.d) }));
        left.delete(u);
      }
      for (let round = 0; left.size; round++) {
        if (round >= 20) throw new Error('history slots kept being taken');
        const tried: Array<{ u: string; n: number; e: HistoryEntry }> = [];
        for (const [u, entries] of left) {
          const n = this.next.get(u) ?? 0;
          for (const [i, e] of entries.entries()) tried.push({ u, n: n + i, e });
        }
        const placed = new Set(
          (
            await insertNew(
              slots(),
              tried.map(({ u, n, e }) => ({ _id: slotId(u, n), ...e })),
            )
          ).map((s) => s._id),
        );
        const retry = new Map<string, HistoryEntry[]>();
        const hints: Hint[] = [];
        for (const t of tried) {
          if (placed.has(slotId(t.u, t.n))) {
            if ((this.next.get(t.u) ?? 0) <= t.n) this.remember(t.u, t.n + 1);
            if ((t.n + 1) % HINT_EVERY === 0) hints.push({ _id: historyKey(t.u), n: t.n });
          } else retry.set(t.u, [...(retry.get(t.u) ?? []), t.e]);
        }
        await eachLimited(hints, 8, async (h) => {
          const write = () =>
            retryBusy(() =>
              db()
                .collection<Hint>(HISTORY)
                .updateOne({ _id: h._id }, { $set: { n: h.n } }, { upsert: true }),
            );
          // Two first upserts of one hint at once: one inserts it, the other fails on its key; written again, it updates.
          await write().catch((err: unknown) => (isDuplicateKey(err) ? write() : Promise.reject(err)));
        });
        // Somebody else wrote there: find where these users' histories end now.
        await eachLimited([...retry.keys()], 8, async (u) => {
          const hint = await readById<Hint>(HISTORY, historyKey(u));
          this.remember(u, await probe(u, Math.max(hint ? hint.n + 1 : 0, this.next.get(u) ?? 0)));
        });
        left = retry;
      }
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
  if (work.length) await insertNew(db().collection<HistoryWork>(HISTORY_WORK), work);
  return work;
}

/** The newest `limit` distinct entries that pass `keep`, reading back at most `maxSlots` slots. */
export async function readHistory(
  userId: string,
  limit: number,
  keep: (e: HistoryEntry) => boolean,
  maxSlots = 4 * limit,
): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  const seen = new Set<string>();
  const end = await lengthOf(userId);
  for (let to = end; to > 0 && out.length < limit && end - to < maxSlots; to -= READ_CHUNK) {
    const found = await readSlots(userId, Math.max(0, to - READ_CHUNK), to);
    for (const s of found.reverse()) {
      if (!s || seen.has(s.d) || !keep(s)) continue;
      seen.add(s.d);
      out.push({ d: s.d, k: s.k, at: s.at });
      if (out.length >= limit) break;
    }
  }
  return out;
}

/** Every delivery id in the user's history (account deletion). */
export async function allHistoryIds(userId: string): Promise<string[]> {
  const end = await lengthOf(userId);
  const ids = new Set<string>();
  for (let from = 0; from < end; from += READ_CHUNK) {
    for (const s of await readSlots(userId, from, Math.min(end, from + READ_CHUNK))) if (s) ids.add(s.d);
  }
  return [...ids];
}

/** Deletes the user's history: every slot and the hint, by `_id`. */
export async function deleteHistory(userId: string): Promise<void> {
  const end = await lengthOf(userId);
  const ids = Array.from({ length: end }, (_, n) => slotId(userId, n));
  await eachLimited(ids, 8, (_id) => retryBusy(() => slots().deleteOne({ _id })));
  await retryBusy(() => slots().deleteOne({ _id: historyKey(userId) }));
  historyWriter.forget(userId);
}
