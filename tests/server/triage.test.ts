import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import type { AppEvents } from '../../server/events';
import { type Report, ReportModel } from '../../server/reports/report.model';
import { listAudit } from '../../server/triage/audit-log';
import { EXPORT_COLUMNS, type ReportSummary } from '../../shared/schemas/police';
import { ukMonthKey } from '../../shared/time';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { parseCsv } from '../support/csv';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

let app: TestApp;
let sussex: TestClient;
let sussexUser: { id: string };
let surrey: TestClient;
let admin: TestClient;
let owner: TestClient;
let host: TestClient;
let anonymous: TestClient;
type Doc = Report & { _id: Types.ObjectId };
let all: Doc[];

async function signedIn(role: 'police' | 'police_admin' | 'owner' | 'host', forceId?: string) {
  const u = await createUser(app.services, role, forceId ? { forceId } : {});
  const c = app.client();
  await c.login(u.email, u.password);
  return { c, u };
}

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  await insertReports(generateReports(400, { seed: 11, locator: app.services.forces.locator, now: new Date() }));
  await app.services.mapIndex.build();
  all = await ReportModel.find({}).lean<Doc[]>();
  const s = await signedIn('police', 'sussex');
  sussex = s.c;
  sussexUser = s.u;
  surrey = (await signedIn('police', 'surrey')).c;
  admin = (await signedIn('police_admin')).c;
  owner = (await signedIn('owner')).c;
  host = (await signedIn('host')).c;
  anonymous = app.client();
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const ofForce = (f: string) => all.filter((r) => r.forceId === f);
/** A report's audit trail as the police admin sees it, newest first. */
async function auditOf(reportId: string): Promise<Array<{ action: string; userId: string }>> {
  const res = await admin.get(`/api/audit?reportId=${reportId}&limit=200`);
  expect(res.status).toBe(200);
  return res.body.items;
}
const fresh = async (id: string) => (await ReportModel.findById(id).lean<Doc>())!;
/** A Sussex report in a given status, not used by another test yet. */
const used = new Set<string>();
function pick(status: string | null, forceId = 'sussex'): string {
  const r = all.find((x) => x.forceId === forceId && (status === null || x.status === status) && !used.has(x._id.toString()));
  if (!r) throw new Error(`no ${status} report left`);
  used.add(r._id.toString());
  return r._id.toString();
}

describe('access to police routes', () => {
  it('denies anonymous users with 401 and owners and hosts with 403 on every police route', async () => {
    const id = pick('new');
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/reports'],
      ['GET', `/api/reports/${id}`],
      ['PATCH', `/api/reports/${id}`, { note: 'x' }],
      ['GET', '/api/reports/export?format=csv'],
      ['GET', '/api/audit'],
      ['GET', '/api/map/clusters?zoom=8'],
      ['GET', '/api/map/heat'],
      ['GET', '/api/map/hotspots'],
      ['GET', '/api/map/repeats'],
      ['GET', '/api/map/timeline'],
    ];
    for (const [method, path, json] of routes) {
      const res = await anonymous.request(method, path, json === undefined ? {} : { json });
      expect(res.status, `${method} ${path} anonymous`).toBe(401);
      for (const [who, c] of [
        ['owner', owner],
        ['host', host],
      ] as const) {
        const r = await c.request(method, path, json === undefined ? {} : { json });
        expect(r.status, `${method} ${path} ${who}`).toBe(403);
      }
    }
    expect((await sussex.get('/api/audit')).status).toBe(403);
    expect(await fresh(id)).toMatchObject({ notes: [] });
  });

  it("hides another force's report from an officer with 404 on read and change", async () => {
    const id = pick('new', 'surrey');
    expect((await sussex.get(`/api/reports/${id}`)).status).toBe(404);
    expect((await sussex.patch(`/api/reports/${id}`, { status: 'triaged' })).status).toBe(404);
    expect((await surrey.get(`/api/reports/${id}`)).status).toBe(200);
    expect((await fresh(id)).status).toBe('new');
  });

  it("lists only the officer's own force, and every force for a police admin", async () => {
    const mine = await sussex.get('/api/reports?limit=200');
    expect(mine.status).toBe(200);
    expect(mine.body.total).toBe(ofForce('sussex').length);
    expect(mine.body.items.every((r: ReportSummary) => r.forceId === 'sussex')).toBe(true);
    expect((await admin.get('/api/reports?limit=1')).body.total).toBe(all.length);
    expect((await admin.get('/api/reports?limit=1&force=surrey')).body.total).toBe(ofForce('surrey').length);
    // An officer cannot widen the scope with force=.
    expect((await sussex.get('/api/reports?limit=1&force=surrey')).body.total).toBe(ofForce('sussex').length);
  });
});

