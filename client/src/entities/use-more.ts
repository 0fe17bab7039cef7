import { useState } from 'react';
import { ApiError, api } from '../api/client';

/** No later pages yet (one array, so a list built from it changes only when pages arrive). */
const NONE: never[] = [];

/** The later pages fetched after one first page, kept with that page. */
interface Later<P, I> {
  of: P | null;
  more: I[];
  next: string | undefined;
  error: string | null;
}

/**
 * The later pages of a paged list (entity reports, linked reports): the first page comes with its own request, and
 * `loadMore()` fetches the page at `next` from `path(cursor)`, appending its items. Starts over when `first` changes:
 * what was loaded after another first page (or arrives for one) is never shown with this one.
 */
export function useMore<P extends { next?: string }, I>(
  first: P | null,
  items: (page: P) => I[],
  path: (cursor: string) => string,
): { more: I[]; next: string | undefined; busy: boolean; error: string | null; loadMore: () => void } {
  const [later, setLater] = useState<Later<P, I> | null>(null);
  const [busy, setBusy] = useState(false);
  const current: Later<P, I> = later?.of === first ? later : { of: first, more: NONE, next: first?.next, error: null };
  function loadMore() {
    if (!current.next || busy) return;
    const base = { ...current, error: null };
    // An answer counts only while the first page it followed is still the current one.
    const onto = (l: Later<P, I> | null) => (l?.of === base.of ? l : base);
    setBusy(true);
    setLater(base);
    api<P>('GET', path(current.next))
      .then((page) => setLater((l) => ({ ...onto(l), more: [...onto(l).more, ...items(page)], next: page.next })))
      .catch((err: unknown) =>
        setLater((l) => ({ ...onto(l), error: err instanceof ApiError ? err.message : 'Could not load more' })),
      )
      .finally(() => setBusy(false));
  }
  return { more: current.more, next: current.next, busy, error: current.error, loadMore };
}
