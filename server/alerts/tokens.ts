import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/**
 * Signed, single-purpose tokens for email links: `<purpose>.<subscriptionId>.<version>.<expiresSec>.<mac>`.
 * `c` (confirm) expires; `u` (unsubscribe) does not but is revoked by changing the subscription's version.
 */
export type TokenPurpose = 'c' | 'u';
export interface TokenClaims {
  purpose: TokenPurpose;
  subscriptionId: string;
  version: string;
  expiresAt: number;
}

export const CONFIRM_TTL_MS = 7 * 24 * 3_600_000;

/** TOKEN_SECRET in production; elsewhere a random secret generated once and kept in DATA_DIR (shared by workers). */
export function resolveTokenSecret(config: Config): string {
  if (config.alerts.tokenSecret) return config.alerts.tokenSecret;
  if (config.env === 'production') throw new Error('TOKEN_SECRET is required in production');
  const file = path.join(config.dataDir, 'token-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
    } catch {
      /* another process wrote it first */
    }
    return fs.readFileSync(file, 'utf8').trim();
  }
}

export class TokenSigner {
  constructor(private readonly secret: string) {}

  sign(purpose: TokenPurpose, subscriptionId: string, version: string, ttlMs: number | null, now = Date.now()): string {
    const exp = ttlMs === null ? 0 : Math.floor((now + ttlMs) / 1000);
    const body = `${purpose}.${subscriptionId}.${version}.${exp}`;
    return `${body}.${this.mac(body)}`;
  }

  /** Claims for a well-formed, correctly signed, unexpired token of this purpose; null otherwise. */
  verify(token: string, purpose: TokenPurpose, now = Date.now()): TokenClaims | null {
    const parts = token.split('.');
    if (parts.length !== 5) return null;
    const [p, id, version, exp, mac] = parts as [string, string, string, string, string];
    if (p !== purpose || !/^[a-f0-9]{24}$/.test(id) || !/^[a-f0-9]{8,64}$/.test(version) || !/^\d{1,12}$/.test(exp)) return null;
    const expected = Buffer.from(this.mac(`${p}.${id}.${version}.${exp}`));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    const expiresAt = Number(exp) * 1000;
    if (expiresAt !== 0 && expiresAt < now) return null;
    return { purpose: p as TokenPurpose, subscriptionId: id, version, expiresAt };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}

export const newTokenVersion = () => randomBytes(8).toString('hex');
