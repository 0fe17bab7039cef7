import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  normaliseCode,
  type PropertyVerificationView,
  VERIFICATION_LIMITS,
  type VerificationMethod,
  type VerificationStatus,
} from '../../shared/schemas/verification';

/**
 * The rules of ownership verification, free of the database: the state machine, what is stored on the property,
 * and the letter codes (only a salted scrypt hash of a code is kept).
 */

/** What can happen to a property's verification. */
export type VerificationAction =
  /** The owner asks to be verified. */
  | 'request'
  /** Police or an admin post a letter with a one-time code. */
  | 'letter'
  /** The owner enters the letter's code. */
  | 'code'
  /** An admin checked documents: verified. */
  | 'verify'
  /** An admin refuses (or revokes) the ownership. */
  | 'refuse'
  /** The property moved or its address changed: what was checked no longer applies. */
  | 'reset';

const STEPS: Record<VerificationAction, { from: readonly VerificationStatus[]; to: VerificationStatus }> = {
  request: { from: ['unverified', 'refused'], to: 'pending' },
  letter: { from: ['unverified', 'pending'], to: 'pending' },
  code: { from: ['pending'], to: 'verified' },
  verify: { from: ['pending'], to: 'verified' },
  refuse: { from: ['pending', 'verified'], to: 'refused' },
  reset: { from: ['pending', 'verified', 'refused'], to: 'unverified' },
};

/** The status after `action`, or null when the action is not allowed from `from`. */
export function nextVerificationStatus(from: VerificationStatus, action: VerificationAction): VerificationStatus | null {
  const step = STEPS[action];
  return step.from.includes(from) ? step.to : null;
}

/** An outstanding letter: the hash of its code, never the code. */
export interface StoredLetter {
  /** scrypt(normalised code, salt), hex. */
  hash: string;
  salt: string;
  issuedAt: Date;
  issuedBy: string;
  expiresAt: Date;
  /** Wrong codes entered so far. */
  attempts: number;
}

/** Kept on the property document as `verification` (absent on properties registered before verification). */
export interface StoredVerification {
  status: VerificationStatus;
  /** The pending queue the property is listed in (its force when it entered pending; 'none' outside every force). */
  queue: string | null;
  requestedAt: Date | null;
  ownerNote: string | null;
  letter: StoredLetter | null;
  lettersIssued: number;
  lastLetterAt: Date | null;
  lastLetterBy: string | null;
  /** How the current decision was reached, by whom (the owner who entered a code, or the admin) and when. */
  method: VerificationMethod | null;
  decidedAt: Date | null;
  decidedBy: string | null;
  /** The admin's note on a documents check or a refusal (never shown to the owner). */
  note: string | null;
}

export const UNVERIFIED: StoredVerification = {
  status: 'unverified',
  queue: null,
  requestedAt: null,
  ownerNote: null,
  letter: null,
  lettersIssued: 0,
  lastLetterAt: null,
  lastLetterBy: null,
  method: null,
  decidedAt: null,
  decidedBy: null,
  note: null,
};

export function verificationOf(p: { verification?: StoredVerification | null }): StoredVerification {
  return p.verification ?? UNVERIFIED;
}

/** A letter whose code may still be entered. */
export function usableLetter(v: StoredVerification, now = new Date()): StoredLetter | null {
  const l = v.letter;
  if (!l || v.status !== 'pending') return null;
  if (l.attempts >= VERIFICATION_LIMITS.codeAttempts || new Date(l.expiresAt).getTime() <= now.getTime()) return null;
  return l;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function presentVerification(v: StoredVerification, now = new Date()): PropertyVerificationView {
  const letter = usableLetter(v, now);
  return {
    status: v.status,
    method: v.method,
    requestedAt: iso(v.requestedAt),
    decidedAt: iso(v.decidedAt),
    letter: letter
      ? {
          issuedAt: iso(letter.issuedAt)!,
          expiresAt: iso(letter.expiresAt)!,
          attemptsLeft: VERIFICATION_LIMITS.codeAttempts - letter.attempts,
        }
      : null,
  };
}

/** A new code, e.g. `7KQ2M-XH4TB` (about 49 bits). */
export function newCode(): string {
  const chars = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]);
  return `${chars.slice(0, CODE_LENGTH / 2).join('')}-${chars.slice(CODE_LENGTH / 2).join('')}`;
}

/**
 * scrypt cost: about 15 ms a hash here, once per letter and once per code entered. A code has about 49 bits, so a
 * stolen hash would take centuries of CPU to reverse, long after its letter expired. Changing it voids the letters
 * that are out (their hashes were made with the old cost).
 */
const SCRYPT = { N: 8192, r: 8, p: 1 };

function scryptHex(code: string, salt: string): Promise<string> {
  return new Promise((resolve, reject) =>
    scrypt(normaliseCode(code), salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key.toString('hex')))),
  );
}

export async function hashCode(code: string): Promise<{ hash: string; salt: string }> {
  const salt = randomBytes(16).toString('hex');
  return { hash: await scryptHex(code, salt), salt };
}

/** Whether `typed` is the letter's code (constant-time comparison of the hashes). */
export async function codeMatches(letter: Pick<StoredLetter, 'hash' | 'salt'>, typed: string): Promise<boolean> {
  if (normaliseCode(typed).length !== CODE_LENGTH) return false;
  const a = Buffer.from(await scryptHex(typed, letter.salt), 'hex');
  const b = Buffer.from(letter.hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
