import { isDuplicateKey } from './errors';

/** FerretDB on SQLite answers concurrent writes with "database is locked" now and then; nothing was written. */
export function isBusy(err: unknown): boolean {
  return /database is locked|SQLITE_BUSY/i.test(String((err as Error | null)?.message ?? err));
}

/** Runs `fn`, retrying it after a "database is locked" answer; `delayMs(i)` is the wait before retry i + 1. */
export async function retryBusy<T>(
  fn: () => Promise<T>,
  tries = 6,
  delayMs = (i: number) => 20 * 2 ** i + Math.random() * 20,
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries - 1 || !isBusy(err)) throw err;
      await new Promise((r) => setTimeout(r, delayMs(i)));
    }
  }
}

/** One document's failure in an unordered bulk insert. */
export interface WriteErrorLike {
  index: number;
  code?: number;
  errmsg?: string;
}

/** The per-document errors of a failed unordered insert (the driver gives one or a list); none if the whole command failed. */
export function writeErrorsOf(err: unknown): WriteErrorLike[] {
  const w = (err as { writeErrors?: WriteErrorLike | WriteErrorLike[] } | null)?.writeErrors;
  return w === undefined ? [] : Array.isArray(w) ? w : [w];
}

/**
 * Inserts `docs` unordered and returns the ones that were new: a document whose unique key (or `_id`) is
 * already taken is left out, any other error is thrown. One round trip per 1,000 documents.
 */
/** Any driver collection (mongoose bundles its own copy of the driver, so this stays structural). */
interface InsertTarget {
  insertMany(docs: never[], options: { ordered: boolean }): Promise<unknown>;
}

export async function insertNew<T extends object>(collection: InsertTarget, docs: T[]): Promise<T[]> {
  const inserted: T[] = [];
  for (let i = 0; i < docs.length; i += 1000) {
    const chunk = docs.slice(i, i + 1000);
    try {
      await retryBusy(() => collection.insertMany(chunk as never[], { ordered: false }));
      inserted.push(...chunk);
    } catch (err) {
      const writeErrors = writeErrorsOf(err);
      if (!writeErrors.length) throw err;
      const failed = new Set<number>();
      for (const w of writeErrors) {
        if (w.code !== 11000 && !isDuplicateKey({ message: w.errmsg })) throw err;
        failed.add(w.index);
      }
      chunk.forEach((d, k) => {
        if (!failed.has(k)) inserted.push(d);
      });
    }
  }
  return inserted;
}