describe('the triage queue', () => {
  it('pages through every matching report once, safeguarding first and newest first', async () => {
    const seen: ReportSummary[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: ReportSummary[]; nextCursor: string | null } } = await sussex.get(
        `/api/reports?limit=37${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen.map((r) => r.id)).size).toBe(ofForce('sussex').length);
    expect(seen.length).toBe(ofForce('sussex').length);
    const firstStandard = seen.findIndex((r) => r.priority === 'standard');
    expect(seen.slice(firstStandard).every((r) => r.priority === 'standard')).toBe(true);
    for (let i = 1; i < seen.length; i++) {
      if (seen[i]!.priority === seen[i - 1]!.priority)
        expect(Date.parse(seen[i]!.createdAt)).toBeLessThanOrEqual(Date.parse(seen[i - 1]!.createdAt));
    }
    expect(seen[0]).not.toHaveProperty('description');
    expect(seen[0]).not.toHaveProperty('passphraseHash');
  });

  it('applies every filter the same way the database would', async () => {
    const from = new Date(Date.now() - 60 * 86_400_000);
    const to = new Date(Date.now() - 10 * 86_400_000);
    const cases: Array<[string, (r: Doc) => boolean]> = [
      ['indicators=3,7', (r) => r.indicators.includes(3) || r.indicators.includes(7)],
      ['types=H,S', (r) => ['H', 'S'].includes(r.propertyType)],
      ['statuses=new,triaged', (r) => ['new', 'triaged'].includes(r.status)],
      ['priority=safeguarding', (r) => r.priority === 'safeguarding'],
      ['q=ROAD', (r) => (r.address ?? '').toLowerCase().includes('road')],
      ['bbox=-0.5,50.7,0.2,51.0', (r) => r.lng >= -0.5 && r.lng <= 0.2 && r.lat >= 50.7 && r.lat <= 51.0],
      [
        `from=${from.toISOString()}&to=${to.toISOString()}`,
        (r) => r.observedFrom.getTime() <= to.getTime() && r.observedTo.getTime() >= from.getTime(),
      ],
      [
        'types=S&priority=standard&statuses=closed,actioned',
        (r) => r.propertyType === 'S' && r.priority === 'standard' && ['closed', 'actioned'].includes(r.status),
      ],
    ];
    for (const [qs, pred] of cases) {
      // Live statuses: compare against the database as it is now.
      const now = await ReportModel.find({ forceId: 'sussex' }).lean<Doc[]>();
      const expected = now.filter(pred).length;
      const res = await sussex.get(`/api/reports?${qs}&limit=1`);
      expect(res.status, qs).toBe(200);
      expect(res.body.total, qs).toBe(expected);
    }
    expect(ofForce('sussex').some((r) => (r.address ?? '').toLowerCase().includes('road'))).toBe(true);
  });

  it('shows in the queue the same summary as the detail, including assignment and release', async () => {
    const id = pick('triaged');
    await sussex.patch(`/api/reports/${id}`, { assignTo: sussexUser.id, ownerAlert: 'released' });
    const detail = (await sussex.get(`/api/reports/${id}`)).body;
    const doc = await fresh(id);
    const list = await sussex.get(`/api/reports?limit=200&q=${encodeURIComponent(doc.address ?? '')}&statuses=triaged`);
    const item = list.body.items.find((r: ReportSummary) => r.id === id);
    const { id: _id, ...summaryKeys } = item;
    for (const k of Object.keys(summaryKeys)) expect(item[k], k).toEqual(detail[k]);
    expect(item.assignedTo).toEqual({ id: sussexUser.id, name: expect.any(String) });
    expect(item.ownerAlert).toBe('released');
  });

  it('rejects malformed filters with 400', async () => {
    for (const qs of [
      'bbox=1,2,3',
      'indicators=99',
      'types=X',
      'statuses=open',
      'from=yesterday',
      'limit=0',
      'cursor=nope',
      'unknown=1',
    ]) {
      expect((await sussex.get(`/api/reports?${qs}`)).status, qs).toBe(400);
    }
  });
});

describe('report detail and audit', () => {
  it('shows the full report and writes an audit entry for every read', async () => {
    const id = pick('new');
    const before = (await auditOf(id)).length;
    const res = await sussex.get(`/api/reports/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'new', allowedTransitions: ['triaged', 'rejected'] });
    expect(res.body).toHaveProperty('description');
    expect(res.body).not.toHaveProperty('passphraseHash');
    await sussex.get(`/api/reports/${id}`);
    const entries = await auditOf(id);
    expect(entries.length).toBe(before + 2);
    expect(entries.every((e) => e.action === 'report.read' && e.userId === sussexUser.id)).toBe(true);
    const third = await sussex.get(`/api/reports/${id}`);
    expect(third.body.audit.length).toBeGreaterThanOrEqual(2);
    expect(third.body.audit[0].by.id).toBe(sussexUser.id);
  });

  it('lets a police admin query the audit log by report and by user, page by page', async () => {
    const id = pick('new');
    for (let i = 0; i < 3; i++) await sussex.get(`/api/reports/${id}`);
    const byReport = await admin.get(`/api/audit?reportId=${id}&limit=2`);
    expect(byReport.status).toBe(200);
    expect(byReport.body.items).toHaveLength(2);
    expect(byReport.body.items[0]).toMatchObject({ action: 'report.read', reportId: id, userId: sussexUser.id });
    expect(byReport.body.items[0].userName).toMatch(/Test police/);
    const next = await admin.get(`/api/audit?reportId=${id}&limit=2&cursor=${byReport.body.nextCursor}`);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.nextCursor).toBeNull();
    const byUser = await admin.get(`/api/audit?userId=${sussexUser.id}&limit=200`);
    expect(byUser.body.items.every((e: { userId: string }) => e.userId === sussexUser.id)).toBe(true);
  });
});

