import { Types } from 'mongoose';
import { UserModel } from '../accounts/user.model';

/** User id → display name, for the people shown on reports and in the audit trail. */
export type UserNames = Map<string, string>;

/** Names rarely change: a name read is reused for this long. */
export const NAME_TTL_MS = 60_000;
/** Names kept at most; the oldest read goes first. */
const MAX_NAMES = 10_000;
const CONCURRENCY = 16;

/** id → name (null: no such user), and when the entry expires. */
const cache = new Map<string, { name: string | null; until: number }>();

function remember(id: string, name: string | null, now: number): void {
  cache.delete(id);
  cache.set(id, { name, until: now + NAME_TTL_MS });
  while (cache.size > MAX_NAMES) cache.delete(cache.keys().next().value!);
}

/** The names of these users: from the cache, else one `_id` read per user, a few in parallel. */
export async function userNames(ids: Array<Types.ObjectId | string | null | undefined>): Promise<UserNames> {
  const names: UserNames = new Map();
  const now = Date.now();
  const missing: string[] = [];
  for (const id of new Set(ids.filter((x) => !!x).map(String))) {
    const hit = cache.get(id);
    if (hit && hit.until > now) {
      if (hit.name !== null) names.set(id, hit.name);
    } else if (Types.ObjectId.isValid(id)) missing.push(id);
  }
  for (let k = 0; k < missing.length; k += CONCURRENCY) {
    const users = await Promise.all(
      missing.slice(k, k + CONCURRENCY).map((id) => UserModel.findById(id, { name: 1 }).lean().exec()),
    );
    missing.slice(k, k + CONCURRENCY).forEach((id, i) => {
      const name = users[i]?.name ?? null;
      remember(id, name, now);
      if (name !== null) names.set(id, name);
    });
  }
  return names;
}
