import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectDb } from '../../server/db/connection';
import { appendLog, deleteLog, LOGS, PAGE_SIZE, readLog } from '../../server/db/paged-log';
import { CLAIM_LEASE_MS, deleteVersioned, REVISIONS, updateVersioned } from '../../server/db/versioned';
import { dropTestDatabase } from '../support/app';

beforeAll(async () => {
  await connectDb(inject('mongoUri'), `t_${randomBytes(6).toString('hex')}`);
});
afterAll(dropTestDatabase);

interface Counter {
  _id: string;
  rev?: number;
  items: number[];
}

describe('versioned documents', () => {
  it('keep every one of many concurrent changes to one document', async () => {
    const writes = Array.from({ length: 40 }, (_, i) =>
      updateVersioned<Counter>('counters', 'c1', (doc) => ({ items: [...(doc?.items ?? []), i] }), { attempts: 200 }),
    );
    await Promise.all(writes);
    const doc = await mongoose.connection.db!.collection<Counter>('counters').findOne({ _id: 'c1' });
    expect(doc?.items.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(doc?.rev).toBe(40);
  });

  it('leave a document alone when the change returns null', async () => {
    const res = await updateVersioned<Counter>('counters', 'absent', () => null);
    expect(res).toBeNull();
    expect(await mongoose.connection.db!.collection<Counter>('counters').findOne({ _id: 'absent' })).toBeNull();
  });

  it('roll forward a change whose writer claimed it and died before writing', async () => {
    await updateVersioned<Counter>('counters', 'c2', () => ({ items: [1] }));
    // A writer claimed revision 2 long ago and never wrote it.
    await mongoose.connection
      .db!.collection<{ _id: string }>(REVISIONS)
      .insertOne({ _id: 'counters:c2:2', at: new Date(Date.now() - CLAIM_LEASE_MS - 1000), set: { items: [1, 2] }, upsert: false } as never);
    const res = await updateVersioned<Counter>('counters', 'c2', (doc) => ({ items: [...(doc?.items ?? []), 3] }));
    expect(res?.items).toEqual([1, 2, 3]);
    expect(res?.rev).toBe(3);
  });
});

describe('deleted versioned documents', () => {
  it('start again from nothing when written after the lease: no claim of the old document is rolled forward', async () => {
    for (const n of [1, 2, 3]) await updateVersioned<Counter>('counters', 'gone', (doc) => ({ items: [...(doc?.items ?? []), n] }));
    await deleteVersioned('counters', 'gone');
    // Age every claim past the lease, as if the new write came a while later.
    await mongoose.connection.db!.collection(REVISIONS).updateMany({}, { $set: { at: new Date(Date.now() - CLAIM_LEASE_MS - 1000) } });
    const res = await updateVersioned<Counter>('counters', 'gone', (doc) => ({ items: [...(doc?.items ?? []), 9] }));
    expect(res?.items).toEqual([9]);
    const stored = await mongoose.connection.db!.collection<Counter>('counters').findOne({ _id: 'gone' });
    expect(stored?.items).toEqual([9]);
  });

  it('go at once with their claims when they started at a high revision (an email key starts at its creation time)', {
    timeout: 10_000,
  }, async () => {
    const start = Date.now();
    await mongoose.connection.db!.collection<Counter>('counters').insertOne({ _id: 'high', rev: start, items: [] });
    for (const n of [1, 2]) await updateVersioned<Counter>('counters', 'high', (doc) => ({ items: [...(doc?.items ?? []), n] }));
    await deleteVersioned('counters', 'high');
    expect(await mongoose.connection.db!.collection<Counter>('counters').findOne({ _id: 'high' })).toBeNull();
    const claims = [start + 1, start + 2].map((r) => `counters:high:${r}`);
    expect(await mongoose.connection.db!.collection<{ _id: string }>(REVISIONS).countDocuments({ _id: { $in: claims } })).toBe(0);
  });
});

describe('paged logs', () => {
  it('keep every entry of concurrent appends across pages, newest first', async () => {
    const n = PAGE_SIZE + 30;
    for (let i = 0; i < n; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, k) => appendLog('audit:r1', { n: i + k })));
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof readLog<{ n: number }>>> = await readLog<{ n: number }>('audit:r1', {
        limit: 37,
        before: cursor,
      });
      seen.push(...page.items.map((e) => e.n));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(seen.length).toBe(n);
    // Newest first within a batch order: the last batch comes before the first.
    expect(seen.indexOf(n - 1)).toBeLessThan(seen.indexOf(0));
  });

  it('store every append when many callers and another instance write the same page at once', async () => {
    // Another instance's appends reach the page directly (not through this process's group commit).
    const other = Array.from({ length: 15 }, (_, k) =>
      updateVersioned<{ _id: string; rev?: number; entries: Array<{ n: number }> }>(
        LOGS,
        'busy#0',
        (page) => ({ entries: [...(page?.entries ?? []), { n: 1000 + k }] }),
        { attempts: 200 },
      ),
    );
    const ours = Array.from({ length: 40 }, (_, k) => appendLog('busy', { n: k }));
    await Promise.all([...other, ...ours]);
    const all = await readLog<{ n: number }>('busy', { limit: 500 });
    expect(all.items.map((e) => e.n).sort((a, b) => a - b)).toEqual([
      ...Array.from({ length: 40 }, (_, k) => k),
      ...Array.from({ length: 15 }, (_, k) => 1000 + k),
    ]);
  });

  it('filter entries and answer an empty log with no cursor', async () => {
    await appendLog('audit:r2', { n: 1 });
    await appendLog('audit:r2', { n: 2 });
    const page = await readLog<{ n: number }>('audit:r2', { limit: 10, keep: (e) => e.n === 1 });
    expect(page).toEqual({ items: [{ n: 1 }], nextCursor: null });
    expect(await readLog('audit:none', { limit: 10 })).toEqual({ items: [], nextCursor: null });
  });

  it('are removed whole, and a log started again under the same key holds only its new entries', async () => {
    for (const n of [1, 2, 3]) await appendLog('audit:r3', { n });
    await deleteLog('audit:r3');
    expect(await readLog('audit:r3', { limit: 10 })).toEqual({ items: [], nextCursor: null });
    await mongoose.connection.db!.collection(REVISIONS).updateMany({}, { $set: { at: new Date(Date.now() - CLAIM_LEASE_MS - 1000) } });
    await appendLog('audit:r3', { n: 4 });
    expect(await readLog('audit:r3', { limit: 10 })).toEqual({ items: [{ n: 4 }], nextCursor: null });
  });
});
