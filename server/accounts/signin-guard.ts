import { createHmac } from 'node:crypto';
import { errors, type HttpError } from '../http/errors';
import { claimSlot, rateLimitCollection } from '../http/rate-limit-store';

/**
 * The per-account sign-in limit (issue 11, item 5), across every client address and every app instance.
 *
 * Failed sign-ins to one normalised email are counted in fixed windows (`windowMs`, the rate-limit window):
 * - up to SIGNIN_SLOW_AFTER failures: no delay;
 * - from then on each further attempt must wait after the latest failure: 1 s, 2 s, 4 s, 8 s, 16 s; earlier
 *   attempts are answered 429 with Retry-After, and their password is not checked;
 * - the SIGNIN_LOCK_AFTER-th failure locks the account for `lockMs` (one window): every attempt, even with the
 *   right password, is answered 429 with Retry-After until then. The request that recorded that failure emails
 *   the owner (auth.routes.ts), so exactly one request does.
 *
 * Emails without an account are counted and locked exactly the same way, so neither the answers nor their
 * timing tell whether an account exists; only the owner of a real account gets the email.
 *
 * Storage, point operations only: failure k of key h in window w is the document `signin:<h>:<w>:<k>` in the
 * rate-limit collection, claimed by an insert under that `_id` (the rate-limit store's `claimSlot`; a duplicate
 * key means another request or instance took k first: try k + 1), so the count is exact on MongoDB and FerretDB alike, and nothing more is
 * written past the lock. Reading the count reads `_id`s k + 1, k + 2 ... from the highest this instance knows.
 * `h` is an HMAC of the normalised email under the server's token secret: the email is not stored. The
 * documents carry `at` and no `kind`, so the rate-limit sweep (`sweepRateLimits`) deletes them after a window.
 */
export const SIGNIN_SLOW_AFTER = 5;
export const SIGNIN_LOCK_AFTER = 10;
const FIRST_DELAY_MS = 1000;

export type SignInVerdict = { ok: true } | { ok: false; retryAfterMs: number; locked: boolean };

interface Slot {
  _id: string;
  at: Date;
}

/** The wait after the `failures`-th failure before another attempt is let through. */
export function delayAfter(failures: number): number {
  return failures < SIGNIN_SLOW_AFTER ? 0 : FIRST_DELAY_MS * 2 ** (failures - SIGNIN_SLOW_AFTER);
}

/** 429 with Retry-After, the same body as the per-address limit's (so the two cannot be told apart either). */
export function tooManyAttempts(retryAfterMs: number): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return errors.rateLimited(seconds);
}

const slots = () => rateLimitCollection<Slot>();

export class SignInGuard {
  private readonly windowMs: number;
  private readonly lockMs: number;
  /** Highest failure known per `<h>:<w>` and its time when known (a hint: claims and reads decide). */
  private readonly known = new Map<string, { n: number; at: number | null }>();
  private hmacKey: Buffer | undefined;

  constructor(private readonly opts: { windowMs: number; secret: () => string }) {
    this.windowMs = opts.windowMs;
    // One window: a lock never outlives the window after the one it started in, which the check reads.
    this.lockMs = opts.windowMs;
  }

  /** May an attempt for `email` (normalised) have its password checked now? Reads only. */
  async verdict(email: string, now = Date.now()): Promise<SignInVerdict> {
    const h = this.keyOf(email);
    const w = Math.floor(now / this.windowMs);
    // A lock reached in the previous window may still be running.
    const before = await slots().findOne({ _id: slotId(h, w - 1, SIGNIN_LOCK_AFTER) });
    if (before) {
      const left = before.at.getTime() + this.lockMs - now;
      if (left > 0) return { ok: false, retryAfterMs: left, locked: true };
    }
    const { n, at } = await this.count(h, w);
    if (n >= SIGNIN_LOCK_AFTER) {
      // Ends with the window at the latest (lockMs = windowMs), where the next window's check above takes over.
      const left = Math.max((at ?? now) + this.lockMs - now, 1000);
      return { ok: false, retryAfterMs: left, locked: true };
    }
    const wait = delayAfter(n) - (now - (at ?? now));
    if (n >= SIGNIN_SLOW_AFTER && wait > 0) return { ok: false, retryAfterMs: wait, locked: false };
    return { ok: true };
  }

  /**
   * Records one failed sign-in for `email` (normalised). Returns its number in the window; the lock starts when
   * this is SIGNIN_LOCK_AFTER (exactly one request gets that number). Past it nothing is stored.
   */
  async recordFailure(email: string, now = Date.now()): Promise<number> {
    const h = this.keyOf(email);
    const w = Math.floor(now / this.windowMs);
    const base = `${h}:${w}`;
    this.forgetOldWindows(w);
    for (let k = (this.known.get(base)?.n ?? 0) + 1; ; k++) {
      if (k > SIGNIN_LOCK_AFTER) return k;
      if (await claimSlot(slotId(h, w, k), new Date(now))) {
        this.known.set(base, { n: k, at: now });
        return k;
      }
      this.known.set(base, { n: k, at: null });
    }
  }

  /** When a lock that starts now ends. */
  lockEndsAt(now = Date.now()): Date {
    return new Date(now + this.lockMs);
  }

  /** Failures of `h` in window `w` (capped at the lock) and the time of the latest, by `_id` reads from the hint up. */
  private async count(h: string, w: number): Promise<{ n: number; at: number | null }> {
    const base = `${h}:${w}`;
    let { n, at } = this.known.get(base) ?? { n: 0, at: null };
    while (n < SIGNIN_LOCK_AFTER) {
      const next = await slots().findOne({ _id: slotId(h, w, n + 1) });
      if (!next) break;
      n += 1;
      at = next.at.getTime();
    }
    if (n > 0 && at === null) at = (await slots().findOne({ _id: slotId(h, w, n) }))?.at.getTime() ?? null;
    if (n > 0) this.known.set(base, { n, at });
    return { n, at };
  }

  private keyOf(email: string): string {
    this.hmacKey ??= createHmac('sha256', this.opts.secret()).update('staywatch sign-in guard v1').digest();
    return createHmac('sha256', this.hmacKey).update(email).digest('base64url').slice(0, 27);
  }

  private forgetOldWindows(w: number): void {
    if (this.known.size < 10_000) return;
    for (const k of this.known.keys()) if (!k.endsWith(`:${w}`)) this.known.delete(k);
  }
}

const slotId = (h: string, w: number, k: number) => `signin:${h}:${w}:${k}`;
