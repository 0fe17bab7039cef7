import mongoose from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../server/alerts/worker';
import { nextVerificationStatus } from '../../server/properties/verification';
import { PropertyModel } from '../../server/properties/property.model';
import { ReportModel } from '../../server/reports/report.model';
import { VERIFICATION_LIMITS } from '../../shared/schemas/verification';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';
import { type ReceivedMail, TestSmtp } from '../support/smtp';

let app: TestApp;
let smtp: TestSmtp;
let worker: DeliveryWorker;
let admin: Awaited<ReturnType<typeof signedIn>>;
let officer: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  app = await startTestApp({ TOKEN_SECRET: 'verification-test-secret-0123456789abc' });
  smtp = await new TestSmtp().start();
  worker = new DeliveryWorker(
    { host: '127.0.0.1', port: smtp.port, secure: false, poolSize: 2, from: 'StayWatch <alerts@staywatch.test>' },
    { publicUrl: app.url, tokens: app.services.alerts.tokens, logger: app.services.logger, digestHour: 7 },
    { retryBaseMs: 50, retryMaxMs: 500, digests: false },
  );
  admin = await signedIn('police_admin');
  officer = await signedIn('police');
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.stop();
  await app?.close();
  await dropTestDatabase();
});
beforeEach(async () => {
  await worker.drain();
  smtp.messages.length = 0;
});

// Places inside the demo Sussex force area, far enough apart not to disturb each other.
let spot = 0;
function nextPlace() {
  spot += 1;
  return { lat: 50.83 + spot * 0.004, lng: -0.17 + spot * 0.003 };
}

async function signedIn(role: 'owner' | 'host' | 'police' | 'police_admin', forceId?: string) {
  const u = await createUser(app.services, role, forceId ? { forceId } : {});
  const c = app.client();
  const res = await c.login(u.email, u.password);
  expect(res.status).toBe(200);
  return { ...u, c };
}

async function ownerWithProperty(at = nextPlace(), address = `${spot} Verification Road, Brighton`) {
  const owner = await signedIn('owner');
  const res = await owner.c.post('/api/properties', { address, lat: at.lat, lng: at.lng, type: 'S' });
  expect(res.status).toBe(201);
  return { owner, propertyId: res.body.id as string, at, address };
}

async function letterFor(propertyId: string, c: TestClient = officer.c) {
  const res = await c.post(`/api/properties/${propertyId}/verification/letter`);
  expect(res.status, res.text).toBe(201);
  return res.body as { code: string; text: string; html: string; expiresAt: string; address: string };
}

async function auditActions(userId: string): Promise<string[]> {
  const res = await admin.c.get(`/api/audit?userId=${userId}&limit=100`);
  expect(res.status).toBe(200);
  return res.body.items.map((a: { action: string }) => a.action);
}

describe('the verification state machine', () => {
  it('moves a property from unverified to pending and then to verified or refused', () => {
    expect(nextVerificationStatus('unverified', 'request')).toBe('pending');
    expect(nextVerificationStatus('unverified', 'letter')).toBe('pending');
    expect(nextVerificationStatus('pending', 'letter')).toBe('pending');
    expect(nextVerificationStatus('pending', 'code')).toBe('verified');
    expect(nextVerificationStatus('pending', 'verify')).toBe('verified');
    expect(nextVerificationStatus('pending', 'refuse')).toBe('refused');
    expect(nextVerificationStatus('verified', 'refuse')).toBe('refused');
    expect(nextVerificationStatus('refused', 'request')).toBe('pending');
    expect(nextVerificationStatus('verified', 'reset')).toBe('unverified');
  });

  it('refuses every other step', () => {
    expect(nextVerificationStatus('unverified', 'verify')).toBeNull();
    expect(nextVerificationStatus('unverified', 'code')).toBeNull();
    expect(nextVerificationStatus('unverified', 'refuse')).toBeNull();
    expect(nextVerificationStatus('pending', 'request')).toBeNull();
    expect(nextVerificationStatus('verified', 'request')).toBeNull();
    expect(nextVerificationStatus('verified', 'letter')).toBeNull();
    expect(nextVerificationStatus('verified', 'verify')).toBeNull();
    expect(nextVerificationStatus('refused', 'letter')).toBeNull();
    expect(nextVerificationStatus('refused', 'verify')).toBeNull();
    expect(nextVerificationStatus('unverified', 'reset')).toBeNull();
  });
});

