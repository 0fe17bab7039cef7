import { useEffect, useState } from 'react';
import { ApiError, api } from '../api/client';

/**
 * The later pages of a paged list (entity reports, linked reports): the first page comes with its own request, and
 * `loadMore()` fetches the page at `next` from `path(cursor)`, appending its items. Starts over when `first` changes.
 */
export function useMore<P extends { next?: string }, I>(
  first: P | null,
  items: (page: P) => I[],
  path: (cursor: string) => string,
): { more: I[]; next: string | undefined; busy: boolean; error: string | null; loadMore: () => void } {
  const [more, setMore] = useState<I[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setMore([]);
    setNext(first?.next);
    setError(null);
  }, [first]);
  function loadMore() {
    if (!next || busy) return;
    setBusy(true);
    setError(null);
    api<P>('GET', path(next))
      .then((page) => {
        setMore((m) => [...m, ...items(page)]);
        setNext(page.next);
      })
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : 'Could not load more'))
      .finally(() => setBusy(false));
  }
  return { more, next, busy, error, loadMore };
}
