import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { ReportModel } from '../../server/reports/report.model';
import { normaliseReference } from '../../server/triage/search';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';
import { startTestMail, type TestMail } from '../support/mail-worker';

let app: TestApp;
let mail: TestMail;
let sussex: { c: TestClient; id: string; email: string };
let admin: { c: TestClient; id: string };
let surrey: { c: TestClient; id: string };

async function signedIn(role: 'police' | 'police_admin' | 'owner', forceId?: string, name?: string) {
  const u = await createUser(app.services, role, { ...(forceId ? { forceId } : {}), ...(name ? { name } : {}) });
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

const at = { lat: 50.8225, lng: -0.1372 }; // Brighton, Sussex
async function fileReport(address: string, contact = true) {
  const res = await app.client().post('/api/reports', {
    location: at,
    address,
    propertyType: 'S',
    indicators: [1],
    description: 'Secret-description-text about the flat',
    observedFrom: '2026-11-20T21:13:00Z',
    observedTo: '2026-11-20T23:47:00Z',
    reporterRole: 'neighbour',
    ...(contact ? { contact: { name: 'Reporter Person', email: 'reporter@example.test' } } : {}),
  });
  expect(res.status).toBe(201);
  const doc = await ReportModel.findOne({ reference: res.body.reference }).lean();
  return { id: String(doc!._id), reference: res.body.reference as string, passphrase: res.body.passphrase as string };
}

async function auditOf(reportId: string) {
  const res = await admin.c.get(`/api/audit?reportId=${reportId}&limit=200`);
  expect(res.status).toBe(200);
  return res.body.items as Array<{ action: string; userId: string; details: Record<string, unknown> | null }>;
}

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  await insertReports(generateReports(300, { seed: 5, locator: app.services.forces.locator, now: new Date() }));
  await app.services.mapIndex.build();
  mail = await startTestMail(app);
  sussex = await signedIn('police', 'sussex', 'Alex Officer');
  surrey = await signedIn('police', 'surrey');
  admin = await signedIn('police_admin');
});
afterAll(async () => {
  await mail?.stop();
  await app?.close();
  await dropTestDatabase();
});