describe('changing a report', () => {
  it('follows the allowed status transitions and records who made each change', async () => {
    const id = pick('new');
    const events: Array<AppEvents['report.updated']> = [];
    app.services.events.on('report.updated', (e) => {
      events.push(e);
    });
    const triaged = await sussex.patch(`/api/reports/${id}`, { status: 'triaged', statusNote: 'Looks credible' });
    expect(triaged.status).toBe(200);
    expect(triaged.body.status).toBe('triaged');
    expect(triaged.body.statusHistory.at(-1)).toMatchObject({
      status: 'triaged',
      note: 'Looks credible',
      by: { id: sussexUser.id },
    });
    expect(triaged.body.allowedTransitions).toEqual(['under_investigation', 'actioned', 'closed', 'rejected']);
    expect(
      events.some((e) => e.report._id.toString() === id && e.changes.includes('status') && e.byUserId === sussexUser.id),
    ).toBe(true);
    for (const [status, code] of [
      ['new', 409],
      ['under_investigation', 200],
      ['triaged', 409],
      ['actioned', 200],
      ['under_investigation', 409],
      ['closed', 200],
      ['actioned', 409],
      ['triaged', 200],
      ['rejected', 200],
      ['triaged', 200],
    ] as const) {
      const res = await sussex.patch(`/api/reports/${id}`, { status });
      expect(res.status, `→ ${status}`).toBe(code);
      if (code === 409) expect(res.body.error.code).toBe('conflict');
    }
    const doc = await fresh(id);
    expect(doc.status).toBe('triaged');
    const actions = (await auditOf(id)).filter((a) => a.action === 'report.status').length;
    expect(actions).toBe(7);
  });

  it('assigns, notes, asks a question and releases the owner alert, auditing each', async () => {
    const id = pick('triaged');
    const before = (await fresh(id)).updatedAt;
    const res = await sussex.patch(`/api/reports/${id}`, {
      assignTo: sussexUser.id,
      note: 'Visited, curtains shut',
      question: 'Which door did they use?',
      ownerAlert: 'released',
    });
    expect(res.status).toBe(200);
    expect(res.body.assignedTo).toEqual({ id: sussexUser.id, name: expect.stringMatching(/Test police/) });
    expect(res.body.notes.at(-1)).toMatchObject({ text: 'Visited, curtains shut', by: { id: sussexUser.id } });
    expect(res.body.questions.at(-1)).toMatchObject({ text: 'Which door did they use?' });
    expect(res.body.ownerAlert).toBe('released');
    const doc = await fresh(id);
    expect(doc.releasedAt).toBeInstanceOf(Date);
    expect(doc.updatedAt.getTime()).toBeGreaterThan(before.getTime());
    const actions = (await auditOf(id)).map((a) => a.action).sort();
    expect(actions).toEqual(['report.assign', 'report.note', 'report.question', 'report.release']);
    const withheld = await sussex.patch(`/api/reports/${id}`, { ownerAlert: 'withheld' });
    expect(withheld.body.ownerAlert).toBe('withheld');
    expect((await fresh(id)).releasedAt).toBeNull();
  });

  it('refuses to assign an officer of another force or a non-police user', async () => {
    const id = pick('triaged');
    const other = await createUser(app.services, 'police', { forceId: 'surrey' });
    const ownerUser = await createUser(app.services, 'owner');
    expect((await sussex.patch(`/api/reports/${id}`, { assignTo: other.id })).status).toBe(400);
    expect((await sussex.patch(`/api/reports/${id}`, { assignTo: ownerUser.id })).status).toBe(400);
    expect((await sussex.patch(`/api/reports/${id}`, { assignTo: null })).status).toBe(200);
  });

  it('links and unlinks reports symmetrically, within one force only', async () => {
    const a = pick('new');
    const b = pick('new');
    // Any Surrey report: the generated few of another force may all be past 'new' by the time of day the test runs.
    const far = pick(null, 'surrey');
    const linked = await sussex.patch(`/api/reports/${a}`, { link: b });
    expect(linked.status).toBe(200);
    expect(linked.body.linkedReports.map((l: { id: string }) => l.id)).toEqual([b]);
    expect((await fresh(b)).linkedReportIds.map(String)).toEqual([a]);
    expect((await sussex.patch(`/api/reports/${a}`, { link: far })).status).toBe(404);
    expect((await sussex.patch(`/api/reports/${a}`, { link: a })).status).toBe(400);
    const unlinked = await sussex.patch(`/api/reports/${b}`, { unlink: a });
    expect(unlinked.body.linkedReports).toEqual([]);
    expect((await fresh(a)).linkedReportIds).toEqual([]);
  });

  it('rejects unknown fields in a change', async () => {
    const id = pick('new');
    const res = await sussex.patch(`/api/reports/${id}`, { status: 'triaged', priority: 'standard' });
    expect(res.status).toBe(400);
    expect((await fresh(id)).status).toBe('new');
  });
});

