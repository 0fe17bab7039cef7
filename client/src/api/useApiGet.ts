import { useEffect, useRef, useState } from 'react';
import { ApiError, api } from './client';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/**
 * GETs `path` whenever it changes, after `debounceMs` (with `eager`, not before the first answer, so the map shows
 * its first data as soon as it can), aborting the request in flight; `null` means "nothing to load". Keeps the
 * previous data while the next request runs, so layers do not flicker.
 */
export function useApiGet<T>(path: string | null, debounceMs = 0, version = 0, eager = false): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: path !== null });
  const answered = useRef(false);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` forces a reload after a change elsewhere
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api<T>('GET', path, undefined, controller.signal)
        .then((data) => {
          answered.current = true;
          setState({ data, error: null, loading: false });
        })
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          setState((s) => ({ ...s, error: err instanceof ApiError ? err.message : 'Could not load', loading: false }));
        });
    }, eager && !answered.current ? 0 : debounceMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [path, debounceMs, version, eager]);

  return state;
}
