import { deleteVersioned, readById, updateVersioned, VersionConflict } from './versioned';

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

/** How long one append keeps trying when writers on other instances keep winning the same page. */
const APPEND_BUDGET_MS = 10_000;

interface Waiting {
  entries: unknown[];
  resolve: () => void;
  reject: (err: unknown) => void;
}
/** Entries waiting for a key whose previous append is still being written (in this process). */
const queues = new Map<string, Waiting[]>();

/** Appends `entry` to the log `key`. */
export function appendLog<E>(key: string, entry: E): Promise<void> {
  return appendLogMany(key, [entry]);
}

/**
 * Appends `entries`, in order, to the log `key`; resolves once they are stored.
 *
 * Group commit: a busy log (a force's day of audit entries, its advisories) gets many appends at once, and
 * concurrent read-modify-writes of one page would mostly retry each other. So entries that arrive for a key while
 * an append to it is being written wait, and are then written together, one write per page they land in.
 */
export function appendLogMany<E>(key: string, entries: E[]): Promise<void> {
  if (entries.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const waiting = queues.get(key);
    if (waiting) {
      waiting.push({ entries, resolve, reject });
      return;
    }
    const queue: Waiting[] = [{ entries, resolve, reject }];
    queues.set(key, queue);
    void drain(key, queue);
  });
}

async function drain(key: string, queue: Waiting[]): Promise<void> {
  while (queue.length > 0) {
    const batch = queue.splice(0, queue.length);
    try {
      await writeEntries(
        key,
        batch.flatMap((w) => w.entries),
      );
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
  queues.delete(key);
}

/** Retries `fn` while other writers win its claims (nothing was written then), with jitter, within the budget. */
async function untilWritten<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof VersionConflict) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(20 * 2 ** attempt, 500)));
    }
  }
}

async function writeEntries(key: string, entries: unknown[]): Promise<void> {
  const deadline = Date.now() + APPEND_BUDGET_MS;
  let rest = entries;
  while (rest.length > 0) {
    const head = await readById<Head>(LOGS, key);
    const n = head?.page ?? 0;
    let taken = 0;
    // Each step either writes its entries or nothing, so a retried step never writes an entry twice.
    await untilWritten(deadline, () =>
      updateVersioned<Page<unknown>>(LOGS, pageId(key, n), (page) => {
        const current = page?.entries ?? [];
        taken = Math.max(0, Math.min(PAGE_SIZE - current.length, rest.length));
        return taken > 0 ? { entries: [...current, ...rest.slice(0, taken)] } : null;
      }),
    );
    if (!head) await untilWritten(deadline, () => updateVersioned<Head>(LOGS, key, (h) => (h ? null : { page: 0 })));
    rest = rest.slice(taken);
    if (rest.length === 0) return;
    // The page is full: move the head on (unless another writer already did).
    await untilWritten(deadline, () => updateVersioned<Head>(LOGS, key, (h) => ((h?.page ?? 0) > n ? null : { page: n + 1 })));
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
