import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendLog } from '../../server/db/paged-log';
import { ReportModel } from '../../server/reports/report.model';
import { auditDayKey } from '../../server/triage/audit-log';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

/** The audit trail of police reads and changes: per report, per user, and everything by day, newest first. */

let app: TestApp;
let officer: TestClient;
let officerId: string;
let colleague: TestClient;
let colleagueId: string;
let admin: TestClient;

interface Entry {
  id: string;
  action: string;
  reportId: string | null;
  userId: string;
  userName: string | null;
  at: string;
}

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

async function fileReport(): Promise<string> {
  const res = await app.client().post('/api/reports', {
    location: BRIGHTON,
    propertyType: 'S',
    indicators: [1],
    observedFrom: hoursAgo(30),
    observedTo: hoursAgo(2),
    reporterRole: 'neighbour',
  });
  expect(res.status).toBe(201);
  return (await ReportModel.findOne({ reference: res.body.reference }).lean())!._id.toString();
}

/** Every entry of an audit query, following the cursor page by page. */
async function allPages(query: string, limit: number): Promise<{ items: Entry[]; pages: number }> {
  const items: Entry[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; body: { items: Entry[]; nextCursor: string | null } } = await admin.get(
      `/api/audit?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
    expect(pages).toBeLessThan(100);
  } while (cursor);
  return { items, pages };
}

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  const o = await createUser(app.services, 'police', { forceId: 'sussex', name: 'Officer Ada' });
  officer = app.client();
  await officer.login(o.email, o.password);
  officerId = o.id;
  const c = await createUser(app.services, 'police', { forceId: 'sussex', name: 'Officer Bo' });
  colleague = app.client();
  await colleague.login(c.email, c.password);
  colleagueId = c.id;
  const a = await createUser(app.services, 'police_admin');
  admin = app.client();
  await admin.login(a.email, a.password);
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

describe("a report's audit trail", () => {
  it('lists its reads and changes newest first, with who did each', async () => {
    const id = await fileReport();
    await officer.get(`/api/reports/${id}`);
    await officer.patch(`/api/reports/${id}`, { status: 'triaged' });
    await colleague.patch(`/api/reports/${id}`, { note: 'Checked the listing' });
    await colleague.get(`/api/reports/${id}`);

    const res = await admin.get(`/api/audit?reportId=${id}`);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((e: Entry) => [e.action, e.userId])).toEqual([
      ['report.read', colleagueId],
      ['report.note', colleagueId],
      ['report.status', officerId],
      ['report.read', officerId],
    ]);
    expect(res.body.items[0]).toMatchObject({ reportId: id, userName: 'Officer Bo', id: expect.any(String) });
    const times = res.body.items.map((e: Entry) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // The detail shows the same trail, including the read that produced it.
    const detail = await officer.get(`/api/reports/${id}`);
    expect(detail.body.audit.map((a: { action: string; by: { id: string } }) => [a.action, a.by.id])).toEqual([
      ['report.read', officerId],
      ['report.read', colleagueId],
      ['report.note', colleagueId],
      ['report.status', officerId],
      ['report.read', officerId],
    ]);
  });

  it('records every read when many officers open the same report at once', async () => {
    const id = await fileReport();
    const reads = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? officer : colleague).get(`/api/reports/${id}`)),
    );
    expect(reads.map((r) => r.status)).toEqual(reads.map(() => 200));
    const res = await admin.get(`/api/audit?reportId=${id}&limit=200`);
    expect(res.body.items).toHaveLength(12);
    expect(res.body.items.filter((e: Entry) => e.userId === officerId)).toHaveLength(6);
    const today = await admin.get('/api/audit?limit=12');
    expect(today.body.items.map((e: Entry) => e.id).sort()).toEqual(res.body.items.map((e: Entry) => e.id).sort());
  });

  it("keeps only one officer's entries when filtered by report and user", async () => {
    const id = await fileReport();
    await officer.get(`/api/reports/${id}`);
    await colleague.get(`/api/reports/${id}`);
    await officer.patch(`/api/reports/${id}`, { question: 'Which flat?' });
    const res = await admin.get(`/api/audit?reportId=${id}&userId=${colleagueId}`);
    expect(res.body.items.map((e: Entry) => [e.action, e.userId])).toEqual([['report.read', colleagueId]]);
  });

  it('pages with a cursor, each entry once, in the same order as one long page', async () => {
    const id = await fileReport();
    for (let i = 0; i < 5; i++) await officer.get(`/api/reports/${id}`);
    const whole = await admin.get(`/api/audit?reportId=${id}&limit=200`);
    expect(whole.body.items).toHaveLength(5);
    const first = await admin.get(`/api/audit?reportId=${id}&limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const paged = await allPages(`reportId=${id}`, 2);
    expect(paged.pages).toBe(3);
    expect(paged.items.map((e) => e.id)).toEqual(whole.body.items.map((e: Entry) => e.id));
  });
});

describe("a user's audit trail", () => {
  it('lists what one officer read, changed and exported across reports, newest first', async () => {
    const solo = await createUser(app.services, 'police', { forceId: 'sussex' });
    const c = app.client();
    await c.login(solo.email, solo.password);
    const [x, y] = [await fileReport(), await fileReport()];
    await c.get(`/api/reports/${x}`);
    await c.patch(`/api/reports/${y}`, { status: 'rejected' });
    await c.get('/api/reports/export?format=csv&priority=safeguarding');
    await officer.get(`/api/reports/${x}`);

    const { items } = await allPages(`userId=${solo.id}`, 2);
    expect(items.map((e) => [e.action, e.reportId])).toEqual([
      ['reports.export', null],
      ['report.status', y],
      ['report.read', x],
    ]);
    expect(items.every((e) => e.userId === solo.id)).toBe(true);
  });
});

describe('the whole audit log', () => {
  it('lists every entry newest first and pages back over earlier days', async () => {
    const id = await fileReport();
    await officer.get(`/api/reports/${id}`);
    await officer.patch(`/api/reports/${id}`, { status: 'triaged' });
    // An entry written three days ago, and one a year ago (beyond a month of silence: not reached).
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    const old = { id: 'a'.repeat(24), action: 'report.read', reportId: id, userId: officerId, at: threeDaysAgo, details: null };
    await appendLog(auditDayKey(threeDaysAgo), old);
    const yearAgo = new Date(Date.now() - 365 * 86_400_000);
    await appendLog(auditDayKey(yearAgo), { ...old, id: 'b'.repeat(24), at: yearAgo });

    const latest = await admin.get('/api/audit?limit=2');
    expect(latest.body.items.map((e: Entry) => e.action)).toEqual(['report.status', 'report.read']);

    const { items } = await allPages('', 3);
    expect(items.at(-1)).toMatchObject({ id: old.id, at: threeDaysAgo.toISOString(), userName: 'Officer Ada' });
    expect(items.some((e) => e.id === 'b'.repeat(24))).toBe(false);
    expect(new Set(items.map((e) => e.id)).size).toBe(items.length);
    // Days newest first (within a day, entries recorded at the same moment keep the order they were written in).
    const days = items.map((e) => e.at.slice(0, 10));
    expect(days).toEqual([...days].sort().reverse());
  });

  it('rejects a cursor it did not give with 400', async () => {
    for (const q of ['cursor=nope', 'cursor=2026-01-01_x', `reportId=${'c'.repeat(24)}&cursor=2026-01-01_0.1`]) {
      expect((await admin.get(`/api/audit?${q}`)).status, q).toBe(400);
    }
  });

  it('is for police admins only', async () => {
    expect((await officer.get('/api/audit')).status).toBe(403);
  });
});