describe('asking for verification', () => {
  it('registers a new property as unverified', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    const res = await owner.c.get(`/api/properties/${propertyId}`);
    expect(res.body.verification).toEqual({
      status: 'unverified',
      method: null,
      requestedAt: null,
      decidedAt: null,
      letter: null,
    });
  });

  it('puts the property in its force’s pending queue with the owner’s note, for a police admin only', async () => {
    const { owner, propertyId, address } = await ownerWithProperty();
    const res = await owner.c.post(`/api/properties/${propertyId}/verification`, { note: 'Title number SX123456' });
    expect(res.status).toBe(200);
    expect(res.body.verification.status).toBe('pending');
    expect(res.body.verification.requestedAt).toEqual(expect.any(String));

    const queue = await admin.c.get('/api/verification/pending?force=sussex&limit=200');
    expect(queue.status).toBe(200);
    const item = queue.body.items.find((i: { property: { id: string } }) => i.property.id === propertyId);
    expect(item).toMatchObject({
      property: { id: propertyId, address },
      owner: { id: owner.id, email: owner.email },
      forceId: 'sussex',
      status: 'pending',
      ownerNote: 'Title number SX123456',
      letters: { issued: 0, outstanding: null },
    });
    expect(
      (await admin.c.get('/api/verification/pending')).body.items.map((i: { property: { id: string } }) => i.property.id),
    ).toContain(propertyId);
    expect((await officer.c.get('/api/verification/pending')).status).toBe(403);
    expect((await owner.c.get('/api/verification/pending')).status).toBe(403);
  });

  it('answers 409 when the property is already waiting, and 404 for someone else’s property', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    expect((await owner.c.post(`/api/properties/${propertyId}/verification`, {})).status).toBe(200);
    expect((await owner.c.post(`/api/properties/${propertyId}/verification`, {})).status).toBe(409);
    const stranger = await signedIn('owner');
    expect((await stranger.c.post(`/api/properties/${propertyId}/verification`, {})).status).toBe(404);
  });
});

