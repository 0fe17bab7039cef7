import { createHmac, randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { HttpError } from './errors';

const ROTATE_MS = 6 * 3_600_000;
let salt = randomBytes(32);
let saltBorn = Date.now();

/**
 * Rate-limit key: an HMAC of the client address under a random salt that rotates and is never
 * stored. The address itself is not kept anywhere, and the key cannot be reversed after rotation.
 */
export function privacyKey(req: Request, extra = ''): string {
  if (Date.now() - saltBorn > ROTATE_MS) {
    salt = randomBytes(32);
    saltBorn = Date.now();
  }
  const addr = ipKeyGenerator(req.ip ?? 'unknown');
  return createHmac('sha256', salt).update(addr).update('\0').update(extra).digest('base64url');
}

export function limiter(opts: {
  name: string;
  limit: number;
  windowMs: number;
  extraKey?: (req: Request) => string;
  /** Count per signed-in user (anonymous callers fall back to the hashed address). */
  perUser?: boolean;
}): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: {
      ip: false,
      trustProxy: false,
      xForwardedForHeader: false,
      keyGeneratorIpFallback: false,
    },
    keyGenerator: (req, res) => {
      const userId = opts.perUser ? (res.locals.auth as { user?: { id?: string } } | undefined)?.user?.id : undefined;
      return userId ? `${opts.name}:user:${userId}` : privacyKey(req, `${opts.name}:${opts.extraKey?.(req) ?? ''}`);
    },
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : Math.ceil(opts.windowMs / 1000);
      next(
        new HttpError(429, 'rate_limited', 'Too many attempts; try again later', undefined, { 'Retry-After': String(seconds) }),
      );
    },
  });
}
