import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;

/**
 * A passphrase is a random secret of about 65 bits (four words and eight characters, see newPassphrase), not
 * something a person chose, so like an API token it is stored as a SHA-256 digest bound to its report's
 * reference: a stolen database cannot be brute-forced in any useful time, and filing a report costs
 * microseconds instead of a slow KDF's tens of milliseconds (ingest must keep up with the database).
 * Follow-up is also rate limited. Hashes made by the earlier scrypt scheme still verify.
 */
export const PASSPHRASE_HASH_PREFIX = 'sha256$';

export function normalisePassphrase(passphrase: string): string {
  return passphrase.normalize('NFKC').trim().toLowerCase();
}

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
export async function verifyPassphrase(passphrase: string, encoded: string, reference: string): Promise<boolean> {
  if (encoded.startsWith(PASSPHRASE_HASH_PREFIX)) {
    const expected = Buffer.from(encoded.slice(PASSPHRASE_HASH_PREFIX.length), 'base64url');
    const actual = digest(reference, passphrase);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  const [algo, n, r, p, salt, hash] = encoded.split('$');
  if (algo !== 'scrypt' || !salt || !hash) {
    digest(reference, passphrase);
    return false;
  }
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(normalisePassphrase(passphrase), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 32 * 1024 * 1024,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to check against when the reference is unknown. */
export const DUMMY_PASSPHRASE_HASH = `${PASSPHRASE_HASH_PREFIX}${randomBytes(32).toString('base64url')}`;
