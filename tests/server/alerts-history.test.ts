import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DeliveryKind, StoredDelivery } from '../../server/alerts/delivery.model';
import {
  allHistoryIds,
  deleteHistory,
  HISTORY,
  HISTORY_WORK,
  HistoryWriter,
  queueHistory,
  readHistory,
} from '../../server/alerts/history';
import { connectDb } from '../../server/db/connection';
import { dropTestDatabase } from '../support/app';

/**
 * A user's alert history is an insert-only log of slots `<key>:0, 1, 2...`: writers in several processes place
 * entries at once without losing one or leaving a gap, and readers find the end from a hint.
 */

beforeAll(async () => {
  await connectDb(inject('mongoUri'), `t_${randomBytes(6).toString('hex')}`);
});
afterAll(dropTestDatabase);

/** Deliveries as the outbox records them (only the fields the history keeps). */
function deliveries(users: string[], n: number, kind: DeliveryKind = 'area'): StoredDelivery[] {
  return users.flatMap((u) =>
    Array.from({ length: n }, () => ({ _id: new Types.ObjectId(), userId: new Types.ObjectId(u), kind }) as StoredDelivery),
  );
}
const idsOf = (list: StoredDelivery[], user: string) => list.filter((d) => String(d.userId) === user).map((d) => String(d._id));
const newUsers = (n: number) => Array.from({ length: n }, () => new Types.ObjectId().toHexString());

describe('the alert history', () => {
  it('keeps every entry, without gaps, when writers of two processes place entries for the same users at once', async () => {
    const users = newUsers(5);
    const a = new HistoryWriter();
    const b = new HistoryWriter();
    // Writer b learns where these histories end, then a writes more: b's idea of the next free slot is out of date.
    const first = deliveries(users, 2);
    for (const w of await queueHistory(first, new Date())) await b.place(w);
    const second = deliveries(users, 7);
    for (const w of await queueHistory(second, new Date())) await a.place(w);
    const fromA = deliveries(users, 9);
    const fromB = deliveries(users, 9);
    const [workA, workB] = await Promise.all([queueHistory(fromA, new Date()), queueHistory(fromB, new Date())]);
    await Promise.all([...workA.map((w) => a.place(w)), ...workB.map((w) => b.place(w))]);

    const slots = mongoose.connection.db!.collection<{ _id: string; d: string }>(HISTORY);
    for (const u of users) {
      const expected = [...idsOf(first, u), ...idsOf(second, u), ...idsOf(fromA, u), ...idsOf(fromB, u)];
      expect((await allHistoryIds(u)).sort()).toEqual(expected.sort());
      // Slots 0..26 are all there and nothing lies beyond them.
      const stored = await slots.find({ _id: { $regex: `^alerts-sent:${u}:` } }).toArray();
      expect(stored.map((s) => Number(s._id.split(':').pop())).sort((x, y) => x - y)).toEqual(
        Array.from({ length: expected.length }, (_, i) => i),
      );
    }
    expect(await mongoose.connection.db!.collection(HISTORY_WORK).countDocuments()).toBe(0);
  });

  it('reads the newest entries first, each delivery once, leaving out what the caller skips', async () => {
    const [u] = newUsers(1) as [string];
    const writer = new HistoryWriter();
    const confirm = deliveries([u], 1, 'confirm');
    const notices = deliveries([u], 40);
    for (const w of await queueHistory([...confirm, ...notices], new Date())) await writer.place(w);
    // The same work placed again (a crash between placing it and removing it) adds copies.
    const again = await queueHistory(notices.slice(-3), new Date());
    for (const w of again) await writer.place(w);

    const newest = await readHistory(u, 10, (e) => e.k !== 'confirm');
    expect(newest.map((e) => e.d)).toEqual(idsOf(notices, u).slice(-10).reverse());
    expect((await readHistory(u, 100, (e) => e.k !== 'confirm')).map((e) => e.d)).toEqual(idsOf(notices, u).reverse());
    expect(await allHistoryIds(u)).toHaveLength(41);

    await deleteHistory(u);
    expect(await allHistoryIds(u)).toEqual([]);
    expect(
      await mongoose.connection.db!.collection<{ _id: string }>(HISTORY).countDocuments({ _id: { $regex: `^alerts-sent:${u}` } }),
    ).toBe(0);
  });
});