describe('a letter with a one-time code', () => {
  it('verifies the property when the owner enters the code that police posted, however it is typed', async () => {
    const { owner, propertyId, address } = await ownerWithProperty();
    const letter = await letterFor(propertyId);
    expect(letter.code).toMatch(/^[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}$/);
    expect(letter.text).toContain(letter.code);
    expect(letter.text).toContain(address);
    expect(letter.html).toContain(letter.code);
    expect(new Date(letter.expiresAt).getTime()).toBeGreaterThan(Date.now() + 20 * 86_400_000);

    const waiting = (await owner.c.get(`/api/properties/${propertyId}`)).body.verification;
    expect(waiting).toMatchObject({ status: 'pending', letter: { attemptsLeft: VERIFICATION_LIMITS.codeAttempts } });

    const typed = letter.code.toLowerCase().replace('-', ' ');
    const res = await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: typed });
    expect(res.status, res.text).toBe(200);
    expect(res.body.verification).toMatchObject({
      status: 'verified',
      method: 'letter',
      decidedAt: expect.any(String),
      letter: null,
    });

    const queue = await admin.c.get('/api/verification/pending?force=sussex&limit=200');
    expect(queue.body.items.map((i: { property: { id: string } }) => i.property.id)).not.toContain(propertyId);
    // The code is used up.
    expect((await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: letter.code })).status).toBe(409);
  });

  it('keeps only a hash of the code, never the code itself', async () => {
    const { propertyId } = await ownerWithProperty();
    const letter = await letterFor(propertyId);
    const stored = await mongoose.connection.collection('properties').findOne({ _id: new mongoose.Types.ObjectId(propertyId) });
    const json = JSON.stringify(stored);
    expect(json).not.toContain(letter.code);
    expect(json).not.toContain(letter.code.replace('-', ''));
    expect(stored!.verification.letter.hash).toEqual(expect.any(String));
  });

  it('records who issued each letter and shows the admin the evidence', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    await letterFor(propertyId);
    const letter = await letterFor(propertyId, admin.c);
    await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: letter.code });
    const stored = await PropertyModel.findById(propertyId).lean();
    expect(stored!.verification).toMatchObject({
      status: 'verified',
      method: 'letter',
      decidedBy: owner.id,
      lettersIssued: 2,
      lastLetterBy: admin.id,
    });
  });

  it('lets an officer post letters only for properties in the officer’s own force', async () => {
    const { propertyId } = await ownerWithProperty();
    const surrey = await signedIn('police', 'surrey');
    expect((await surrey.c.post(`/api/properties/${propertyId}/verification/letter`)).status).toBe(404);
    const owner = await signedIn('owner');
    expect((await owner.c.post(`/api/properties/${propertyId}/verification/letter`)).status).toBe(403);
  });

  it('makes an earlier letter’s code useless once a new letter is posted', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    const first = await letterFor(propertyId);
    await letterFor(propertyId);
    const res = await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: first.code });
    expect(res.status).toBe(400);
    expect((await owner.c.get(`/api/properties/${propertyId}`)).body.verification.status).toBe('pending');
  });

  it('counts every wrong code, even those sent at once, and voids the letter after the last attempt', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    const letter = await letterFor(propertyId);
    const wrong = Array.from({ length: VERIFICATION_LIMITS.codeAttempts + 2 }, () =>
      owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: 'ZZZZZ-ZZZZZ' }),
    );
    const statuses = (await Promise.all(wrong)).map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 400)).toHaveLength(VERIFICATION_LIMITS.codeAttempts);
    expect(statuses.filter((s) => s === 409)).toHaveLength(2);

    const right = await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: letter.code });
    expect(right.status).toBe(409);
    const view = (await owner.c.get(`/api/properties/${propertyId}`)).body.verification;
    expect(view).toMatchObject({ status: 'pending', letter: null });
    const actions = await auditActions(owner.id);
    expect(actions.filter((a) => a === 'property.verify.code_rejected')).toHaveLength(VERIFICATION_LIMITS.codeAttempts);
  });

  it('refuses the code of an expired letter', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    const letter = await letterFor(propertyId);
    await mongoose.connection
      .collection('properties')
      .updateOne(
        { _id: new mongoose.Types.ObjectId(propertyId) },
        { $set: { 'verification.letter.expiresAt': new Date(Date.now() - 1000) } },
      );
    const res = await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: letter.code });
    expect(res.status).toBe(409);
    expect((await owner.c.get(`/api/properties/${propertyId}`)).body.verification).toMatchObject({
      status: 'pending',
      letter: null,
    });
  });

  it('posts no letter for a property that is already verified or was refused', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    const letter = await letterFor(propertyId);
    await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: letter.code });
    expect((await officer.c.post(`/api/properties/${propertyId}/verification/letter`)).status).toBe(409);
  });
});

