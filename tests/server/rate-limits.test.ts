import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITS, sweepRateLimits } from '../../server/http/rate-limit-store';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';

// Two app instances (separate services, caches and limiters) on one database, as behind a load balancer.
let first: TestApp;
let second: TestApp;
beforeAll(async () => {
  first = await startTestApp({ LOGIN_RATE_LIMIT: '4', LOG_LEVEL: 'silent' }, { forces: false });
  second = await startTestApp({ LOGIN_RATE_LIMIT: '4', LOG_LEVEL: 'silent' }, { forces: false });
});
afterAll(async () => {
  await first.close();
  await second.close();
  await dropTestDatabase();
});

const attempt = (app: TestApp, email: string) =>
  app.client().post('/api/auth/login', { email, password: 'wrong-password-1' }).then((r) => r.status);

describe('rate limits', () => {
  it('share one budget between two instances of the app', async () => {
    const statuses = [
      await attempt(first, 'shared@example.test'),
      await attempt(second, 'shared@example.test'),
      await attempt(first, 'shared@example.test'),
      await attempt(second, 'shared@example.test'),
      await attempt(first, 'shared@example.test'),
      await attempt(second, 'shared@example.test'),
    ];
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });

  it('count exactly under concurrent requests spread over both instances', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, k) => attempt(k % 2 ? first : second, 'burst@example.test')),
    );
    expect(statuses.filter((s) => s === 401).length).toBe(4);
    expect(statuses.filter((s) => s === 429).length).toBe(8);
  });

  it('store neither the client address nor the email, and are swept after their window', async () => {
    const coll = mongoose.connection.db!.collection<{ _id: string }>(RATE_LIMITS);
    const docs = await coll.find({}).toArray();
    expect(docs.length).toBeGreaterThan(0);
    const text = JSON.stringify(docs);
    expect(text).not.toMatch(/127\.0\.0\.1|::1|::ffff|burst@example|shared@example/);
    // One salt, shared by both instances.
    expect(docs.filter((d) => d._id.startsWith('salt:')).length).toBe(1);
    await sweepRateLimits(1000, Date.now() + 60 * 60_000);
    const left = await coll.find({}).toArray();
    expect(left.map((d) => d._id)).toEqual(docs.filter((d) => d._id.startsWith('salt:')).map((d) => d._id));
  });
});
