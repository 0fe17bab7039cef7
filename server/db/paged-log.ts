import { deleteVersioned, readById, updateVersioned } from './versioned';

/**
 * An append-only list per key (a report's audit trail, a user's filed reports, a force's advisories) kept
 * in pages of up to PAGE_SIZE entries, read and written with point operations only: the head
 * `{_id: key, page}` says which page is being filled; pages are `{_id: "key#<n>", entries}`. Appends go
 * through updateVersioned, so concurrent writers on FerretDB never lose an entry.
 */

export const LOGS = 'pagedlogs';
export const PAGE_SIZE = 100;

interface Head {
  _id: string;
  rev?: number;
  page: number;
}
interface Page<E> {
  _id: string;
  rev?: number;
  entries: E[];
}

export interface LogPage<E> {
  /** Newest first. */
  items: E[];
  /** Pass back as `before` for the next (older) page, or null at the start of the log. */
  nextCursor: string | null;
}

const pageId = (key: string, n: number) => `${key}#${n}`;

/** Appends `entry` to the log `key`. */
export async function appendLog<E>(key: string, entry: E): Promise<void> {
  await appendLogMany(key, [entry]);
}

/** Appends `entries`, in order, to the log `key`: one write per page they land in (a writer batching a busy key). */
export async function appendLogMany<E>(key: string, entries: E[]): Promise<void> {
  let rest = entries;
  while (rest.length > 0) {
    const head = await readById<Head>(LOGS, key);
    const n = head?.page ?? 0;
    let taken = 0;
    await updateVersioned<Page<E>>(LOGS, pageId(key, n), (page) => {
      const current = page?.entries ?? [];
      taken = Math.max(0, Math.min(PAGE_SIZE - current.length, rest.length));
      return taken > 0 ? { entries: [...current, ...rest.slice(0, taken)] } : null;
    });
    if (!head) await updateVersioned<Head>(LOGS, key, (h) => (h ? null : { page: 0 }));
    rest = rest.slice(taken);
    if (rest.length === 0) return;
    // The page is full: move the head on (unless another writer already did).
    await updateVersioned<Head>(LOGS, key, (h) => ((h?.page ?? 0) > n ? null : { page: n + 1 }));
  }
}

/** Parses a cursor "<page>.<index>" (index = entries of that page still to read). */
function parseCursor(cursor: string | null | undefined): { page: number; index: number } | null {
  if (!cursor) return null;
  const m = /^(\d{1,9})\.(\d{1,4})$/.exec(cursor);
  if (!m) throw new RangeError('invalid cursor');
  return { page: Number(m[1]), index: Number(m[2]) };
}

/**
 * Reads up to `limit` entries, newest first, optionally keeping only those that pass `keep` (at most
 * `maxPages` pages are read per call, so a sparse filter answers with a cursor instead of scanning on).
 */
export async function readLog<E>(
  key: string,
  opts: { limit: number; before?: string | null; keep?: (e: E) => boolean; maxPages?: number },
): Promise<LogPage<E>> {
  const start = parseCursor(opts.before);
  let page = start?.page ?? (await readById<Head>(LOGS, key))?.page ?? 0;
  let index = start?.index ?? Number.POSITIVE_INFINITY;
  const items: E[] = [];
  const maxPages = opts.maxPages ?? 50;
  for (let read = 0; page >= 0 && read < maxPages; read++) {
    const doc = await readById<Page<E>>(LOGS, pageId(key, page));
    const entries = doc?.entries ?? [];
    let i = Math.min(index, entries.length) - 1;
    for (; i >= 0; i--) {
      const e = entries[i]!;
      if (opts.keep && !opts.keep(e)) continue;
      items.push(e);
      if (items.length >= opts.limit) {
        const more = i > 0 || page > 0;
        return { items, nextCursor: more ? (i > 0 ? `${page}.${i}` : `${page - 1}.9999`) : null };
      }
    }
    page--;
    index = Number.POSITIVE_INFINITY;
  }
  return { items, nextCursor: page >= 0 ? `${page}.9999` : null };
}

/** Removes the whole log (retention, account deletion): point deletes of the head and every page. */
export async function deleteLog(key: string): Promise<void> {
  const head = await readById<Head>(LOGS, key);
  for (let n = head?.page ?? 0; n >= 0; n--) await deleteVersioned(LOGS, pageId(key, n));
  await deleteVersioned(LOGS, key);
}

/** Rewrites the entries of every page that `change` alters (e.g. drop a deleted report's entries). */
export async function rewriteLog<E>(key: string, change: (entries: E[]) => E[] | null): Promise<void> {
  const head = await readById<Head>(LOGS, key);
  for (let n = head?.page ?? 0; n >= 0; n--) {
    await updateVersioned<Page<E>>(LOGS, pageId(key, n), (page) => {
      if (!page) return null;
      const next = change(page.entries);
      return next ? { entries: next } : null;
    });
  }
}