describe('an admin’s check of documents', () => {
  it('verifies or refuses a pending property, recording the method, who, when and the note', async () => {
    const a = await ownerWithProperty();
    const b = await ownerWithProperty();
    for (const x of [a, b]) expect((await x.owner.c.post(`/api/properties/${x.propertyId}/verification`, {})).status).toBe(200);

    const yes = await admin.c.post(`/api/properties/${a.propertyId}/verification/decision`, {
      decision: 'verified',
      note: 'Land Registry title matches the account holder',
    });
    expect(yes.status, yes.text).toBe(200);
    expect(yes.body).toMatchObject({
      status: 'verified',
      method: 'documents',
      decidedBy: { id: admin.id },
      note: 'Land Registry title matches the account holder',
      decidedAt: expect.any(String),
    });
    const no = await admin.c.post(`/api/properties/${b.propertyId}/verification/decision`, {
      decision: 'refused',
      note: 'Documents name someone else',
    });
    expect(no.status).toBe(200);
    expect(no.body).toMatchObject({ status: 'refused', method: 'documents' });

    // The owner sees the outcome, not the admin's note.
    const seen = (await a.owner.c.get(`/api/properties/${a.propertyId}`)).body;
    expect(seen.verification).toMatchObject({ status: 'verified', method: 'documents' });
    expect(JSON.stringify(seen)).not.toContain('Land Registry');
    expect((await b.owner.c.get(`/api/properties/${b.propertyId}`)).body.verification.status).toBe('refused');

    const queue = await admin.c.get('/api/verification/pending?force=sussex&limit=200');
    const ids = queue.body.items.map((i: { property: { id: string } }) => i.property.id);
    expect(ids).not.toContain(a.propertyId);
    expect(ids).not.toContain(b.propertyId);
  });

  it('decides only on a pending property, may revoke a verified one, and is for police admins only', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    const decide = (c: TestClient, decision: string) =>
      c.post(`/api/properties/${propertyId}/verification/decision`, { decision, note: 'Checked the papers' });
    expect((await decide(admin.c, 'verified')).status).toBe(409);
    await owner.c.post(`/api/properties/${propertyId}/verification`, {});
    expect((await decide(officer.c, 'verified')).status).toBe(403);
    expect((await decide(owner.c, 'verified')).status).toBe(403);
    expect((await decide(admin.c, 'verified')).status).toBe(200);
    expect((await decide(admin.c, 'verified')).status).toBe(409);
    expect((await decide(admin.c, 'refused')).status).toBe(200);
    // A refused owner may ask again.
    expect((await owner.c.post(`/api/properties/${propertyId}/verification`, {})).status).toBe(200);
  });

  it('audits every change with the property, the step and who made it', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    await owner.c.post(`/api/properties/${propertyId}/verification`, {});
    await admin.c.post(`/api/properties/${propertyId}/verification/decision`, {
      decision: 'verified',
      note: 'Checked the deeds',
    });
    expect(await auditActions(owner.id)).toContain('property.verify.request');
    const res = await admin.c.get(`/api/audit?userId=${admin.id}&limit=100`);
    const entry = res.body.items.find((a: { action: string }) => a.action === 'property.verify');
    expect(entry).toBeDefined();
  });
});

describe('changing a verified property', () => {
  it('sets it back to unverified when it moves or its address changes, and keeps it when nothing changes', async () => {
    const { owner, propertyId, at, address } = await ownerWithProperty();
    const verify = async () => {
      const letter = await letterFor(propertyId);
      expect((await owner.c.post(`/api/properties/${propertyId}/verification/code`, { code: letter.code })).status).toBe(200);
    };
    await verify();
    // The owner page sends every field back on save: unchanged values keep the verification.
    const same = await owner.c.patch(`/api/properties/${propertyId}`, { address, lat: at.lat, lng: at.lng, type: 'S' });
    expect(same.body.verification.status).toBe('verified');

    const moved = await owner.c.patch(`/api/properties/${propertyId}`, { lat: at.lat + 0.01, lng: at.lng });
    expect(moved.body.verification).toMatchObject({ status: 'unverified', method: null });
    await verify();
    const renamed = await owner.c.patch(`/api/properties/${propertyId}`, { address: '1 Somewhere Else, Brighton' });
    expect(renamed.body.verification.status).toBe('unverified');
    expect(await auditActions(owner.id)).toContain('property.verify.reset');
  });

  it('leaves the pending queue when a waiting property is deleted', async () => {
    const { owner, propertyId } = await ownerWithProperty();
    await owner.c.post(`/api/properties/${propertyId}/verification`, {});
    expect((await owner.c.delete(`/api/properties/${propertyId}`)).status).toBe(204);
    const queue = await admin.c.get('/api/verification/pending?force=sussex&limit=200');
    expect(queue.body.items.map((i: { property: { id: string } }) => i.property.id)).not.toContain(propertyId);
  });
});

