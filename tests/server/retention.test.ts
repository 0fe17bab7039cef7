import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGS } from '../../server/db/paged-log';
import { reportIdFor } from '../../server/reports/report-id';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

let app: TestApp;
let officer: TestClient;
const DAY = 86_400_000;
const NOW = new Date();
const monthsAgo = (m: number) => new Date(NOW.getTime() - m * 30.5 * DAY);

beforeAll(async () => {
  app = await startTestApp({ RETENTION_MONTHS: '12', CLOSED_RETENTION_MONTHS: '24' });
  const u = await createUser(app.services, 'police', { forceId: 'sussex' });
  officer = app.client();
  await officer.login(u.email, u.password);
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const SECRET = 'Only the police should ever read this sentence';

async function file(label: string) {
  const res = await app.client().post('/api/reports', {
    location: { lat: 50.8225, lng: -0.1372 },
    address: `${label} Example Street, Brighton`,
    propertyType: 'S',
    indicators: [1, 7],
    description: `${SECRET} (${label})`,
    observedFrom: new Date(NOW.getTime() - 3 * 3_600_000).toISOString(),
    observedTo: new Date(NOW.getTime() - 3_600_000).toISOString(),
    reporterRole: 'neighbour',
    contact: { name: 'Pat Reporter', email: `pat.${label}@example.test` },
  });
  expect(res.status).toBe(201);
  return { ...(res.body as { reference: string; passphrase: string }), id: reportIdFor(res.body.reference).toHexString() };
}

/** Arrange: move a report's dates into the past, as if it had been filed (and closed) then. */
async function backdate(id: string, created: Date, closed?: Date) {
  const reports = mongoose.connection.db!.collection('reports');
  const doc = await reports.findOne({ _id: new mongoose.Types.ObjectId(id) });
  const history = (doc!.statusHistory as Array<{ status: string; at: Date }>).map((h) => ({
    ...h,
    at: h.status === 'closed' && closed ? closed : created,
  }));
  await reports.updateOne({ _id: doc!._id }, { $set: { createdAt: created, statusHistory: history } });
}

async function setStatus(id: string, ...statuses: string[]) {
  for (const status of statuses) expect((await officer.patch(`/api/reports/${id}`, { status })).status).toBe(200);
}

describe('retention', () => {
  it('deletes old unverified and long-closed reports, purges old contact details, and keeps the rest', async () => {
    const oldNew = await file('old-new');
    const oldRejected = await file('old-rejected');
    const oldTriaged = await file('old-triaged');
    const longClosed = await file('long-closed');
    const recentlyClosed = await file('recently-closed');
    const fresh = await file('fresh');
    await setStatus(oldRejected.id, 'rejected');
    await setStatus(oldTriaged.id, 'triaged');
    await setStatus(longClosed.id, 'triaged', 'closed');
    await setStatus(recentlyClosed.id, 'triaged', 'closed');
    await backdate(oldNew.id, monthsAgo(13));
    await backdate(oldRejected.id, monthsAgo(14));
    await backdate(oldTriaged.id, monthsAgo(13));
    await backdate(longClosed.id, monthsAgo(40), monthsAgo(30));
    await backdate(recentlyClosed.id, monthsAgo(20), monthsAgo(3));
    const totalBefore = (await officer.get('/api/reports?limit=1')).body.total as number;

    const counts = await app.services.retention.run(NOW);

    expect(counts).toMatchObject({ deletedUnverified: 2, deletedClosed: 1, contactsPurged: 2 });
    for (const gone of [oldNew, oldRejected, longClosed]) {
      expect((await officer.get(`/api/reports/${gone.id}`)).status).toBe(404);
      const followUp = await app.client().post('/api/reports/follow-up', { reference: gone.reference, passphrase: gone.passphrase });
      expect(followUp.status).toBe(404);
    }
    // The index follows: the queue and the export no longer hold them.
    expect((await officer.get('/api/reports?limit=1')).body.total).toBe(totalBefore - 3);
    const csv = (await officer.get('/api/reports/export?format=csv')).text;
    for (const gone of [oldNew, oldRejected, longClosed]) expect(csv).not.toContain(gone.reference);
    expect(csv).toContain(oldTriaged.reference);

    const kept = (await officer.get(`/api/reports/${oldTriaged.id}`)).body;
    expect(kept.contact ?? null).toBeNull();
    expect(kept.description).toContain(SECRET);
    expect((await officer.get(`/api/reports/${recentlyClosed.id}`)).body.contact ?? null).toBeNull();
    expect((await officer.get(`/api/reports/${fresh.id}`)).body.contact).toMatchObject({ name: 'Pat Reporter' });
  });

  it('keeps in the audit that a deletion happened, and never the content', async () => {
    const gone = await file('audited');
    await backdate(gone.id, monthsAgo(13));
    await app.services.retention.run(NOW);
    const logs = await mongoose.connection.db!.collection(LOGS).find({}).toArray();
    const ofReport = logs
      .filter((l) => String(l._id).startsWith(`audit:report:${gone.id}#`))
      .flatMap((l) => (l.entries ?? []) as Array<{ action: string; details: unknown }>);
    expect(ofReport.filter((e) => e.action === 'report.deleted')).toEqual([
      expect.objectContaining({ details: { reason: 'retention:unverified' } }),
    ]);
    const text = JSON.stringify(logs);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('Pat Reporter');
    expect(text).not.toContain('audited Example Street');
  });

  it('logs each run with its counts, and runs once a day however many instances ask', async () => {
    const before = app.logs.length;
    const day = new Date(NOW.getTime() + 400 * DAY);
    expect(await app.services.retention.runIfDue(day)).not.toBeNull();
    expect(await app.services.retention.runIfDue(day)).toBeNull();
    const line = app.logs.slice(before).find((l) => l.includes('retention run finished'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ examined: expect.any(Number), deletedUnverified: expect.any(Number) });
  });
});
