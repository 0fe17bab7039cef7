import type { CookieOptions, RequestHandler, Response } from 'express';
import type { Config } from '../config';
import { errors } from '../http/errors';
import { type SessionService, safeEqual } from './sessions.service';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function cookieOptions(cfg: Config['session']): CookieOptions {
  return {
    httpOnly: true,
    secure: cfg.secureCookie,
    sameSite: 'lax',
    path: '/',
    maxAge: cfg.absoluteMs,
  };
}

export function setSessionCookie(res: Response, cfg: Config['session'], token: string): void {
  res.cookie(cfg.cookieName, token, cookieOptions(cfg));
}

export function clearSessionCookie(res: Response, cfg: Config['session']): void {
  const { maxAge: _drop, ...opts } = cookieOptions(cfg);
  res.clearCookie(cfg.cookieName, opts);
}

/**
 * Loads the session named by the cookie into `res.locals.auth` and enforces CSRF for
 * cookie-authenticated state changes (X-CSRF-Token must match the session's token).
 */
export function sessionMiddleware(sessions: SessionService, cfg: Config['session']): RequestHandler {
  return async (req, res, next) => {
    const token: unknown = req.cookies?.[cfg.cookieName];
    if (typeof token !== 'string' || token.length === 0 || token.length > 100) return next();
    const auth = await sessions.resolve(token);
    if (!auth) {
      clearSessionCookie(res, cfg);
      return next();
    }
    if (UNSAFE.has(req.method)) {
      const header = req.get('x-csrf-token');
      if (!header || !safeEqual(header, auth.csrfToken)) {
        throw errors.csrf();
      }
    }
    res.locals.auth = auth;
    next();
  };
}
