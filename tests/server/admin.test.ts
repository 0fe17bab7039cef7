import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, auditEntry } from '../../server/triage/audit-log';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';
import { startTestMail, type TestMail } from '../support/mail-worker';

let app: TestApp;
let mail: TestMail;
let admin: TestClient;
let adminId: string;

const NEW_PASSWORD = 'lantern-orchard-velvet-42';

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  mail = await startTestMail(app, { from: 'StayWatch <accounts@staywatch.test>' });
  const a = await createUser(app.services, 'police_admin', { name: 'Ada Admin' });
  adminId = a.id;
  admin = app.client();
  expect((await admin.login(a.email, a.password)).status).toBe(200);
});
afterAll(async () => {
  await mail?.stop();
  await app?.close();
  await dropTestDatabase();
});

async function signedIn(email: string, password: string): Promise<TestClient> {
  const c = app.client();
  expect((await c.login(email, password)).status).toBe(200);
  return c;
}

async function resetLink(userId: string): Promise<{ url: string; token: string }> {
  const res = await admin.post(`/api/users/${userId}/password-reset`);
  expect(res.status, res.text).toBe(201);
  return { url: res.body.url, token: new URL(res.body.url).searchParams.get('token')! };
}

const useLink = (token: string, password = NEW_PASSWORD) => app.client().post('/api/auth/password-reset', { token, password });

describe('people, for a police admin', () => {
  it('creates an officer, moves them to another force, makes them an admin and back', async () => {
    const created = await admin.post('/api/users', {
      email: 'new.officer@force.test',
      password: 'a-sturdy-passphrase-77',
      name: 'New Officer',
      role: 'police',
      forceId: 'sussex',
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    expect((await admin.patch(`/api/users/${id}`, { forceId: 'surrey' })).body).toMatchObject({ forceId: 'surrey' });
    expect((await admin.patch(`/api/users/${id}`, { role: 'police_admin' })).body).toMatchObject({
      role: 'police_admin',
      forceId: null,
    });
    const noForce = await admin.patch(`/api/users/${id}`, { role: 'police' });
    expect(noForce.status).toBe(400);
    expect(noForce.body.error.details[0].path).toBe('body.forceId');
    expect((await admin.patch(`/api/users/${id}`, { role: 'police', forceId: 'atlantis' })).status).toBe(400);
    expect((await admin.patch(`/api/users/${id}`, { role: 'police', forceId: 'sussex' })).body).toMatchObject({
      role: 'police',
      forceId: 'sussex',
    });
    const listed = (await admin.get('/api/users')).body.users.find((u: { id: string }) => u.id === id);
    expect(listed).toMatchObject({ role: 'police', forceId: 'sussex', disabled: false });
  });

  it('disables an account: its sessions end at once and it cannot sign in until re-enabled', async () => {
    const pc = await createUser(app.services, 'police');
    const c = await signedIn(pc.email, pc.password);
    expect((await c.get('/api/reports')).status).toBe(200);
    expect((await admin.patch(`/api/users/${pc.id}`, { disabled: true })).body.disabled).toBe(true);
    expect((await c.get('/api/reports')).status).toBe(401);
    expect((await app.client().login(pc.email, pc.password)).status).toBe(401);
    await admin.patch(`/api/users/${pc.id}`, { disabled: false });
    expect((await app.client().login(pc.email, pc.password)).status).toBe(200);
  });

  it('does not let an admin disable or demote themselves, nor change an owner account', async () => {
    expect((await admin.patch(`/api/users/${adminId}`, { disabled: true })).status).toBe(409);
    expect((await admin.patch(`/api/users/${adminId}`, { role: 'police', forceId: 'sussex' })).status).toBe(409);
    const owner = await createUser(app.services, 'owner');
    expect((await admin.patch(`/api/users/${owner.id}`, { disabled: true })).status).toBe(404);
    expect((await admin.patch(`/api/users/${adminId}`, {})).status).toBe(400);
  });
});

describe('a password reset link', () => {
  it('is emailed to the user and shown to the admin, and contains no password', async () => {
    await mail.reset();
    const pc = await createUser(app.services, 'police');
    const { url } = await resetLink(pc.id);
    expect(url).toMatch(/\/reset-password\?token=[\w-]{40,}$/);
    await mail.worker.drain();
    const [message, ...more] = mail.smtp.to(pc.email);
    expect(more).toHaveLength(0);
    expect(message!.subject).toMatch(/new StayWatch password/);
    expect(message!.text).toContain(url);
    expect(message!.text).not.toContain(pc.password);
  });

  it('sets a new password under the policy, once, and ends every session of the account', async () => {
    const pc = await createUser(app.services, 'police');
    const c = await signedIn(pc.email, pc.password);
    const { token } = await resetLink(pc.id);
    const weak = await useLink(token, 'password1234');
    expect(weak.status).toBe(400);
    expect(weak.body.error.details[0].path).toBe('body.password');
    expect((await useLink(token)).status).toBe(200);
    expect((await c.get('/api/auth/me')).status).toBe(401);
    expect((await app.client().login(pc.email, pc.password)).status).toBe(401);
    expect((await app.client().login(pc.email, NEW_PASSWORD)).status).toBe(200);
    const again = await useLink(token, 'another-lantern-orchard-43');
    expect(again.status).toBe(400);
    expect(again.body.error.details[0].path).toBe('body.token');
  });

  it('no longer works once it has expired, or once a newer link was made', async () => {
    const pc = await createUser(app.services, 'police');
    const first = await resetLink(pc.id);
    const second = await resetLink(pc.id);
    expect((await useLink(first.token)).status).toBe(400);
    const hash = createHash('sha256').update(second.token).digest('hex');
    await mongoose.connection
      .collection<{ _id: string }>('passwordresets')
      .updateOne({ _id: hash }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await useLink(second.token)).status).toBe(400);
    expect((await app.client().login(pc.email, pc.password)).status).toBe(200);
  });

  it('is refused for an unknown token and a disabled account', async () => {
    expect((await useLink('x'.repeat(43))).status).toBe(400);
    const pc = await createUser(app.services, 'police');
    const { token } = await resetLink(pc.id);
    await admin.patch(`/api/users/${pc.id}`, { disabled: true });
    expect((await useLink(token)).status).toBe(400);
  });
});

describe('the audit trail', () => {
  const day = (d: string, hour = 12) => new Date(`${d}T${String(hour).padStart(2, '0')}:00:00Z`);
  const officer = new mongoose.Types.ObjectId().toHexString();
  const other = new mongoose.Types.ObjectId().toHexString();
  const report = new mongoose.Types.ObjectId().toHexString();
  // Computed once: the entries and the filters name the same days even if the run crosses midnight.
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    await appendAudit([
      auditEntry('report.read', report, officer, null, day(yesterday, 9)),
      auditEntry('report.status', report, officer, { from: 'new', to: '=HYPERLINK("http://x")' }, day(yesterday, 10)),
      auditEntry('report.read', report, other, null, day(today, 0)),
      auditEntry('reports.export', null, officer, { format: 'csv' }, day(today, 0)),
    ]);
  });

  const actions = async (query: string) => {
    const res = await admin.get(`/api/audit?${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body.items.map(
      (e: { action: string; userId: string }) => `${e.action}:${e.userId === officer ? 'officer' : 'other'}`,
    );
  };

  it('filters by person, report, action and day', async () => {
    expect(await actions(`userId=${officer}`)).toEqual([
      'reports.export:officer',
      'report.status:officer',
      'report.read:officer',
    ]);
    expect(await actions(`reportId=${report}&userId=${other}`)).toEqual(['report.read:other']);
    expect(await actions(`userId=${officer}&action=report`)).toEqual(['report.status:officer', 'report.read:officer']);
    expect(await actions(`reportId=${report}&from=${yesterday}&to=${yesterday}`)).toEqual([
      'report.status:officer',
      'report.read:officer',
    ]);
    const days = await actions(`from=${yesterday}&to=${yesterday}&action=report.status`);
    expect(days).toEqual(['report.status:officer']);
  });

  it('exports the filtered trail as CSV with formulas made harmless, and audits the export', async () => {
    const res = await admin.request('GET', `/api/audit/export?reportId=${report}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const [header, ...lines] = res.text.trim().split('\n');
    expect(header).toBe('Time (UTC),Action,Report,User ID,User,Details');
    // Time and action never hold a comma: the second field is the action.
    expect(lines.map((l) => l.split(',')[1])).toEqual(['report.read', 'report.status', 'report.read']);
    expect(lines[1]).toContain('HYPERLINK');
    expect(res.text).not.toMatch(/,"?=/);
    const exported = await actions(`userId=${adminId}&action=audit.export`);
    expect(exported).toEqual(['audit.export:other']);
  });

  it('lists the admin changes to people under the admin who made them', async () => {
    expect((await actions(`userId=${adminId}&action=user`)).length).toBeGreaterThanOrEqual(3);
  });
});

