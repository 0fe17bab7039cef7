import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLog } from '../../server/db/paged-log';
import { filingsKey } from '../../server/reports/filings';
import { ReportModel } from '../../server/reports/report.model';
import { reportIdFor } from '../../server/reports/report-id';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import { ukDaySince } from '../support/uk-day';

/** "My reports": what a signed-in host or owner filed, newest first, read by id from their own list. */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const report = (indicators: number[] = [1]) => ({
  location: BRIGHTON,
  propertyType: 'S',
  indicators,
  observedFrom: hoursAgo(30),
  observedTo: hoursAgo(2),
  reporterRole: 'neighbour',
});

async function signedIn(role: 'host' | 'owner') {
  const u = await createUser(app.services, role);
  const c = app.client();
  await c.login(u.email, u.password);
  return { c, id: u.id };
}

describe("a host's own reports", () => {
  it('lists the reports a host filed newest first, with what police asked and what they added', async () => {
    const { c } = await signedIn('host');
    const filed: Array<{ reference: string; passphrase: string }> = [];
    for (let i = 0; i < 4; i++) {
      const { reference, passphrase } = (await c.post('/api/reports', report([i + 1]))).body;
      filed.push({ reference, passphrase });
    }
    await app.client().post('/api/reports', report());
    const since = Date.now();
    const added = await app.client().post('/api/reports/follow-up/addendum', { ...filed[1]!, text: 'They came back on Sunday.' });
    expect(added.status).toBe(200);

    const res = await c.get('/api/reports/mine');
    expect(res.status).toBe(200);
    expect(res.body.reports.map((r: { reference: string }) => r.reference)).toEqual(filed.map((f) => f.reference).reverse());
    expect(res.body.reports[2]).toMatchObject({
      status: 'received',
      addenda: [{ text: 'They came back on Sunday.', on: ukDaySince(since) }],
    });
  });

  it('keeps the lists of two hosts apart, even when they file at the same moment', async () => {
    const [a, b] = [await signedIn('host'), await signedIn('owner')];
    const filed = await Promise.all([
      ...[0, 1, 2].map(() => a.c.post('/api/reports', report())),
      ...[0, 1].map(() => b.c.post('/api/reports', report())),
    ]);
    const refs = filed.map((f) => f.body.reference as string);
    const mine = async (c: typeof a.c) =>
      ((await c.get('/api/reports/mine')).body.reports as Array<{ reference: string }>).map((r) => r.reference).sort();
    expect(await mine(a.c)).toEqual(refs.slice(0, 3).sort());
    expect(await mine(b.c)).toEqual(refs.slice(3).sort());
  });

  it('skips ids in the list whose report was never stored or belongs to someone else', async () => {
    const { c, id } = await signedIn('host');
    const kept = (await c.post('/api/reports', report())).body.reference;
    const someoneElses = (await app.client().post('/api/reports', report())).body.reference;
    // A filing noted before an insert that never happened, and one whose reference was taken by another report.
    await appendLog(filingsKey(id), reportIdFor('SW-2222-2222').toHexString());
    await appendLog(filingsKey(id), reportIdFor(someoneElses).toHexString());
    const res = await c.get('/api/reports/mine');
    expect(res.body.reports.map((r: { reference: string }) => r.reference)).toEqual([kept]);
    expect(await ReportModel.countDocuments({ reference: 'SW-2222-2222' })).toBe(0);
  });

  it('is empty for a host who filed nothing, and refused to anyone signed out', async () => {
    const { c } = await signedIn('owner');
    expect((await c.get('/api/reports/mine')).body).toEqual({ reports: [] });
    expect((await app.client().get('/api/reports/mine')).status).toBe(401);
  });
});
