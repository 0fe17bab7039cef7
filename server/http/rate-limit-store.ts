import { randomBytes } from 'node:crypto';
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import mongoose from 'mongoose';
import { isDuplicateKey } from '../db/errors';
import { retryBusy } from '../db/insert';

/**
 * Rate-limit counters shared by every app instance through the database, with point operations only.
 *
 * A hit in a fixed window claims the next free slot `<key>:<window>:<n>` by inserting it: an insert under a
 * deterministic `_id` is atomic on MongoDB and on FerretDB (whose `$inc` is not), so the count is exact however
 * many instances share the key. Past the limit nothing more is written. Slots and salts are swept after their
 * window by a background job (`sweepRateLimits`).
 */
export const RATE_LIMITS = 'ratelimits';
/** Salts live one day: the hashed client addresses in the counters cannot be linked across days. */
export const SALT_ROTATE_MS = 24 * 3_600_000;

interface Slot {
  _id: string;
  at: Date;
}
interface SaltDoc {
  _id: string;
  kind: 'salt';
  salt: string;
  at: Date;
}

/** The rate-limit collection (slots and salts; also the sign-in guard's slots, signin-guard.ts). */
export function rateLimitCollection<T extends { _id: string }>() {
  const db = mongoose.connection.db;
  if (!db) throw new Error('not connected');
  return db.collection<T>(RATE_LIMITS);
}

/** Claims slot `id` by inserting it (stamped `at`): true if this call took it, false if it was already taken. */
export async function claimSlot(id: string, at = new Date()): Promise<boolean> {
  try {
    await retryBusy(() => rateLimitCollection<Slot>().insertOne({ _id: id, at }));
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

export class PointStore implements Store {
  localKeys = false;
  private windowMs = 60_000;
  private limit = 10;
  /** Highest slot this instance has taken or tried, per key and window (claims decide who holds it). */
  private known = new Map<string, number>();

  init(options: Options): void {
    this.windowMs = options.windowMs;
    this.limit = typeof options.limit === 'number' ? options.limit : this.limit;
  }

  async increment(key: string): Promise<IncrementResponse> {
    const now = Date.now();
    const window = Math.floor(now / this.windowMs);
    const resetTime = new Date((window + 1) * this.windowMs);
    const base = `${key}:${window}`;
    this.forgetOldWindows(window);
    for (;;) {
      // Slots are handed out in this process before the insert, so concurrent hits on one key try different slots:
      // only another instance's hits can take a slot first (then the next one is tried).
      const n = (this.known.get(base) ?? 0) + 1;
      this.known.set(base, n);
      // Over the limit: the request is refused whatever the exact count, so nothing more is stored.
      if (n > this.limit) return { totalHits: n, resetTime };
      if (await claimSlot(`${base}:${n}`)) return { totalHits: n, resetTime };
    }
  }

  /** A hit is never given back (express-rate-limit calls this only for skipFailed/SuccessfulRequests). */
  decrement(): void {}

  async resetKey(key: string): Promise<void> {
    const window = Math.floor(Date.now() / this.windowMs);
    const base = `${key}:${window}`;
    for (let n = 1; n <= this.limit; n++) await rateLimitCollection<Slot>().deleteOne({ _id: `${base}:${n}` });
    this.known.delete(base);
  }

  private forgetOldWindows(window: number): void {
    if (this.known.size < 10_000) return;
    for (const k of this.known.keys()) if (!k.endsWith(`:${window}`)) this.known.delete(k);
  }
}

const salts = new Map<number, Promise<Buffer>>();

/**
 * Today's salt for hashing client addresses, the same in every instance: the first instance to need it inserts a
 * random one under `salt:<day>`; the others read it. It is never derived from anything stored elsewhere.
 */
export function sharedSalt(now = Date.now()): Promise<Buffer> {
  const day = Math.floor(now / SALT_ROTATE_MS);
  let salt = salts.get(day);
  if (!salt) {
    salt = (async () => {
      const id = `salt:${day}`;
      const mine: SaltDoc = { _id: id, kind: 'salt', salt: randomBytes(32).toString('base64'), at: new Date(now) };
      try {
        await retryBusy(() => rateLimitCollection<SaltDoc>().insertOne(mine));
        return Buffer.from(mine.salt, 'base64');
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const theirs = await rateLimitCollection<SaltDoc>().findOne({ _id: id });
        if (!theirs) throw new Error('rate-limit salt vanished');
        return Buffer.from(theirs.salt, 'base64');
      }
    })();
    salt.catch(() => salts.delete(day));
    for (const d of salts.keys()) if (d < day) salts.delete(d);
    salts.set(day, salt);
  }
  return salt;
}

/** Background sweep: slots past the longest window, and salts of past days. Scans; never on a request. */
export async function sweepRateLimits(maxWindowMs: number, now = Date.now()): Promise<number> {
  const slots = await rateLimitCollection<Slot>().deleteMany({
    kind: { $exists: false },
    at: { $lt: new Date(now - maxWindowMs) },
  });
  const old = await rateLimitCollection<SaltDoc>().deleteMany({ kind: 'salt', at: { $lt: new Date(now - SALT_ROTATE_MS) } });
  return slots.deletedCount + old.deletedCount;
}
