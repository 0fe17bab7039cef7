import mongoose, { Types } from 'mongoose';
import { readById, updateVersioned } from '../db/versioned';
import { errors, type HttpError } from '../http/errors';

/**
 * A small versioned document per owner listing the ids of the owner's items (an owner's properties, a user's
 * subscriptions): `{_id: ownerId, ids, closed?}`. It replaces "find by ownerId" and "count then insert", which on
 * FerretDB scan the whole collection and let two concurrent creates both pass the limit. Every change goes through
 * updateVersioned, so the limit is checked inside the change and two concurrent creates cannot both take the last
 * place. The id is listed before the item is inserted (readers skip listed ids whose item is missing); deleting an
 * account closes the list, after which nothing can be added.
 */
export interface IdListDoc {
  _id: string;
  rev?: number;
  ids: string[];
  /** Set when the account is being deleted: nothing more may be added. */
  closed?: boolean;
}

/** A listed id whose item is missing and that was made longer ago than this belongs to a create that died midway. */
const UNFINISHED_MS = 5 * 60_000;
/** Concurrent changes of one owner's list retried before giving up (each retry re-reads the list). */
const ATTEMPTS = 30;

export const closedAccount = () => errors.conflict('This account is being deleted');

export class IdList {
  constructor(
    /** Driver collection name of the lists. */
    readonly coll: string,
    private readonly opts: {
      limit: number;
      full: () => HttpError;
      /** Whether the item still exists (a point read). */
      exists: (id: string) => Promise<boolean>;
    },
  ) {}

  private async change(
    owner: string,
    mutate: (cur: IdListDoc | null) => Promise<Partial<IdListDoc> | null> | Partial<IdListDoc> | null,
  ) {
    return updateVersioned<IdListDoc>(this.coll, owner, mutate, {
      attempts: ATTEMPTS,
      conflictMessage: 'Too many changes at once; please try again',
    });
  }

  /** The listed ids, oldest first (some may name items whose create has not finished, or never will). */
  async ids(owner: string): Promise<string[]> {
    return (await readById<IdListDoc>(this.coll, owner))?.ids ?? [];
  }

  /** True while `id` is listed and the list is open: the check after inserting an item. */
  async holds(owner: string, id: string): Promise<boolean> {
    const list = await readById<IdListDoc>(this.coll, owner);
    return !!list && !list.closed && list.ids.includes(id);
  }

  /** Lists `id` if there is room (throws the `full` error, or 409 when the account is being deleted). */
  async add(owner: string, id: string): Promise<void> {
    await this.change(owner, async (cur) => {
      if (cur?.closed) throw closedAccount();
      let ids = cur?.ids ?? [];
      if (ids.includes(id)) return null;
      if (ids.length >= this.opts.limit) ids = await this.withoutUnfinished(ids);
      if (ids.length >= this.opts.limit) throw this.opts.full();
      return { ids: [...ids, id] };
    });
  }

  async remove(owner: string, id: string): Promise<void> {
    await this.change(owner, (cur) => (cur?.ids.includes(id) ? { ids: cur.ids.filter((x) => x !== id) } : null));
  }

  /** Closes the list for good (account deletion) and returns the ids it held. */
  async close(owner: string): Promise<string[]> {
    let held: string[] = [];
    await this.change(owner, (cur) => {
      held = cur?.ids ?? [];
      return cur?.closed && held.length === 0 ? null : { ids: [], closed: true };
    });
    return held;
  }

  /**
   * Background repair: lists the given items of `owner` (written by a script, or before lists existed) that still
   * exist and are not listed yet. Returns the ids that must go instead, because the owner's list is closed.
   */
  async adopt(owner: string, ids: string[]): Promise<string[]> {
    let orphans: string[] = [];
    await this.change(owner, async (cur) => {
      const listed = new Set(cur?.ids ?? []);
      const missing = ids.filter((id) => !listed.has(id));
      if (!missing.length) return null;
      if (cur?.closed) {
        orphans = missing;
        return null;
      }
      const alive = await Promise.all(missing.map((id) => this.opts.exists(id)));
      const add = missing.filter((_, i) => alive[i]);
      return add.length ? { ids: [...(cur?.ids ?? []), ...add] } : null;
    });
    return orphans;
  }

  /** Background repair: every list as stored (a scan of the list collection; never on a request). */
  async scanAll(): Promise<Map<string, IdListDoc>> {
    const db = mongoose.connection.db;
    if (!db) throw new Error('not connected');
    const out = new Map<string, IdListDoc>();
    for await (const d of db.collection<IdListDoc>(this.coll).find({}, { batchSize: 1000 })) out.set(String(d._id), d);
    return out;
  }

  /** The ids minus those whose item is missing and whose create started long ago (it died before inserting). */
  private async withoutUnfinished(ids: string[]): Promise<string[]> {
    const alive = await Promise.all(ids.map((id) => this.opts.exists(id)));
    const now = Date.now();
    return ids.filter((id, i) => alive[i] || now - createdAtOf(id) < UNFINISHED_MS);
  }
}

/** The ObjectId a 24-hex-digit id names; null for any other string (it names no stored item). */
export function asObjectId(id: string): Types.ObjectId | null {
  return /^[0-9a-f]{24}$/i.test(id) ? new Types.ObjectId(id) : null;
}

/** When an ObjectId-shaped id was made (its first four bytes); other ids count as just made. */
function createdAtOf(id: string): number {
  return asObjectId(id)?.getTimestamp().getTime() ?? Date.now();
}

/** Runs `fn` over `items`, `lanes` at a time. */
export async function eachLimited<T>(items: T[], lanes: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
