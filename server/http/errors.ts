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

export const notFound = (what = 'Resource') => new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = () => new HttpError(403, 'forbidden', 'You do not have access to this');
export const unauthenticated = () => new HttpError(401, 'unauthenticated', 'Sign in first');

export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
}

export const apiNotFound: RequestHandler = (req) => {
  throw new HttpError(404, 'not_found', `No API route for ${req.method} ${req.originalUrl.split('?')[0]}`);
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
      next(known.status < 500 ? known : new HttpError(400, 'invalid_body', 'The request body could not be read'));
    });
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  // Other writers kept winning the same document: nothing was written, the client may simply try again.
  if (err instanceof VersionConflict) return new HttpError(409, 'conflict', err.userMessage);
  if (err instanceof z.ZodError) return new HttpError(400, 'validation_failed', 'Invalid input', zodDetails(err));
  const bp = err as BodyParserError;
  if (bp && typeof bp === 'object') {
    if (bp.type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'The request body is not valid JSON');
    if (bp.type === 'entity.too.large') return new HttpError(413, 'payload_too_large', 'The request body is too large');
    if (bp.type === 'encoding.unsupported' || bp.type === 'charset.unsupported')
      return new HttpError(415, 'unsupported_media_type', 'Unsupported body encoding');
    if (bp.status === 400 && typeof bp.type === 'string')
      return new HttpError(400, 'validation_failed', 'The request body could not be read');
  }
  return new HttpError(500, 'internal', 'Something went wrong on our side');
}