describe('search', () => {
  it('finds a report by its reference typed with spaces and in any case', async () => {
    const r = await fileReport('14 Lavender Street, Brighton');
    const typed = r.reference.toLowerCase().replace(/-/g, ' ');
    const res = await sussex.c.get(`/api/reports/search?q=${encodeURIComponent(typed)}`);
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({ id: r.id, reference: r.reference, matchedBy: 'reference' });
    expect(normaliseReference(r.reference.slice(3))).toBe(r.reference);
  });

  it('finds reports by address words, each a word prefix, and says so', async () => {
    const a = await fileReport('7 Quixotic Mews, Hove');
    const b = await fileReport('9 Quixotic Mews, Hove');
    await fileReport('7 Other Road, Hove');
    const res = await sussex.c.get('/api/reports/search?q=quixo%20mews');
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { id: string }) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect(res.body.items.every((i: { matchedBy: string }) => i.matchedBy === 'address')).toBe(true);
    const one = await sussex.c.get('/api/reports/search?q=7%20QUIXOTIC');
    expect(one.body.items.map((i: { id: string }) => i.id)).toEqual([a.id]);
  });

  it('shows an officer of another force nothing of this force, by reference or address', async () => {
    const r = await fileReport('3 Zephyrine Close, Brighton');
    for (const q of [r.reference, 'zephyrine']) {
      const res = await surrey.c.get(`/api/reports/search?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([]);
    }
    const asAdmin = await admin.c.get(`/api/reports/search?q=${encodeURIComponent(r.reference)}`);
    expect(asAdmin.body.items.map((i: { id: string }) => i.id)).toEqual([r.id]);
  });

  it('refuses owners and a query of one character', async () => {
    const owner = await signedIn('owner');
    expect((await owner.c.get('/api/reports/search?q=abc')).status).toBe(403);
    expect((await sussex.c.get('/api/reports/search?q=a')).status).toBe(400);
  });
});

describe('priority', () => {
  it('changes priority only with a reason, and audits both', async () => {
    const r = await fileReport('21 Priority Row, Brighton');
    const bare = await sussex.c.patch(`/api/reports/${r.id}`, { priority: 'safeguarding' });
    expect(bare.status).toBe(400);
    const res = await sussex.c.patch(`/api/reports/${r.id}`, {
      priority: 'safeguarding',
      priorityReason: 'Neighbour saw a child at night',
    });
    expect(res.status).toBe(200);
    expect(res.body.priority).toBe('safeguarding');
    const audit = await auditOf(r.id);
    expect(audit.find((e) => e.action === 'report.priority')).toMatchObject({
      userId: sussex.id,
      details: { from: 'standard', to: 'safeguarding', reason: 'Neighbour saw a child at night' },
    });
    // The queue (read from the in-memory index) shows the new priority.
    const queue = await sussex.c.get('/api/reports?priority=safeguarding&q=priority%20row');
    expect(queue.body.items.map((i: { id: string }) => i.id)).toEqual([r.id]);
  });
});

describe('assignment', () => {
  it('lists the officers of the force and assigns a report to another of them (audited)', async () => {
    const colleague = await signedIn('police', 'sussex', 'Blake Colleague');
    const officers = await sussex.c.get('/api/officers');
    expect(officers.status).toBe(200);
    const ids = officers.body.items.map((o: { id: string }) => o.id);
    expect(ids).toEqual(expect.arrayContaining([sussex.id, colleague.id]));
    expect(ids).not.toContain(surrey.id);
    expect(ids).not.toContain(admin.id);

    const r = await fileReport('5 Assign Lane, Brighton');
    const res = await sussex.c.patch(`/api/reports/${r.id}`, { assignTo: colleague.id });
    expect(res.status).toBe(200);
    expect(res.body.assignedTo).toEqual({ id: colleague.id, name: 'Blake Colleague' });
    expect((await auditOf(r.id)).find((e) => e.action === 'report.assign')).toMatchObject({
      userId: sussex.id,
      details: { to: colleague.id },
    });
  });

  it('refuses to assign to an officer of another force', async () => {
    const r = await fileReport('6 Assign Lane, Brighton');
    const res = await sussex.c.patch(`/api/reports/${r.id}`, { assignTo: surrey.id });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.assignTo');
  });
});

describe('new information from the reporter', () => {
  it('marks the report unread in the queue, emails the assigned officer only a link, and clears on opening', async () => {
    const r = await fileReport('8 Unread Terrace, Brighton');
    const colleague = await signedIn('police', 'sussex', 'Casey Assignee');
    expect((await sussex.c.patch(`/api/reports/${r.id}`, { assignTo: colleague.id })).status).toBe(200);
    await mail.reset();

    const add = await app.client().post('/api/reports/follow-up/addendum', {
      reference: r.reference,
      passphrase: r.passphrase,
      text: 'Secret-addendum-text: more people arrived',
    });
    expect(add.status).toBe(200);
    const queued = await sussex.c.get('/api/reports?q=unread%20terrace');
    expect(queued.body.items[0]).toMatchObject({ id: r.id, unread: true });

    await mail.worker.drain();
    const mails = mail.smtp.messages.filter((m) => m.to.includes(colleague.email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(`/police?report=${r.id}`);
    for (const secret of ['Secret-addendum-text', 'Secret-description-text', r.reference, 'Unread Terrace']) {
      expect(mails[0]!.text).not.toContain(secret);
      expect(mails[0]!.html).not.toContain(secret);
      expect(mails[0]!.subject).not.toContain(secret);
    }

    // A second addendum before the officer opens it: still unread, no second email.
    await app
      .client()
      .post('/api/reports/follow-up/addendum', { reference: r.reference, passphrase: r.passphrase, text: 'More' });
    // Another officer opening it leaves it unread; the assigned officer opening it clears it.
    expect((await sussex.c.get(`/api/reports/${r.id}`)).body.unread).toBe(true);
    expect((await colleague.c.get(`/api/reports/${r.id}`)).body.unread).toBe(false);
    const after = await sussex.c.get('/api/reports?q=unread%20terrace');
    expect(after.body.items[0]).toMatchObject({ id: r.id, unread: false });
    await mail.worker.drain();
    expect(mail.smtp.messages.filter((m) => m.to.includes(colleague.email))).toHaveLength(1);
  });
});

describe('replies to police questions', () => {
  it('shows police which question each reply answers, and information added on its own as answering none', async () => {
    const r = await fileReport('4 Reply Gardens, Brighton');
    await sussex.c.patch(`/api/reports/${r.id}`, { question: 'How many people did you see?' });
    await sussex.c.patch(`/api/reports/${r.id}`, { question: 'Was there a car outside?' });
    const follow = { reference: r.reference, passphrase: r.passphrase };
    for (const body of [
      { text: 'A silver hatchback', answers: 1 },
      { text: 'Loud music after midnight' },
      { text: 'About six', answers: 0 },
    ]) {
      expect((await app.client().post('/api/reports/follow-up/addendum', { ...follow, ...body })).status).toBe(200);
    }
    const detail = await sussex.c.get(`/api/reports/${r.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.addenda.map((a: { text: string; answers: number | null }) => [a.text, a.answers])).toEqual([
      ['A silver hatchback', 1],
      ['Loud music after midnight', null],
      ['About six', 0],
    ]);
  });
});

describe('police alert subscriptions', () => {
  it('are confirmed at once for staff, with no email, while owners still confirm by email', async () => {
    await mail.reset();
    const ring = [
      { lat: 50.8, lng: -0.16 },
      { lat: 50.8, lng: -0.12 },
      { lat: 50.84, lng: -0.12 },
      { lat: 50.84, lng: -0.16 },
    ];
    const res = await sussex.c.post('/api/subscriptions', { kind: 'area', polygon: ring, mode: 'instant' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('confirmed');
    const owner = await signedIn('owner');
    const own = await owner.c.post('/api/subscriptions', { kind: 'area', polygon: ring, mode: 'instant' });
    expect(own.status).toBe(201);
    expect(own.body.status).toBe('pending');
    await mail.worker.drain();
    expect(mail.smtp.messages.filter((m) => m.to.includes(sussex.email))).toHaveLength(0);
    expect(mail.smtp.messages.filter((m) => m.to.includes(owner.email)).map((m) => m.subject)).toEqual([
      'Confirm your StayWatch alert',
    ]);
    // The officer's area is live at once: a report inside it reaches them.
    await fileReport('1 Live Alert Street, Brighton');
    await mail.worker.drain();
    expect(mail.smtp.messages.filter((m) => m.to.includes(sussex.email)).length).toBeGreaterThan(0);
  });
});
