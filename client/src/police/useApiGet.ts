import { useEffect, useState } from 'react';
import { ApiError, api } from '../api/client';

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/**
 * GETs `path` whenever it changes, after `debounceMs`, aborting the request in flight; `null` means "nothing to load".
 * Keeps the previous data while the next request runs, so layers do not flicker.
 */
export function useApiGet<T>(path: string | null, debounceMs = 0, version = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: path !== null });

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` forces a reload after a change elsewhere
  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      api<T>('GET', path, undefined, controller.signal)
        .then((data) => setState({ data, error: null, loading: false }))
        .catch((err: unknown) => {
          if (controller.signal.aborted) return;
          setState((s) => ({ ...s, error: err instanceof ApiError ? err.message : 'Could not load', loading: false }));
        });
    }, debounceMs);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [path, debounceMs, version]);

  return state;
}
