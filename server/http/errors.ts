import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import type { ErrorBody, ErrorCode } from '../../shared/errors';
import { VersionConflict } from '../db/versioned';
import type { Logger } from '../logger';

export type ErrorDetail = { path: string; message: string };

/** The one error type routes and services throw. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Details for a message about one input field (`path` such as 'body.email'), or the details given. */
const detailsOf = (at: string | ErrorDetail[] | undefined, message: string): ErrorDetail[] | undefined =>
  at === undefined ? undefined : typeof at === 'string' ? [{ path: at, message }] : at;

/**
 * One factory per kind of error: services and routes `throw errors.notFound('Report')`, never a
 * hand-built `HttpError`. `at` names the input field a 400 is about (or gives the details).
 */
export const errors = {
  /** 400: the input is wrong. `detail` is the field's own message (default: `message`). */
  invalid: (message: string, at?: string | ErrorDetail[], detail = message) =>
    new HttpError(400, 'validation_failed', message, detailsOf(at, detail)),
  /** 400 (a body that cannot be read) and 413/415: the request itself, before any field. */
  badBody: (
    status: 400 | 413 | 415,
    code: 'invalid_json' | 'invalid_body' | 'payload_too_large' | 'unsupported_media_type' | 'validation_failed',
    message: string,
  ) => new HttpError(status, code, message),
  /** A place outside every force area StayWatch covers (or outside the caller's). */
  outsideForceArea: (status: 400 | 422, message: string, at?: string, detail = message) =>
    new HttpError(status, 'outside_force_area', message, detailsOf(at, detail)),
  /** 401: not signed in. */
  unauthenticated: () => new HttpError(401, 'unauthenticated', 'Sign in first'),
  /** 401: a sign-in with the wrong email or password. */
  invalidCredentials: (message = 'Email or password is wrong', at?: string, detail = message) =>
    new HttpError(401, 'invalid_credentials', message, detailsOf(at, detail)),
  /** 403: signed in, but not allowed. */
  forbidden: (message = 'You do not have access to this') => new HttpError(403, 'forbidden', message),
  /** 403: the CSRF token is missing or wrong. */
  csrf: () => new HttpError(403, 'csrf_failed', 'Missing or wrong CSRF token; reload the page and try again'),
  /** 404: `${what} not found`, or the message given. */
  notFound: (what = 'Resource', message = `${what} not found`) => new HttpError(404, 'not_found', message),
  /** 409: the state does not allow it (now). */
  conflict: (message: string) => new HttpError(409, 'conflict', message),
  /** 429 with Retry-After. */
  rateLimited: (retryAfterSeconds: number, message = 'Too many attempts; try again later') =>
    new HttpError(429, 'rate_limited', message, undefined, { 'Retry-After': String(retryAfterSeconds) }),
  /** 502: a service we depend on (the geocoder) is not answering. */
  upstream: (message: string) => new HttpError(502, 'upstream_failed', message),
  /** 503: the database cannot answer (in time). */
  unavailable: (message = 'The database is not reachable') => new HttpError(503, 'db_unavailable', message),
  /** 500 without details. */
  internal: () => new HttpError(500, 'internal', 'Something went wrong on our side'),
};

export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
}

export const apiNotFound: RequestHandler = (req) => {
  throw errors.notFound('API route', `No API route for ${req.method} ${req.originalUrl.split('?')[0]}`);
};

interface BodyParserError {
  type?: string;
  status?: number;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const e = toHttpError(err);
    if (e.status >= 500) {
      logger.error({ err, reqId: res.locals.requestId, route: res.locals.route ?? req.route?.path }, 'request failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(e.headers ?? {})) res.setHeader(k, v);
    const body: ErrorBody = { error: { code: e.code, message: e.message } };
    if (e.details) body.error.details = e.details;
    res.status(e.status).json(body);
  };
}

/**
 * Wraps a body parser so that whatever it fails with is the client's fault, never a 500: a body that claims a
 * compression it does not have makes zlib or brotli throw errors the parser passes on untyped.
 */
export function clientBodyErrors(parser: RequestHandler): RequestHandler {
  return (req, res, next) =>
    parser(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      const known = toHttpError(err);
      next(known.status < 500 ? known : errors.badBody(400, 'invalid_body', 'The request body could not be read'));
    });
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  // Other writers kept winning the same document: nothing was written, the client may simply try again.
  if (err instanceof VersionConflict) return errors.conflict(err.userMessage);
  if (err instanceof z.ZodError) return errors.invalid('Invalid input', zodDetails(err));
  const bp = err as BodyParserError;
  if (bp && typeof bp === 'object') {
    if (bp.type === 'entity.parse.failed') return errors.badBody(400, 'invalid_json', 'The request body is not valid JSON');
    if (bp.type === 'entity.too.large') return errors.badBody(413, 'payload_too_large', 'The request body is too large');
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported')
      return errors.badBody(415, 'unsupported_media_type', 'Unsupported body encoding');
    if (bp.status === 400 && typeof bp.type === 'string')
      return errors.badBody(400, 'validation_failed', 'The request body could not be read');
  }
  return errors.internal();
}