describe('the system status', () => {
  it('tells the database engine, outbox depth and failures, map index state and the last snapshot', async () => {
    // A reset email to an address the mail server refuses for good: the worker logs the failure.
    const gone = await createUser(app.services, 'police');
    mail.smtp.rejectPermanently.add(gone.email.toLowerCase());
    await resetLink(gone.id);
    await mail.worker.drain();
    await app.services.system.sampleOutbox();
    await expect.poll(async () => (await admin.get('/api/admin/status')).body.outbox.failed).toBe(1);
    const res = await admin.get('/api/admin/status');
    expect(res.status, res.text).toBe(200);
    expect(res.body.db).toMatchObject({ reachable: true, engine: expect.stringMatching(/mongodb|ferretdb/) });
    expect(['uri', 'mongod', 'ferretdb']).toContain(res.body.db.source);
    expect(res.body.outbox).toMatchObject({ waiting: expect.any(Number), failed: 1 });
    expect(res.body.outbox.recentFailures[0]).toMatchObject({ kind: 'confirm', error: expect.stringContaining('550') });
    expect(JSON.stringify(res.body)).not.toContain(gone.email);
    expect(res.body.mapIndex).toMatchObject({ ready: true, reports: expect.any(Number) });
    expect(res.body).toHaveProperty('snapshot');
  });

  it('is for police admins only', async () => {
    const pc = await createUser(app.services, 'police');
    expect((await (await signedIn(pc.email, pc.password)).get('/api/admin/status')).status).toBe(403);
    expect((await app.client().get('/api/admin/status')).status).toBe(401);
  });
});
