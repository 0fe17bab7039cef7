import { createHash, randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { type PasswordResetLink, RESET_LINK_HOURS } from '../../shared/schemas/admin';
import { isDuplicateKey } from '../db/errors';
import { retryBusy } from '../db/insert';
import { errors } from '../http/errors';
import type { AccountMail } from './account-mail';
import { hashPassword } from './password';
import { checkPasswordPolicy } from './password-policy';
import type { SessionService } from './sessions.service';
import { UserModel } from './user.model';
import { presentResetLink } from './user.presenter';

/**
 * One-time password-reset links, made by an admin for a staff member (never a password in clear). Every step is a
 * point operation on `passwordresets`:
 * - `{_id: sha256(token), userId, expiresAt}`: the link (only the token's hash is kept);
 * - `{_id: "latest:<userId>", hash}`: a user's newest link; making one voids the ones before it;
 * - `{_id: "used:<hash>"}`: inserted when the link is used, so of two uses at once exactly one wins.
 * Setting the new password ends every session of the user.
 */
export const PASSWORD_RESETS = 'passwordresets';
const HOUR_MS = 3_600_000;

interface ResetDoc {
  _id: string;
  userId?: string;
  expiresAt?: Date;
  createdAt?: Date;
  hash?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const resets = () => mongoose.connection.collection<ResetDoc>(PASSWORD_RESETS);

const unusable = () =>
  errors.invalid(
    'This reset link cannot be used',
    'body.token',
    'This link has expired, has been used already or was replaced by a newer one. Ask your administrator for a new link.',
  );

export class PasswordResets {
  constructor(
    private readonly sessions: SessionService,
    private readonly mail: AccountMail,
    private readonly publicUrl: string,
  ) {}

  /** A new link for the user: stored hashed, emailed to them, and returned for the admin to pass on in person. */
  async issue(userId: string, now = new Date()): Promise<PasswordResetLink> {
    const user = await UserModel.findById(userId, { email: 1, role: 1 }).lean();
    if (!user || (user.role !== 'police' && user.role !== 'police_admin')) throw errors.notFound('User');
    const token = randomBytes(32).toString('base64url');
    const hash = sha256(token);
    const expiresAt = new Date(now.getTime() + RESET_LINK_HOURS * HOUR_MS);
    await retryBusy(() => resets().insertOne({ _id: hash, userId, expiresAt, createdAt: now }));
    await retryBusy(() => resets().replaceOne({ _id: `latest:${userId}` }, { hash }, { upsert: true }));
    const url = `${this.publicUrl}/reset-password?token=${token}`;
    await this.mail.passwordReset(user, { url, expiresAt, hash });
    return presentResetLink(url, expiresAt, user.email);
  }

  /** Sets the password chosen on the reset page (under the password policy) and ends the user's sessions. */
  async use(token: string, password: string, now = new Date()): Promise<void> {
    const hash = sha256(token);
    const link = await resets().findOne({ _id: hash });
    if (!link?.userId || !link.expiresAt || link.expiresAt <= now) throw unusable();
    const latest = await resets().findOne({ _id: `latest:${link.userId}` });
    if (latest?.hash !== hash) throw unusable();
    const user = await UserModel.findById(link.userId, { email: 1, name: 1, disabled: 1 }).lean();
    if (!user || user.disabled) throw unusable();
    // A password the policy refuses leaves the link usable for a better one.
    checkPasswordPolicy(password, { email: user.email, name: user.name });
    const passwordHash = await hashPassword(password);
    try {
      await resets().insertOne({ _id: `used:${hash}`, createdAt: now });
    } catch (err) {
      if (isDuplicateKey(err)) throw unusable();
      throw err;
    }
    await retryBusy(() => UserModel.updateOne({ _id: user._id }, { $set: { passwordHash } }));
    await this.sessions.destroyAllFor(String(user._id));
  }
}
