import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { trusted } from 'mongoose';
import type { Config } from '../config';
import { SessionModel } from './session.model';
import type { AuthContext } from './session.types';
import { UserModel } from './user.model';

const TOUCH_EVERY_MS = 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Server-side sessions: opaque cookie token, idle and absolute expiry, swept by the app (no TTL index). */
export class SessionService {
  constructor(private readonly cfg: Config['session']) {}

  async create(userId: string): Promise<{ token: string; csrfToken: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = new Date();
    await SessionModel.create({
      _id: sha256(token),
      userId,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      absoluteExpiresAt: new Date(now.getTime() + this.cfg.absoluteMs),
    });
    return { token, csrfToken };
  }

  async resolve(token: string, now = new Date()): Promise<AuthContext | null> {
    const id = sha256(token);
    const s = await SessionModel.findById(id).lean();
    if (!s) return null;
    if (s.absoluteExpiresAt <= now || s.lastSeenAt.getTime() + this.cfg.idleMs <= now.getTime()) {
      await SessionModel.deleteOne({ _id: id });
      return null;
    }
    const user = await UserModel.findById(s.userId).lean();
    if (!user || user.disabled) {
      await SessionModel.deleteOne({ _id: id });
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

  async destroy(sessionId: string): Promise<void> {
    await SessionModel.deleteOne({ _id: sessionId });
  }

  async destroyAllFor(userId: string): Promise<void> {
    await SessionModel.deleteMany({ userId });
  }

  /** Deletes sessions past their idle or absolute expiry. Returns how many went. */
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
