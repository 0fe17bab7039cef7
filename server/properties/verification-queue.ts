import { VERIFICATION_LIMITS } from '../../shared/schemas/verification';
import { readById, updateVersioned } from '../db/versioned';
import { errors } from '../http/errors';

/**
 * The pending verification queue: one small versioned document per force (`{_id: forceId, ids}`, oldest first;
 * `none` for properties outside every force area), so the admin queue is a few reads by `_id` instead of a scan of
 * the properties. A property is listed before it becomes pending and unlisted after it stops being pending;
 * readers skip listed ids whose property is not (or no longer) pending in this queue.
 */
const VERIFICATION_QUEUES = 'verificationqueues';
/** The queue of properties outside every force area. */
export const NO_FORCE = 'none';

interface QueueDoc {
  _id: string;
  rev?: number;
  ids: string[];
}

const ATTEMPTS = 30;

async function change(key: string, mutate: (ids: string[]) => string[] | null): Promise<void> {
  await updateVersioned<QueueDoc>(
    VERIFICATION_QUEUES,
    key,
    (cur) => {
      const next = mutate(cur?.ids ?? []);
      return next ? { ids: next } : null;
    },
    { attempts: ATTEMPTS, conflictMessage: 'Too many changes at once; please try again' },
  );
}

/** Lists the property (once) at the end of the queue; 409 when the queue is full. */
export async function enqueue(key: string, propertyId: string): Promise<void> {
  await change(key, (ids) => {
    if (ids.includes(propertyId)) return null;
    if (ids.length >= VERIFICATION_LIMITS.queueMax)
      throw errors.conflict('The verification queue for this area is full; please try again later');
    return [...ids, propertyId];
  });
}

export async function dequeue(key: string, propertyIds: string[]): Promise<void> {
  const drop = new Set(propertyIds);
  await change(key, (ids) => (ids.some((id) => drop.has(id)) ? ids.filter((id) => !drop.has(id)) : null));
}

export async function queuedIds(key: string): Promise<string[]> {
  return (await readById<QueueDoc>(VERIFICATION_QUEUES, key))?.ids ?? [];
}
