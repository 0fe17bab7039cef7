import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { accessesDuring, CommandMonitor, nonPoint } from '../support/command-monitor';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ReportModel } from '../../server/reports/report.model';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

/**
 * Every request of the report and triage routes touches the database only by `_id` (or inserts): on FerretDB
 * any other filter reads the whole collection. The driver's command monitor records what each request sends.
 */

let monitor: CommandMonitor;
/**
 * The growing collections these routes read and write themselves. Sessions (sign-in), properties (the suggestion
 * grid) and subscriptions/deliveries (alert matching on report events) are covered by their features' own tests
 * and by the route-wide guard.
 */
const OURS = new Set(['reports', 'audits', 'users', 'pagedlogs', 'revisions', 'reportrefs']);

let app: TestApp;
beforeAll(async () => {
  // Our own connection with command monitoring on; startTestApp reuses it.
  await mongoose.connect(inject('mongoUri'), {
    dbName: `t_${randomBytes(6).toString('hex')}`,
    monitorCommands: true,
    autoIndex: true,
  });
  monitor = new CommandMonitor(mongoose.connection.getClient());
  app = await startTestApp({ LOG_LEVEL: 'silent' });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const report = () => ({
  location: BRIGHTON,
  propertyType: 'S',
  indicators: [1, 7],
  observedFrom: hoursAgo(30),
  observedTo: hoursAgo(2),
  reporterRole: 'neighbour',
});

async function signedIn(role: 'police' | 'police_admin' | 'host') {
  const u = await createUser(app.services, role, role === 'police' ? { forceId: 'sussex' } : {});
  const c = app.client();
  await c.login(u.email, u.password);
  return { c, id: u.id };
}

describe('the reporter routes', () => {
  it('file, follow up, add information and list "my reports" by _id only', async () => {
    const host = await signedIn('host');
    let filed: { reference: string; passphrase: string } = { reference: '', passphrase: '' };
    const sent = nonPoint(
      await accessesDuring(monitor, async () => {
        const res = await host.c.post('/api/reports', report());
        filed = { reference: res.body.reference, passphrase: res.body.passphrase };
        expect((await app.client().post('/api/reports', report())).status).toBe(201);
        expect((await app.client().post('/api/reports/follow-up', filed)).status).toBe(200);
        expect((await app.client().post('/api/reports/follow-up', { ...filed, reference: 'SW-2222-2222' })).status).toBe(404);
        expect((await app.client().post('/api/reports/follow-up/addendum', { ...filed, text: 'More' })).status).toBe(200);
        const mine = await host.c.get('/api/reports/mine');
        expect(mine.body.reports.map((r: { reference: string }) => r.reference)).toEqual([filed.reference]);
      }),
      OURS,
    );
    expect(sent).toEqual([]);
  });
});

describe('the police routes', () => {
  it('read, change, link, export and audit by _id only', async () => {
    const officer = await signedIn('police');
    const admin = await signedIn('police_admin');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.client().post('/api/reports', report());
      ids.push((await ReportModel.findOne({ reference: res.body.reference }).lean())!._id.toString());
    }
    const [a, b, c] = ids as [string, string, string];
    const sent = nonPoint(
      await accessesDuring(monitor, async () => {
        expect((await officer.c.get('/api/reports?limit=5')).status).toBe(200);
        expect((await officer.c.get(`/api/reports/${a}`)).status).toBe(200);
        expect((await officer.c.patch(`/api/reports/${a}`, { status: 'triaged', note: 'n', question: 'q' })).status).toBe(200);
        expect((await officer.c.patch(`/api/reports/${a}`, { assignTo: officer.id, ownerAlert: 'released' })).status).toBe(200);
        expect((await officer.c.patch(`/api/reports/${a}`, { status: 'new' })).status).toBe(409);
        expect((await officer.c.patch(`/api/reports/${a}`, { link: b })).status).toBe(200);
        expect((await officer.c.patch(`/api/reports/${b}`, { unlink: a })).status).toBe(200);
        expect((await officer.c.patch(`/api/reports/${c}`, { link: 'f'.repeat(24) })).status).toBe(404);
        expect((await officer.c.get('/api/reports/export?format=csv')).status).toBe(200);
        expect((await officer.c.get('/api/reports/export?format=geojson')).status).toBe(200);
        for (const q of ['', `reportId=${a}`, `userId=${officer.id}`, `reportId=${a}&userId=${officer.id}`]) {
          const res = await admin.c.get(`/api/audit?limit=2&${q}`);
          expect(res.status, q).toBe(200);
          if (res.body.nextCursor) {
            const next = await admin.c.get(`/api/audit?limit=2&${q}&cursor=${encodeURIComponent(res.body.nextCursor)}`);
            expect(next.status, q).toBe(200);
          }
        }
      }),
      OURS,
    );
    expect(sent).toEqual([]);
  });
});
