import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';

let app: TestApp;
beforeAll(async () => {
  // Trust one proxy hop so the forwarded address really becomes req.ip: the most tempting place to leak it.
  app = await startTestApp({ TRUST_PROXY: '1' });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const IP = '203.0.113.187';
const IPV6 = '2001:db8:4a7f::bead';
const UA = 'DistinctiveBrowser/9.87.6543 (PrivacyProbe; x-staywatch-ua-marker)';
const REFERER = 'https://referer-marker.example.test/page';

function report() {
  const now = Date.now();
  return {
    location: { lat: 50.8225, lng: -0.1372 },
    propertyType: 'H',
    indicators: [9, 12],
    description: 'Walk-in guest paid cash and asked for a room by the fire exit.',
    observedFrom: new Date(now - 5 * 3_600_000).toISOString(),
    observedTo: new Date(now - 3_600_000).toISOString(),
    reporterRole: 'staff',
  };
}

/** Every document of every collection in the app's database, as one string. */
async function everything(): Promise<string> {
  const db = mongoose.connection.db!;
  const collections = await db.listCollections().toArray();
  const parts: string[] = [];
  for (const c of collections) {
    const docs = await db.collection(c.name).find({}).toArray();
    parts.push(`${c.name}:${JSON.stringify(docs)}`);
  }
  return parts.join('\n');
}

describe('reporter privacy', () => {
  it('stores and logs no IP address, user agent or referer from a report, a follow-up or an addendum', async () => {
    const headers = {
      'x-forwarded-for': IP,
      'user-agent': UA,
      referer: REFERER,
      'x-real-ip': IPV6,
      forwarded: `for="[${IPV6}]"`,
    };
    const c = app.client();
    const filed = await c.request('POST', '/api/reports', { json: report(), headers });
    expect(filed.status).toBe(201);
    const { reference, passphrase } = filed.body;
    expect((await c.request('POST', '/api/reports/follow-up', { json: { reference, passphrase }, headers })).status).toBe(200);
    expect(
      (
        await c.request('POST', '/api/reports/follow-up/addendum', {
          json: { reference, passphrase, text: 'One more thing.' },
          headers,
        })
      ).status,
    ).toBe(200);
    expect(
      (await c.request('POST', '/api/reports/follow-up', { json: { reference, passphrase: 'wrong' }, headers })).status,
    ).toBe(404);
    expect((await c.request('POST', '/api/reports', { json: { ...report(), status: 'x' }, headers })).status).toBe(400);

    const stored = await everything();
    expect(stored).toContain(reference);
    const logs = app.logs.join('\n');
    expect(logs).toContain('/api/reports');
    for (const needle of [IP, IPV6, 'DistinctiveBrowser', 'x-staywatch-ua-marker', 'referer-marker', '127.0.0.1', passphrase]) {
      expect(stored, `database contains ${needle}`).not.toContain(needle);
      expect(logs, `logs contain ${needle}`).not.toContain(needle);
    }
  });
});
