import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;

/**
 * One log line per request when it ends: request id, method, path (never the query string), status and time
 * taken; never addresses, user agents or headers. The id is the caller's `X-Request-Id` when well formed, else a
 * new one, and is echoed back. Built by hand rather than with pino-http, which makes a child logger per request:
 * on the report ingest path that was a measurable share of the server's CPU.
 */
export function accessLog(logger: Logger, opts: { skip?: (path: string) => boolean } = {}): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const path = pathOf(req.originalUrl);
    if (opts.skip?.(path)) return next();
    const started = performance.now();
    res.once('close', () => {
      const line = { reqId: id, method: req.method, path, status: res.statusCode, ms: Math.round(performance.now() - started) };
      if (!res.writableFinished) logger.warn(line, 'request aborted');
      else if (res.statusCode >= 500) logger.error(line, 'request completed');
      else logger.info(line, 'request completed');
    });
    next();
  };
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
