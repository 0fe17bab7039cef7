import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
/**
 * Cheaper than account passwords (N=16384): a passphrase carries ~37+ bits of randomness of its own, follow-up is
 * rate limited, and report ingest must stay fast.
 */
const PARAMS = { N: 4096, r: 8, p: 1, maxmem: 32 * 1024 * 1024 };
const KEY_LEN = 32;

function normalise(passphrase: string): string {
  return passphrase.normalize('NFKC').trim().toLowerCase();
}

/** `scrypt$N$r$p$salt$hash` (base64url), like account passwords. */
export async function hashPassphrase(passphrase: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(normalise(passphrase), salt, KEY_LEN, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassphrase(passphrase: string, encoded: string): Promise<boolean> {
  const [algo, n, r, p, salt, hash] = encoded.split('$');
  if (algo !== 'scrypt' || !salt || !hash) {
    // Still do the work so a report without a usable hash answers as slowly as any other.
    await scrypt(normalise(passphrase), randomBytes(16), KEY_LEN, PARAMS);
    return false;
  }
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(normalise(passphrase), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/** A hash to check against when the reference is unknown, so both failures take the same time. */
export function dummyPassphraseHash(): Promise<string> {
  dummy ??= hashPassphrase('not-a-real-passphrase-00');
  return dummy;
}