describe('exports', () => {
  const qs = 'types=S,H&indicators=1,2,9,13';

  it('exports as CSV exactly the reports the list gives, with police.uk-like columns', async () => {
    const list = await sussex.get(`/api/reports?${qs}&limit=1`);
    const res = await sussex.get(`/api/reports/export?format=csv&${qs}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename=".*\.csv"/);
    expect(Number(res.headers.get('x-total-count'))).toBe(list.body.total);
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([...EXPORT_COLUMNS]);
    const body = rows.slice(1);
    expect(body).toHaveLength(list.body.total);
    const byRef = new Map(ofForce('sussex').map((r) => [r.reference, r]));
    for (const row of body) {
      const r = byRef.get(row[0]!)!;
      expect(r).toBeDefined();
      expect(['S', 'H']).toContain(r.propertyType);
      expect(Number(row[4])).toBe(r.lng);
      expect(Number(row[5])).toBe(r.lat);
      expect(row[1]).toBe(ukMonthKey(r.observedFrom.getTime()));
      expect(row[3]).toBe('Sussex Police');
      expect(row[6]).toBe(r.address ?? '');
    }
    expect(new Set(body.map((r) => r[0])).size).toBe(body.length);
  });

  it('exports as GeoJSON the same reports, as Points with the same properties', async () => {
    const csv = parseCsv((await sussex.get(`/api/reports/export?format=csv&${qs}`)).text).slice(1);
    const res = await sussex.get(`/api/reports/export?format=geojson&${qs}`);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('FeatureCollection');
    expect(res.body.features).toHaveLength(csv.length);
    const refs = res.body.features.map((f: { properties: { ID: string } }) => f.properties.ID);
    expect(refs).toEqual(csv.map((r) => r[0]));
    const f = res.body.features[0];
    expect(f.geometry.type).toBe('Point');
    const doc = ofForce('sussex').find((r) => r.reference === f.properties.ID)!;
    expect(f.geometry.coordinates).toEqual([doc.lng, doc.lat]);
    expect(f.properties.id).toBe(doc._id.toString());
  });

  it('records every export in the audit log', async () => {
    await sussex.get('/api/reports/export?format=csv&priority=safeguarding');
    const [last] = (await listAudit({ userId: sussexUser.id, limit: 1 })).items;
    expect(last).toMatchObject({ action: 'reports.export', reportId: null, details: { format: 'csv' } });
  });
});
