import { createHmac } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { errors } from './errors';
import { PointStore, sharedSalt } from './rate-limit-store';

/**
 * Rate-limit key: an HMAC of the client address under a random salt that every instance shares through the
 * database and that rotates daily (then it is deleted). The address itself is never stored, and the key
 * cannot be reversed once the salt is gone.
 */
export async function privacyKey(req: Request, extra = ''): Promise<string> {
  const addr = ipKeyGenerator(req.ip ?? 'unknown');
  return createHmac('sha256', await sharedSalt())
    .update(addr)
    .update('\0')
    .update(extra)
    .digest('base64url');
}

/**
 * A limit of `limit` requests per `windowMs`, counted in the database so that every instance shares one budget.
 * `extraKey` narrows the key (e.g. per email); `perUser` counts per signed-in user instead of per address.
 */
export function limiter(opts: {
  name: string;
  limit: number;
  windowMs: number;
  extraKey?: (req: Request) => string;
  /** Count per signed-in user; requests without a session are not counted (the route refuses them). */
  perUser?: boolean;
}): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    store: new PointStore(),
    // A per-user budget is for signed-in users; the route itself refuses anyone else (401/403), uncounted.
    skip: (_req, res) => opts.perUser === true && !(res.locals.auth as { user?: unknown } | undefined)?.user,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    validate: {
      ip: false,
      trustProxy: false,
      xForwardedForHeader: false,
      keyGeneratorIpFallback: false,
    },
    keyGenerator: async (req, res) => {
      const userId = opts.perUser ? (res.locals.auth as { user?: { id?: string } } | undefined)?.user?.id : undefined;
      if (userId) return `${opts.name}:user:${userId}`;
      return `${opts.name}:${await privacyKey(req, `${opts.name}:${opts.extraKey?.(req) ?? ''}`)}`;
    },
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : Math.ceil(opts.windowMs / 1000);
      next(errors.rateLimited(seconds));
    },
  });
}
