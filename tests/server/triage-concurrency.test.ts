import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Report, ReportModel } from '../../server/reports/report.model';
import { STATUS_TRANSITIONS } from '../../shared/schemas/police';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

/**
 * Police changes and reporter addenda that hit one report at the same moment. On FerretDB every update is
 * read-then-write-whole-document, so these catch lost updates that a conditional filter cannot prevent.
 */

let app: TestApp;
let officers: TestClient[];
let admin: TestClient;
type Doc = Report & { _id: Types.ObjectId };

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

async function fileReport() {
  const res = await app.client().post('/api/reports', {
    location: BRIGHTON,
    propertyType: 'S',
    indicators: [1, 7],
    observedFrom: hoursAgo(30),
    observedTo: hoursAgo(2),
    reporterRole: 'neighbour',
  });
  expect(res.status).toBe(201);
  const doc = (await ReportModel.findOne({ reference: res.body.reference }).lean<Doc>())!;
  return { id: doc._id.toString(), reference: res.body.reference as string, passphrase: res.body.passphrase as string };
}

const stored = async (id: string) => (await ReportModel.findById(id).lean<Doc>())!;

async function auditActions(reportId: string): Promise<string[]> {
  const res = await admin.get(`/api/audit?reportId=${reportId}&limit=200`);
  expect(res.status).toBe(200);
  return res.body.items.map((e: { action: string }) => e.action);
}

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  officers = [];
  for (let i = 0; i < 3; i++) {
    const u = await createUser(app.services, 'police', { forceId: 'sussex' });
    const c = app.client();
    await c.login(u.email, u.password);
    officers.push(c);
  }
  const a = await createUser(app.services, 'police_admin');
  admin = app.client();
  await admin.login(a.email, a.password);
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

describe('two officers changing one report at once', () => {
  it('lets one win and gives the other a 409 or a re-checked result, never losing a history entry', async () => {
    for (let round = 0; round < 6; round++) {
      const { id } = await fileReport();
      const [a, b] = await Promise.all([
        officers[0]!.patch(`/api/reports/${id}`, { status: 'triaged' }),
        officers[1]!.patch(`/api/reports/${id}`, { status: 'rejected' }),
      ]);
      for (const res of [a, b]) expect([200, 409]).toContain(res.status);
      const applied = [a, b].filter((r) => r.status === 200).length;
      expect(applied).toBeGreaterThanOrEqual(1);
      const doc = await stored(id);
      // Every answered change is in the history, in an order the transitions allow.
      expect(doc.statusHistory).toHaveLength(1 + applied);
      expect(doc.status).toBe(doc.statusHistory.at(-1)!.status);
      for (let i = 1; i < doc.statusHistory.length; i++) {
        const [from, to] = [doc.statusHistory[i - 1]!.status, doc.statusHistory[i]!.status];
        expect(STATUS_TRANSITIONS[from] as readonly string[], `${from} → ${to}`).toContain(to);
      }
      expect((await auditActions(id)).filter((x) => x === 'report.status')).toHaveLength(applied);
    }
  });

  it('keeps every note when several officers write one at the same moment', async () => {
    const { id } = await fileReport();
    const results = await Promise.all(
      officers.flatMap((o, i) => [0, 1].map((k) => o.patch(`/api/reports/${id}`, { note: `note ${i}.${k}` }))),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    const notes = (await stored(id)).notes.map((n) => n.text).sort();
    expect(notes).toEqual(['note 0.0', 'note 0.1', 'note 1.0', 'note 1.1', 'note 2.0', 'note 2.1']);
    expect((await auditActions(id)).filter((x) => x === 'report.note')).toHaveLength(6);
  });

  it('links two reports to a third at once and keeps both links on every side', async () => {
    const [a, b, c] = [await fileReport(), await fileReport(), await fileReport()];
    const [ra, rb] = await Promise.all([
      officers[0]!.patch(`/api/reports/${a.id}`, { link: c.id }),
      officers[1]!.patch(`/api/reports/${b.id}`, { link: c.id }),
    ]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect((await stored(c.id)).linkedReportIds.map(String).sort()).toEqual([a.id, b.id].sort());
    expect((await stored(a.id)).linkedReportIds.map(String)).toEqual([c.id]);
    expect((await stored(b.id)).linkedReportIds.map(String)).toEqual([c.id]);
  });
});

describe('a reporter adding information while police work on the report', () => {
  it('keeps both the addendum and the police note when they arrive together', async () => {
    const { id, reference, passphrase } = await fileReport();
    for (let i = 0; i < 5; i++) {
      const [addendum, note] = await Promise.all([
        app.client().post('/api/reports/follow-up/addendum', { reference, passphrase, text: `addendum ${i}` }),
        officers[i % 3]!.patch(`/api/reports/${id}`, { note: `note ${i}` }),
      ]);
      expect(addendum.status).toBe(200);
      expect(note.status).toBe(200);
    }
    const doc = await stored(id);
    expect(doc.addenda.map((a) => a.text)).toEqual([0, 1, 2, 3, 4].map((i) => `addendum ${i}`));
    expect(doc.notes.map((n) => n.text)).toEqual([0, 1, 2, 3, 4].map((i) => `note ${i}`));
  });

  it('keeps every addendum when a reporter sends several at once', async () => {
    const { id, reference, passphrase } = await fileReport();
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => app.client().post('/api/reports/follow-up/addendum', { reference, passphrase, text: `more ${i}` })),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await stored(id)).addenda.map((a) => a.text).sort()).toEqual(['more 0', 'more 1', 'more 2', 'more 3']);
  });
});
