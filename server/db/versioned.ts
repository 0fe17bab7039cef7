import mongoose from 'mongoose';
import { isDuplicateKey } from './errors';
import { retryBusy } from './insert';

/**
 * Safe read-modify-write of one document using point operations only, on MongoDB and on FerretDB.
 *
 * FerretDB 1.24 applies every update as "read the document, change it in Go, write it back", so two
 * concurrent `$push`/`$inc`/conditional updates of one document can lose one of them, and a filter with
 * more than `_id` scans the table. So each change of a versioned document is claimed first: an insert of
 * `{_id: "<collection>:<id>:<rev + 1>"}` into `revisions`. Only one writer can insert it (duplicate key =
 * somebody else changed the document since we read it: read again and retry). The claim carries the
 * complete `$set` of the change, so a writer that crashed between claim and write is rolled forward by the
 * next writer once its lease has passed (applying the same `$set` twice gives the same document).
 */

export const REVISIONS = 'revisions';
/** A claim older than this whose write never landed is rolled forward by the next writer. */
export const CLAIM_LEASE_MS = 10_000;

export interface Versioned {
  _id: unknown;
  rev?: number;
}

export class VersionConflict extends Error {
  constructor(
    readonly id: string,
    /** What the client is told (the error handler answers 409 with it). */
    readonly userMessage = 'This changed meanwhile; please try again',
  ) {
    super(`document ${id} kept changing while it was being updated`);
  }
}

interface Claim {
  _id: string;
  at: Date;
  set: Record<string, unknown>;
  upsert: boolean;
}

export interface UpdateVersionedOptions {
  /** Attempts before giving up with VersionConflict (each re-reads the document). */
  attempts?: number;
  /** The 409 message if it gives up, when the caller can say better what changed. */
  conflictMessage?: string;
}

/** `mutate` returns the fields to `$set` (never `rev`), or null to leave the document as it is. */
export type Mutation<T> = (current: T | null) => Record<string, unknown> | null | Promise<Record<string, unknown> | null>;

function collection(name: string) {
  const db = mongoose.connection.db;
  if (!db) throw new Error('not connected');
  return db.collection(name);
}

const claimId = (coll: string, id: unknown, rev: number) => `${coll}:${String(id)}:${rev}`;

async function apply(coll: string, id: unknown, rev: number, set: Record<string, unknown>, upsert: boolean) {
  // biome-ignore lint/suspicious/noExplicitAny: the driver's Filter<Document> type does not accept a generic `_id`.
  const filter: any = { _id: id };
  await retryBusy(() => collection(coll).updateOne(filter, { $set: { ...set, rev } }, { upsert }));
}

/** Point read of a document by `_id` through the driver (no mongoose casting). */
export async function readById<T>(coll: string, id: unknown): Promise<T | null> {
  // biome-ignore lint/suspicious/noExplicitAny: see apply().
  const filter: any = { _id: id };
  return (await collection(coll).findOne(filter)) as T | null;
}

/**
 * Applies `mutate` to the document `id` of collection `coll` (a driver collection name, e.g. `reports`),
 * creating it when absent. Returns the document as written (or as read when `mutate` returned null).
 */
export async function updateVersioned<T extends Versioned>(
  coll: string,
  id: unknown,
  mutate: Mutation<T>,
  opts: UpdateVersionedOptions = {},
): Promise<T | null> {
  const attempts = opts.attempts ?? 8;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = await readById<T>(coll, id);
    const rev = current?.rev ?? 0;
    const set = await mutate(current);
    if (!set) return current;
    const claim: Claim = { _id: claimId(coll, id, rev + 1), at: new Date(), set, upsert: current === null };
    try {
      // biome-ignore lint/suspicious/noExplicitAny: string `_id`, see apply().
      await retryBusy(() => collection(REVISIONS).insertOne(claim as any));
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      await rollForwardIfStale(coll, id, rev + 1);
      await new Promise((r) => setTimeout(r, Math.min(5 * 2 ** attempt, 200) * Math.random()));
      continue;
    }
    await apply(coll, id, rev + 1, set, claim.upsert);
    return { ...(current ?? ({ _id: id } as T)), ...set, rev: rev + 1 } as T;
  }
  throw new VersionConflict(String(id), opts.conflictMessage);
}

/** A claim for `rev` whose write did not land within the lease is applied now (idempotent `$set`). */
async function rollForwardIfStale(coll: string, id: unknown, rev: number): Promise<void> {
  const claim = await readById<Claim>(REVISIONS, claimId(coll, id, rev));
  if (!claim || Date.now() - claim.at.getTime() < CLAIM_LEASE_MS) return;
  const doc = await readById<Versioned>(coll, id);
  if ((doc?.rev ?? 0) !== rev - 1) return;
  await apply(coll, id, rev, claim.set, claim.upsert);
}

/**
 * Deletes a versioned document and the claims of its revisions. Without this, a document written again later
 * under the same `_id` would start at revision 1, find the old claims and "roll forward" their content.
 */
export async function deleteVersioned(coll: string, id: unknown): Promise<void> {
  const doc = await readById<Versioned>(coll, id);
  const rev = doc?.rev ?? 0;
  const revisions = collection(REVISIONS);
  // biome-ignore lint/suspicious/noExplicitAny: string `_id`, see apply().
  const drop = (r: number) => retryBusy(() => revisions.deleteOne({ _id: claimId(coll, id, r) } as any));
  // Claims run without a gap from the document's first change up to `rev`, but the first need not be 1 (an email
  // key starts at its creation time): drop them newest first, 16 at a time, until a batch finds one missing.
  for (let top = rev; top >= 1; top -= 16) {
    const dropped = await Promise.all(Array.from({ length: Math.min(16, top) }, (_, k) => drop(top - k)));
    if (dropped.some((d) => d.deletedCount === 0)) break;
  }
  // biome-ignore lint/suspicious/noExplicitAny: see apply().
  await retryBusy(() => collection(coll).deleteOne({ _id: id } as any));
  // A writer that claimed a revision while we deleted: drop claims past the last one we knew of, until none is left.
  for (let r = rev + 1; (await drop(r)).deletedCount > 0; r++);
}

/**
 * Background sweep: a claim is needed only until its write lands (or its lease passes and it is rolled forward),
 * and it holds the content it wrote, so claims go after an hour. Scans; never on a request.
 */
export async function pruneRevisions(olderThanMs = 3_600_000): Promise<number> {
  const res = await collection(REVISIONS).deleteMany({ at: { $lt: new Date(Date.now() - olderThanMs) } });
  return res.deletedCount;
}
