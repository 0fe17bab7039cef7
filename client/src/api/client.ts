import type { ErrorBody, ErrorCode } from '../../../shared/errors';

/** Friendly text per stable error code; the server's message is used when there is no mapping. */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  invalid_credentials: 'That email and password do not match an account.',
  rate_limited: 'Too many attempts. Please wait a few minutes and try again.',
  unauthenticated: 'Please sign in to continue.',
  forbidden: 'Your account does not have access to this.',
  csrf_failed: 'Your session changed. Reload the page and try again.',
  outside_force_area: 'That location is outside the areas StayWatch covers. Please call 101 instead.',
  db_unavailable: 'The service is temporarily unavailable. Please try again shortly.',
  internal: 'Something went wrong on our side. Please try again.',
  payload_too_large: 'That is too much text to send at once.',
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network',
    message: string,
    readonly details: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
  /** Field errors keyed by the last path segment after `body.`, for forms. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) out[d.path.replace(/^(body|query|params)\./, '')] ??= d.message;
    return out;
  }
}

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The one API client: JSON in and out, CSRF header on state changes, typed errors. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'Could not reach StayWatch. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const err = (data as ErrorBody | null)?.error;
    const code = err?.code ?? 'internal';
    throw new ApiError(res.status, code, MESSAGES[code] ?? err?.message ?? 'Request failed', err?.details);
  }
  return data as T;
}

export interface DownloadProgress {
  bytes: number;
  /** Newline count so far: rows for CSV, features for line-delimited output. */
  lines: number;
  /** From the X-Total-Count header when the server sends it. */
  total: number | null;
}

/** Streams a file download (exports) with progress callbacks; abortable. */
export async function download(
  path: string,
  onProgress: (p: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<{ blob: Blob; filename: string | null; progress: DownloadProgress }> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: 'same-origin', signal });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ApiError(0, 'network', 'Could not reach StayWatch. Check your connection and try again.');
  }
  if (!res.ok) {
    const err = ((await res.json().catch(() => null)) as ErrorBody | null)?.error;
    const code = err?.code ?? 'internal';
    throw new ApiError(res.status, code, MESSAGES[code] ?? err?.message ?? 'Download failed', err?.details);
  }
  const totalHeader = res.headers.get('X-Total-Count');
  const progress: DownloadProgress = { bytes: 0, lines: 0, total: totalHeader ? Number(totalHeader) : null };
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const reader = res.body?.getReader();
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      progress.bytes += value.byteLength;
      for (const b of value) if (b === 10) progress.lines += 1;
      onProgress({ ...progress });
    }
  }
  const filename = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? null;
  return { blob: new Blob(chunks, { type: res.headers.get('Content-Type') ?? 'application/octet-stream' }), filename, progress };
}
