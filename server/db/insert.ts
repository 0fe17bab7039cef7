import { isDuplicateKey } from './errors';

/** FerretDB on SQLite answers concurrent writes with "database is locked" now and then: retry those briefly. */
export async function retryBusy<T>(fn: () => Promise<T>, tries = 6): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      if (i >= tries - 1 || !/database is locked|SQLITE_BUSY/i.test(msg)) throw err;
      await new Promise((r) => setTimeout(r, 20 * 2 ** i + Math.random() * 20));
    }
  }
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
      const e = err as { writeErrors?: Array<{ index: number; code?: number; errmsg?: string }> | { index: number } };
      const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
      if (!writeErrors.length) throw err;
      const failed = new Set<number>();
      for (const w of writeErrors as Array<{ index: number; code?: number; errmsg?: string }>) {
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
