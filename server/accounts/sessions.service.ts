import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { trusted } from 'mongoose';
import type { Config } from '../config';
import { retryBusy } from '../db/insert';
import { deleteVersioned, readById, updateVersioned } from '../db/versioned';
import { SessionModel } from './session.model';
import type { AuthContext } from './session.types';
import { UserModel } from './user.model';

const TOUCH_EVERY_MS = 60_000;
/** The per-user session lists (`usersessions`), one small versioned document per user. */
export const SESSION_LISTS = 'usersessions';
/** Live sessions one user may hold; a new sign-in beyond it ends the oldest. */
export const MAX_SESSIONS_PER_USER = 50;
/** Sign-ins of one user at the same moment retry the list write up to this often. */
const LIST_ATTEMPTS = 20;

interface SessionList {
  _id: string;
  rev?: number;
  sessions: Array<{ id: string; expiresAt: Date }>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Server-side sessions: opaque cookie token, idle and absolute expiry, swept by the app (no TTL index).
 * A session's `_id` is the token's hash, so resolving a cookie is one point read. Each user's session ids
 * are also listed in a small versioned document keyed by the user id (written before the session is
 * inserted), so ending all sessions of a user is point deletes, never a scan of the sessions.
 */
export class SessionService {
  constructor(private readonly cfg: Config['session']) {}

  async create(userId: string): Promise<{ token: string; csrfToken: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = new Date();
    const id = sha256(token);
    const absoluteExpiresAt = new Date(now.getTime() + this.cfg.absoluteMs);
    let evicted: string[] = [];
    await updateVersioned<SessionList>(
      SESSION_LISTS,
      userId,
      (cur) => {
        // Entries past their absolute expiry are dropped here (their sessions are dead; the sweep deletes them).
        const live = (cur?.sessions ?? []).filter((s) => new Date(s.expiresAt) > now);
        live.push({ id, expiresAt: absoluteExpiresAt });
        evicted = live.length > MAX_SESSIONS_PER_USER ? live.splice(0, live.length - MAX_SESSIONS_PER_USER).map((s) => s.id) : [];
        return { sessions: live };
      },
      { attempts: LIST_ATTEMPTS },
    );
    await retryBusy(() =>
      SessionModel.create({
        _id: id,
        userId,
        csrfToken,
        createdAt: now,
        lastSeenAt: now,
        absoluteExpiresAt,
      }),
    );
    for (const old of evicted) await retryBusy(() => SessionModel.deleteOne({ _id: old }));
    return { token, csrfToken };
  }

  async resolve(token: string, now = new Date()): Promise<AuthContext | null> {
    const id = sha256(token);
    const s = await SessionModel.findById(id).lean();
    if (!s) return null;
    if (s.absoluteExpiresAt <= now || s.lastSeenAt.getTime() + this.cfg.idleMs <= now.getTime()) {
      await this.destroy(id, s.userId.toString());
      return null;
    }
    const user = await UserModel.findById(s.userId).lean();
    if (!user || user.disabled) {
      await this.destroy(id, s.userId.toString());
      return null;
    }
    if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await SessionModel.updateOne({ _id: id }, { $set: { lastSeenAt: now } });
    }
    return {
      sessionId: id,
      csrfToken: s.csrfToken,
      user: {
        id: user._id.toString(),
        email: user.email,
        name: user.name,
        role: user.role,
        forceId: user.forceId ?? null,
      },
    };
  }

  /** Ends one session of `userId`. */
  async destroy(sessionId: string, userId: string): Promise<void> {
    await retryBusy(() => SessionModel.deleteOne({ _id: sessionId }));
    await this.unlist(userId, [sessionId]);
  }

  /** Ends every session of `userId`: the ids come from the user's list, each session is deleted by `_id`. */
  async destroyAllFor(userId: string): Promise<void> {
    const list = await readById<SessionList>(SESSION_LISTS, userId);
    const ids = (list?.sessions ?? []).map((s) => s.id);
    if (!ids.length) return;
    await Promise.all(ids.map((id) => retryBusy(() => SessionModel.deleteOne({ _id: id }))));
    // Only the ids deleted here leave the list: a sign-in at this moment keeps its own entry.
    await this.unlist(userId, ids);
  }

  /** Ends every session of a user being deleted and drops their session list. */
  async forget(userId: string): Promise<void> {
    await this.destroyAllFor(userId);
    await deleteVersioned(SESSION_LISTS, userId);
  }

  private async unlist(userId: string, ids: string[]): Promise<void> {
    const gone = new Set(ids);
    await updateVersioned<SessionList>(
      SESSION_LISTS,
      userId,
      (cur) => (cur?.sessions.some((s) => gone.has(s.id)) ? { sessions: cur.sessions.filter((s) => !gone.has(s.id)) } : null),
      { attempts: LIST_ATTEMPTS },
    );
  }

  /** Background only (a timer in background.ts), never a request: scans the sessions for expired ones. Returns how many went. */
  async sweep(now = new Date()): Promise<number> {
    const res = await SessionModel.deleteMany({
      // sanitizeFilter is on, so our own operators are marked trusted.
      $or: [
        { absoluteExpiresAt: trusted({ $lte: now }) },
        { lastSeenAt: trusted({ $lte: new Date(now.getTime() - this.cfg.idleMs) }) },
      ],
    });
    return res.deletedCount;
  }
}