describe('releasing a report to owners', () => {
  function tokenFrom(m: ReceivedMail): string {
    const match = /\/api\/subscriptions\/confirm\?token=([^\s"<>&]+)/.exec(m.text);
    if (!match) throw new Error(`no confirm link in: ${m.text}`);
    return decodeURIComponent(match[1]!);
  }

  async function subscribed(owner: { c: TestClient; email: string }, propertyId: string) {
    const res = await owner.c.post('/api/subscriptions', { kind: 'property', propertyId, radiusM: 0, mode: 'instant' });
    expect(res.status).toBe(201);
    await worker.drain();
    const confirm = smtp.to(owner.email).find((m) => m.subject.includes('Confirm'));
    const done = await app
      .client()
      .request('POST', `/api/subscriptions/confirm?token=${encodeURIComponent(tokenFrom(confirm!))}`);
    expect(done.status).toBe(200);
  }

  async function fileReportAt(at: { lat: number; lng: number }) {
    const res = await app.client().post('/api/reports', {
      location: at,
      address: 'Somewhere exact',
      propertyType: 'S',
      indicators: [1, 17],
      description: 'Verification test: people arriving at night',
      observedFrom: new Date(Date.now() - 3 * 3_600_000).toISOString(),
      observedTo: new Date(Date.now() - 3_600_000).toISOString(),
      reporterRole: 'neighbour',
    });
    expect(res.status).toBe(201);
    return String((await ReportModel.findOne({ reference: res.body.reference }).lean())!._id);
  }

  it('tells verified owners about the property and unverified, pending or refused owners nothing', async () => {
    const at = nextPlace();
    const verified = await ownerWithProperty(at, '3 Shared Court, Brighton');
    const unverified = await ownerWithProperty({ lat: at.lat + 0.0001, lng: at.lng }, 'Flat 2, 3 Shared Court, Brighton');
    const pending = await ownerWithProperty({ lat: at.lat, lng: at.lng + 0.0001 }, 'Flat 3, 3 Shared Court, Brighton');
    const refused = await ownerWithProperty({ lat: at.lat - 0.0001, lng: at.lng }, 'Flat 4, 3 Shared Court, Brighton');
    const letter = await letterFor(verified.propertyId);
    await verified.owner.c.post(`/api/properties/${verified.propertyId}/verification/code`, { code: letter.code });
    await pending.owner.c.post(`/api/properties/${pending.propertyId}/verification`, {});
    await refused.owner.c.post(`/api/properties/${refused.propertyId}/verification`, {});
    await admin.c.post(`/api/properties/${refused.propertyId}/verification/decision`, {
      decision: 'refused',
      note: 'Not the owner',
    });
    for (const x of [verified, unverified, pending, refused]) await subscribed(x.owner, x.propertyId);
    smtp.messages.length = 0;

    const reportId = await fileReportAt(at);
    const preview = await officer.c.get(`/api/reports/${reportId}/owner-notice`);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      property: { id: verified.propertyId, address: '3 Shared Court, Brighton', verification: 'verified' },
      owners: { verified: 1, pending: 1, unverified: 1, refused: 1 },
    });
    const detail = await officer.c.get(`/api/reports/${reportId}`);
    expect(detail.body.suggestedProperty).toMatchObject({ id: verified.propertyId, verification: 'verified' });

    expect((await officer.c.patch(`/api/reports/${reportId}`, { ownerAlert: 'released' })).status).toBe(200);
    await worker.drain();
    const told = (email: string) => smtp.to(email).filter((m) => /police have shared a concern/.test(m.subject));
    expect(told(verified.owner.email)).toHaveLength(1);
    expect(told(unverified.owner.email)).toEqual([]);
    expect(told(pending.owner.email)).toEqual([]);
    expect(told(refused.owner.email)).toEqual([]);
  });

  it('shows the preview only to police who can see the report', async () => {
    const reportId = await fileReportAt(nextPlace());
    const surrey = await signedIn('police', 'surrey');
    expect((await surrey.c.get(`/api/reports/${reportId}/owner-notice`)).status).toBe(404);
    const owner = await signedIn('owner');
    expect((await owner.c.get(`/api/reports/${reportId}/owner-notice`)).status).toBe(403);
    expect((await admin.c.get(`/api/reports/${reportId}/owner-notice`)).body).toEqual({
      property: null,
      owners: { verified: 0, pending: 0, unverified: 0, refused: 0 },
    });
  });
});
