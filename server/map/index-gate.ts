import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorBody } from '../../shared/errors';

/**
 * The server listens as soon as the database is connected, before the map index is loaded (a snapshot plus the
 * changes since it: seconds at a million reports, longer after a crash with many changes to replay), so
 * `/api/health` and everything that does not read the index answer at once. The routes that do read it wait here
 * for it, up to `waitMs`, then answer 503 with Retry-After instead of an answer from a half-loaded index:
 * - the map (`/api/map/...`) and the police queue and its export (`GET /api/reports`, `/api/reports/export`);
 * - a new report (`POST /api/reports`): its alerts count the recent reports near it in the index.
 */
const NEEDS_INDEX: Array<{ method: string | null; path: RegExp }> = [
  { method: null, path: /^\/api\/map(\/|$)/i },
  { method: 'GET', path: /^\/api\/reports\/?$/i },
  { method: 'GET', path: /^\/api\/reports\/export\/?$/i },
  { method: 'POST', path: /^\/api\/reports\/?$/i },
];

export const INDEX_WAIT_MS = 5_000;
const RETRY_AFTER_S = 5;

export function needsMapIndex(method: string | undefined, url: string | undefined): boolean {
  const path = (url ?? '/').split('?')[0]!;
  const m = (method ?? 'GET').toUpperCase();
  const asGet = m === 'HEAD' ? 'GET' : m;
  return NEEDS_INDEX.some((r) => (r.method === null || r.method === asGet) && r.path.test(path));
}

export interface IndexReadiness {
  readonly ready: boolean;
  whenReady(timeoutMs: number): Promise<boolean>;
}

/** Wraps the app's request listener: requests that read the index wait for it, others pass straight through. */
export function gateUntilIndexReady(index: IndexReadiness, app: RequestListener, opts: { waitMs?: number } = {}): RequestListener {
  const waitMs = opts.waitMs ?? INDEX_WAIT_MS;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (index.ready || !needsMapIndex(req.method, req.url)) return app(req, res);
    void index.whenReady(waitMs).then((ready) => {
      if (ready) return app(req, res);
      const body: ErrorBody = {
        error: { code: 'db_unavailable', message: 'The map index is still loading after a restart. Try again in a few seconds.' },
      };
      res.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'retry-after': String(RETRY_AFTER_S),
        'x-content-type-options': 'nosniff',
      });
      res.end(JSON.stringify(body));
    });
  };
}
