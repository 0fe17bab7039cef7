import { model, Schema, type Model, type Types } from 'mongoose';
import { isDuplicateKey } from '../db/errors';
import { retryBusy } from '../db/insert';
import { deleteVersioned, readById, updateVersioned } from '../db/versioned';

/**
 * Users by email with point operations only: `useremails` holds `{_id: <normalised email>, userId}`. The key
 * is claimed by an insert BEFORE the user is inserted, so of two registrations of one email exactly one
 * insert wins on every engine (a duplicate `_id` is refused by MongoDB and FerretDB alike). Sign-in reads
 * the key by `_id`, then the user by `_id`.
 *
 * A key whose user does not exist is a registration in flight, or one that crashed between claim and
 * user insert. After EMAIL_CLAIM_LEASE_MS it may be taken over; the takeover goes through updateVersioned,
 * so of two registrations taking over the same stale key only one wins.
 */

export const USER_EMAILS = 'useremails';
/** How long a claimed email waits for its user before another registration may take it over. */
export const EMAIL_CLAIM_LEASE_MS = 30_000;

/** The one normalisation of an email address (as the route schema and the user model do): trim, lower case. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface EmailKey {
  /** The normalised email. */
  _id: string;
  userId: Types.ObjectId;
  /** When the key was claimed (or held for a deletion). */
  at: Date;
  /** updateVersioned's revision; a fresh key starts at its claim time so it never meets an older key's claims. */
  rev?: number;
}

const schema = new Schema<EmailKey>(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    rev: { type: Number },
  },
  { versionKey: false },
);

export const EmailKeyModel: Model<EmailKey> = model<EmailKey>('UserEmail', schema, USER_EMAILS);

/** A new key document for `email` (already normalised) pointing at `userId`. */
export function newEmailKey(email: string, userId: Types.ObjectId, at = new Date()): EmailKey {
  // A deleted email can be registered again; its old key's revision claims (`useremails:<email>:<rev>`)
  // may still be in `revisions`, so a new key starts at a revision none of them has.
  return { _id: email, userId, at, rev: Date.now() };
}

const sameId = (a: unknown, b: unknown) => String(a) === String(b);
const isStale = (key: EmailKey, now = Date.now()) => now - new Date(key.at).getTime() >= EMAIL_CLAIM_LEASE_MS;

/** The key of `email` (already normalised), by `_id`. */
export function readEmailKey(email: string): Promise<EmailKey | null> {
  return readById<EmailKey>(USER_EMAILS, email);
}

/**
 * Claims `email` (already normalised) for the user `userId`, who is about to be inserted. Returns false
 * when the email belongs to an existing user or to a registration still in flight.
 */
export async function claimEmail(
  email: string,
  userId: Types.ObjectId,
  userExists: (id: Types.ObjectId) => Promise<boolean>,
): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await retryBusy(() => EmailKeyModel.create(newEmailKey(email, userId)));
      return true;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const key = await readEmailKey(email);
    if (!key) continue; // released between our insert and our read: try the insert again
    if (sameId(key.userId, userId)) return true;
    if (!isStale(key) || (await userExists(key.userId))) return false;
    // The registration that claimed it crashed before inserting its user: take the key over, once.
    const now = await updateVersioned<EmailKey>(USER_EMAILS, email, (cur) =>
      cur && sameId(cur.userId, key.userId) && isStale(cur) ? { userId, at: new Date() } : null,
    );
    if (now && sameId(now.userId, userId)) return true;
  }
  return false;
}

/**
 * Keeps the key of `email` from being taken over for a lease while its user is being deleted (a key whose
 * user is missing and whose time is old would otherwise look like a crashed registration at once).
 */
export async function holdEmail(email: string, userId: Types.ObjectId): Promise<void> {
  const key = await readEmailKey(email);
  if (key && sameId(key.userId, userId)) await EmailKeyModel.updateOne({ _id: email }, { $set: { at: new Date() } });
}

/** Deletes the key of `email` if it still points at `userId` (a failed registration, a deleted account). */
export async function releaseEmail(email: string, userId: Types.ObjectId): Promise<void> {
  const key = await readEmailKey(email);
  if (key && sameId(key.userId, userId)) await deleteVersioned(USER_EMAILS, email);
}
