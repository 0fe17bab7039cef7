import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config';

/**
 * Security headers: HSTS for a year with subdomains; a CSP that allows only our origin and the tile host. Helmet
 * works them out once (nothing in them varies per request) and each response gets the list in one middleware
 * instead of a dozen.
 */
/** Powerful browser features the app never uses are off; geolocation only for our own pages ("Use my location"). */
export const PERMISSIONS_POLICY =
  'accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(self), ' +
  'geolocation=(self), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), ' +
  'xr-spatial-tracking=(), interest-cohort=()';

export function securityHeaders(config: Config): RequestHandler {
  const headers = [...headersOf(helmetFor(config)), ['Permissions-Policy', PERMISSIONS_POLICY] as [string, string]];
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The headers a (synchronous, request-independent) middleware sets, by running it once on a recording response. */
function headersOf(middleware: Middleware): Array<[string, string]> {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: string) => headers.set(name, value),
    removeHeader: (name: string) => headers.delete(name),
  } as unknown as ServerResponse;
  let done = false;
  middleware({ headers: {} } as IncomingMessage, res, (err) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('security headers middleware did not finish synchronously');
  return [...headers];
}

function helmetFor(config: Config) {
  const tiles = config.tileOrigin ? [config.tileOrigin] : [];
  return helmet({
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...tiles],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(config.env === 'production' ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
}
