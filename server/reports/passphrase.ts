import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { normalisePassphrase } from '../../shared/follow-up-keys';

/**
 * A passphrase is a random secret of about 65 bits (four words and eight characters, see newPassphrase), not
 * something a person chose, so like an API token it is stored as a SHA-256 digest bound to its report's
 * reference: a stolen database cannot be brute-forced in any useful time, and filing a report costs
 * microseconds instead of a slow KDF's tens of milliseconds (ingest must keep up with the database).
 * Follow-up is also rate limited.
 */
export const PASSPHRASE_HASH_PREFIX = 'sha256$';

function digest(reference: string, passphrase: string): Buffer {
  return createHash('sha256')
    .update('staywatch-passphrase\0')
    .update(reference)
    .update('\0')
    .update(normalisePassphrase(passphrase))
    .digest();
}

export function hashPassphrase(passphrase: string, reference: string): string {
  return PASSPHRASE_HASH_PREFIX + digest(reference, passphrase).toString('base64url');
}

/** Constant-time check; an unknown reference is checked against a dummy so both failures cost the same. */
export function verifyPassphrase(passphrase: string, encoded: string, reference: string): boolean {
  if (!encoded.startsWith(PASSPHRASE_HASH_PREFIX)) return false;
  const expected = Buffer.from(encoded.slice(PASSPHRASE_HASH_PREFIX.length), 'base64url');
  const actual = digest(reference, passphrase);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A hash to check against when the reference is unknown. */
export const DUMMY_PASSPHRASE_HASH = `${PASSPHRASE_HASH_PREFIX}${randomBytes(32).toString('base64url')}`;
