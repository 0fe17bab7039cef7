import { createHash } from 'node:crypto';
import { DeliveryBodyModel } from './delivery.model';
import { insertNew } from '../db/insert';

export interface Body {
  text: string;
  html: string;
}

/** Content address of a body: the same message to 10,000 recipients is stored once. */
export function bodyIdOf(body: Body): string {
  return createHash('sha256').update(body.text).update('\0').update(body.html).digest('base64url').slice(0, 32);
}

/**
 * Stores each distinct body once (already stored ones are left alone) and returns each one's id, in order.
 * Recipients of one message share one body object, so it is hashed once, not once per recipient.
 */
export async function storeBodies(bodies: Body[]): Promise<string[]> {
  const idOf = new Map<Body, string>();
  const byId = new Map<string, { _id: string } & Body>();
  const ids = bodies.map((b) => {
    let _id = idOf.get(b);
    if (_id === undefined) {
      _id = bodyIdOf(b);
      idOf.set(b, _id);
      if (!byId.has(_id)) byId.set(_id, { _id, text: b.text, html: b.html });
    }
    return _id;
  });
  if (byId.size) await insertNew(DeliveryBodyModel.collection, [...byId.values()]);
  return ids;
}

/** Bodies by id, read by `_id` once and then kept (they never change), bounded in size. */
export class BodyCache {
  private readonly cache = new Map<string, Promise<Body | null>>();

  constructor(private readonly max = 2000) {}

  get(id: string): Promise<Body | null> {
    let hit = this.cache.get(id);
    if (!hit) {
      if (this.cache.size >= this.max) this.cache.clear();
      hit = DeliveryBodyModel.findById(id, { text: 1, html: 1 })
        .lean()
        .then((b) => (b ? { text: b.text, html: b.html } : null));
      hit.catch(() => this.cache.delete(id));
      this.cache.set(id, hit);
    }
    return hit;
  }
}
