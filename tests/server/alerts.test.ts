import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryModel } from '../../server/alerts/delivery.model';
import { recordDeliveries, runDigests } from '../../server/alerts/outbox';
import type { DeliveryWorker } from '../../server/alerts/worker';
import { ReportModel } from '../../server/reports/report.model';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';
import { startTestMail, type TestMail } from '../support/mail-worker';
import { header, headerNames, type ReceivedMail, type TestSmtp } from '../support/smtp';

// Brighton, inside the demo Sussex force area.
const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const HOVE = { lat: 50.8279, lng: -0.1683 };
const HASTINGS = { lat: 50.8543, lng: 0.5735 };
const DESCRIPTION = 'Secret-description-text: two men with a teenager, carrying holdalls';

let app: TestApp;
let smtp: TestSmtp;
let worker: DeliveryWorker;
let mail: TestMail;

beforeAll(async () => {
  app = await startTestApp({
    HOTSPOT_N: '3',
    HOTSPOT_R: '250',
    HOTSPOT_D: '14',
    TOKEN_SECRET: 'alerts-test-secret-0123456789abcdef',
    // Delivery mechanics here: an owner area notice per report, sent at once. The three-report threshold and the
    // random delay that keep notices from pointing at a report are tested in alerts-owner-privacy.test.ts.
    OWNER_NOTICE_MIN_REPORTS: '1',
    OWNER_NOTICE_DELAY_MIN_S: '0',
    OWNER_NOTICE_DELAY_MAX_S: '0',
  });
  mail = await startTestMail(app, { poolSize: 3 });
  ({ smtp, worker } = mail);
});
afterAll(async () => {
  await mail.stop();
  await app.close();
  await dropTestDatabase();
});
beforeEach(async () => {
  // Each test starts with an empty outbox and inbox; reports from earlier tests stay (they are far apart).
  await mail.reset();
});

const square = (c: { lat: number; lng: number }, d = 0.01) => [
  { lat: c.lat - d, lng: c.lng - d },
  { lat: c.lat - d, lng: c.lng + d },
  { lat: c.lat + d, lng: c.lng + d },
  { lat: c.lat + d, lng: c.lng - d },
];

async function signedIn(role: 'owner' | 'host' | 'police' | 'police_admin', forceId?: string) {
  const u = await createUser(app.services, role, forceId ? { forceId } : {});
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

async function sendAll(): Promise<void> {
  await worker.drain();
}

function tokenFrom(m: ReceivedMail, path: 'confirm' | 'unsubscribe'): string {
  const match = new RegExp(`/api/subscriptions/${path}\\?token=([^\\s"<>&]+)`).exec(m.text);
  if (!match) throw new Error(`no ${path} link in: ${m.text}`);
  return decodeURIComponent(match[1]!);
}

async function subscribeAndConfirm(c: TestClient, email: string, body: Record<string, unknown>) {
  const res = await c.post('/api/subscriptions', body);
  expect(res.status).toBe(201);
  // Staff subscriptions are confirmed at once (issue 13): no email round trip.
  if (res.body.status === 'confirmed') return res.body.id as string;
  await sendAll();
  const confirm = smtp.to(email).find((m) => m.subject.includes('Confirm'));
  expect(confirm).toBeDefined();
  const token = tokenFrom(confirm!, 'confirm');
  const done = await app.client().request('POST', `/api/subscriptions/confirm?token=${encodeURIComponent(token)}`);
  expect(done.status).toBe(200);
  return res.body.id as string;
}

async function addProperty(c: TestClient, at: { lat: number; lng: number }, address = '12 Marine Parade, Brighton') {
  const res = await c.post('/api/properties', { address, lat: at.lat, lng: at.lng, type: 'S' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function fileReport(at: { lat: number; lng: number }, indicators = [1, 17], extra: Record<string, unknown> = {}) {
  const res = await app.client().post('/api/reports', {
    location: at,
    address: '99 Exact Street',
    propertyType: 'S',
    indicators,
    description: DESCRIPTION,
    observedFrom: '2026-11-20T21:13:00Z',
    observedTo: '2026-11-20T23:47:00Z',
    reporterRole: 'neighbour',
    contact: { name: 'Reporter Person', email: 'reporter-person@example.test' },
    ...extra,
  });
  expect(res.status).toBe(201);
  const report = await ReportModel.findOne({ reference: res.body.reference }).lean();
  return { id: String(report!._id), reference: res.body.reference as string };
}

describe('double opt-in', () => {
  it('sends only a confirmation until the subscriber confirms, and the GET page changes nothing', async () => {
    const owner = await signedIn('owner');
    const propertyId = await addProperty(owner.c, BRIGHTON);
    const res = await owner.c.post('/api/subscriptions', { kind: 'property', propertyId, radiusM: 500, mode: 'instant' });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');

    await fileReport({ lat: BRIGHTON.lat + 0.001, lng: BRIGHTON.lng });
    await sendAll();
    const mails = smtp.to(owner.email);
    expect(mails.map((m) => m.subject)).toEqual(['Confirm your StayWatch alert']);

    const token = tokenFrom(mails[0]!, 'confirm');
    const page = await app.client().get(`/api/subscriptions/confirm?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post"');
    expect((await owner.c.get('/api/subscriptions')).body.subscriptions[0].status).toBe('pending');

    const confirmed = await app.client().request('POST', `/api/subscriptions/confirm?token=${encodeURIComponent(token)}`);
    expect(confirmed.status).toBe(200);
    expect((await owner.c.get('/api/subscriptions')).body.subscriptions[0].status).toBe('confirmed');

    await fileReport({ lat: BRIGHTON.lat - 0.001, lng: BRIGHTON.lng });
    await sendAll();
    expect(smtp.to(owner.email).filter((m) => m.subject.includes('concern was reported'))).toHaveLength(1);
  });

  it('rejects a tampered or wrong-purpose token', async () => {
    const owner = await signedIn('owner');
    const propertyId = await addProperty(owner.c, HASTINGS, '1 Pelham Place, Hastings');
    await owner.c.post('/api/subscriptions', { kind: 'property', propertyId, radiusM: 100, mode: 'instant' });
    await sendAll();
    const token = tokenFrom(smtp.to(owner.email)[0]!, 'confirm');
    const tampered = `${token.slice(0, -3)}AAA`;
    expect((await app.client().request('POST', `/api/subscriptions/confirm?token=${tampered}`)).status).toBe(400);
    const asUnsubscribe = token.replace(/^c\./, 'u.');
    expect((await app.client().request('POST', `/api/subscriptions/unsubscribe?token=${asUnsubscribe}`)).status).toBe(400);
    expect((await owner.c.get('/api/subscriptions')).body.subscriptions[0].status).toBe('pending');
  });
});

describe('owner area notices', () => {
  it('tells the owner about a concern in the area without the text, reporter, exact time or point', async () => {
    const owner = await signedIn('owner');
    const propertyId = await addProperty(owner.c, HOVE, '3 Adelaide Crescent, Hove');
    await subscribeAndConfirm(owner.c, owner.email, { kind: 'property', propertyId, radiusM: 800, mode: 'instant' });
    smtp.messages.length = 0;
    const point = { lat: HOVE.lat + 0.0021, lng: HOVE.lng + 0.0013 };
    await fileReport(point);
    await sendAll();
    const [notice] = smtp.to(owner.email);
    expect(notice).toBeDefined();
    expect(notice!.subject).toBe('StayWatch: a concern was reported near 3 Adelaide Crescent, Hove');
    // The Date header is the time of sending, which may happen to read 21:13 too.
    const raw = notice!.raw.replace(/^Date: .*$/m, '');
    const everything = `${raw}\n${notice!.text}\n${notice!.html}`;
    for (const secret of [
      'Secret-description-text',
      'Reporter Person',
      'reporter-person@example.test',
      '99 Exact Street',
      '21:13',
      '23:47',
      '2026-11-20',
      point.lat.toFixed(4),
      point.lng.toFixed(4),
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect(notice!.text).toMatch(/grid square of about \d\.\d km around 50\.8\d\d, -0\.1\d\d/);
    expect(notice!.text).toMatch(/Concerns reported in this grid square in the last 90 days: \d+/);
    expect(notice!.text).toContain('What to look for'.toUpperCase());
    expect(notice!.html).toContain('<li>');
    expect(header(notice!, 'Message-ID')).toMatch(/^<delivery-[a-f0-9]{24}@staywatch>$/);
    expect(header(notice!, 'List-Unsubscribe')).toMatch(
      /^<http:\/\/127\.0\.0\.1:\d+\/api\/subscriptions\/unsubscribe\?token=u\./,
    );
    expect(header(notice!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
  });

  it('matches the same report only once even when the event is delivered twice', async () => {
    const owner = await signedIn('owner');
    await subscribeAndConfirm(owner.c, owner.email, {
      kind: 'area',
      polygon: square({ lat: 50.84, lng: -0.2 }),
      mode: 'instant',
    });
    smtp.messages.length = 0;
    await fileReport({ lat: 50.8401, lng: -0.2001 });
    const report = await ReportModel.findOne({ lat: 50.8401 }).lean();
    await app.services.events.emit('report.created', { report: report as never });
    await sendAll();
    expect(smtp.to(owner.email)).toHaveLength(1);
  });
});

describe('one-click unsubscribe', () => {
  it('works with a bare POST without cookie or CSRF token; the GET only shows a page; the link is then revoked', async () => {
    const owner = await signedIn('owner');
    const center = { lat: 50.815, lng: -0.37 }; // Worthing
    await subscribeAndConfirm(owner.c, owner.email, { kind: 'area', polygon: square(center), mode: 'instant' });
    smtp.messages.length = 0;
    await fileReport(center);
    await sendAll();
    const [notice] = smtp.to(owner.email);
    const url = header(notice!, 'List-Unsubscribe').slice(1, -1);
    const path = url.replace(/^https?:\/\/[^/]+/, '');

    const page = await app.client().get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Unsubscribe');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).not.toContain('<script');
    expect((await owner.c.get('/api/subscriptions')).body.subscriptions[0].status).toBe('confirmed');

    const res = await fetch(app.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect((await owner.c.get('/api/subscriptions')).body.subscriptions[0].status).toBe('unsubscribed');

    smtp.messages.length = 0;
    await fileReport({ lat: center.lat + 0.001, lng: center.lng });
    await sendAll();
    expect(smtp.to(owner.email)).toHaveLength(0);
    expect((await fetch(app.url + path, { method: 'POST' })).status).toBe(400);
  });

  it('also works from a browser that carries a session cookie (form POST without a CSRF header)', async () => {
    const owner = await signedIn('owner');
    const center = { lat: 50.79, lng: -0.5 };
    const id = await subscribeAndConfirm(owner.c, owner.email, { kind: 'area', polygon: square(center), mode: 'instant' });
    const sub = await app.services.alerts.list(owner.id);
    const token = app.services.alerts.tokens.sign('u', id, sub[0]!.tokenVersion, null);
    const res = await owner.c.request('POST', `/api/subscriptions/unsubscribe?token=${token}`, { csrf: false });
    expect(res.status).toBe(200);
  });
});

describe('police alerts', () => {
  it('sends a safeguarding report to the police subscriber at once and to no owner', async () => {
    const officer = await signedIn('police', 'sussex');
    const center = { lat: 50.77, lng: 0.28 }; // Eastbourne
    await subscribeAndConfirm(officer.c, officer.email, {
      kind: 'area',
      polygon: square(center, 0.02),
      mode: 'daily',
      minPriority: 'safeguarding',
    });
    const owner = await signedIn('owner');
    const propertyId = await addProperty(owner.c, center, '5 Grand Parade, Eastbourne');
    await subscribeAndConfirm(owner.c, owner.email, { kind: 'property', propertyId, radiusM: 2000, mode: 'instant' });
    smtp.messages.length = 0;

    await fileReport(center, [1]); // standard: below this officer's minimum priority
    const report = await fileReport({ lat: center.lat + 0.002, lng: center.lng }, [3, 17]);
    await sendAll();
    const toOfficer = smtp.to(officer.email);
    expect(toOfficer).toHaveLength(1);
    expect(toOfficer[0]!.subject).toBe(`[StayWatch] SAFEGUARDING: ${report.reference} in your alert area`);
    expect(toOfficer[0]!.text).toContain(`/police?report=${report.id}`);
    expect(toOfficer[0]!.text).not.toContain('Secret-description-text');
    // The owner hears about the standard report only.
    const toOwner = smtp.to(owner.email);
    expect(toOwner).toHaveLength(1);
    expect(
      await DeliveryModel.countDocuments({ key: `area:${(await app.services.alerts.list(owner.id))[0]!._id}:${report.id}` }),
    ).toBe(0);
  });

  it('refuses a police area outside the officer’s force', async () => {
    const officer = await signedIn('police', 'surrey');
    const res = await officer.c.post('/api/subscriptions', { kind: 'area', polygon: square(BRIGHTON), mode: 'instant' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('outside_force_area');
  });

  it('alerts on an emerging hotspot once per window', async () => {
    const officer = await signedIn('police', 'sussex');
    const center = { lat: 50.98, lng: -0.2 }; // Haywards Heath area
    await subscribeAndConfirm(officer.c, officer.email, { kind: 'area', polygon: square(center, 0.02), mode: 'instant' });
    smtp.messages.length = 0;
    for (let i = 0; i < 4; i++) await fileReport({ lat: center.lat + i * 0.0003, lng: center.lng });
    await sendAll();
    const hotspots = smtp.to(officer.email).filter((m) => m.subject.includes('Emerging hotspot'));
    expect(hotspots).toHaveLength(1);
    expect(hotspots[0]!.subject).toBe('[StayWatch] Emerging hotspot: 3 reports within 250 m');
  });
});

describe('released reports', () => {
  it('reach the property owner only after police release them, even for safeguarding reports', async () => {
    const owner = await signedIn('owner');
    const at = { lat: 50.86, lng: 0.58 }; // Hastings
    const propertyId = await addProperty(owner.c, at, '7 Wellington Square, Hastings');
    // Only verified owners hear about a property (tests/server/verification.test.ts): an admin checked the deeds.
    expect((await owner.c.post(`/api/properties/${propertyId}/verification`, {})).status).toBe(200);
    const admin = await signedIn('police_admin');
    const decision = { decision: 'verified', note: 'Deeds checked' };
    expect((await admin.c.post(`/api/properties/${propertyId}/verification/decision`, decision)).status).toBe(200);
    await subscribeAndConfirm(owner.c, owner.email, { kind: 'property', propertyId, radiusM: 0, mode: 'instant' });
    smtp.messages.length = 0;

    const report = await fileReport(at, [3, 11]);
    await sendAll();
    expect(smtp.to(owner.email)).toHaveLength(0);

    const officer = await signedIn('police', 'sussex');
    const patch = await officer.c.patch(`/api/reports/${report.id}`, { ownerAlert: 'released' });
    expect(patch.status).toBe(200);
    await sendAll();
    const [notice] = smtp.to(owner.email);
    expect(notice!.subject).toBe('StayWatch: police have shared a concern about 7 Wellington Square, Hastings');
    expect(notice!.text).toContain('Refuses cleaning or inspections');
    expect(notice!.text).not.toContain('Secret-description-text');
    expect(notice!.text).not.toContain('Reporter Person');
    expect(notice!.text).toContain('Do not confront');
  });
});

describe('daily digests', () => {
  it('group a subscriber’s items into one message, capped with an "and N more" line', async () => {
    const owner = await signedIn('owner');
    const center = { lat: 50.785, lng: -0.68 }; // Bognor Regis
    const subId = await subscribeAndConfirm(owner.c, owner.email, { kind: 'area', polygon: square(center), mode: 'daily' });
    smtp.messages.length = 0;
    for (let i = 0; i < 2; i++) await fileReport({ lat: center.lat + i * 0.002, lng: center.lng });
    // Twenty-one more queued items for the same subscription, recorded through the outbox.
    await recordDeliveries(
      Array.from({ length: 21 }, (_, i) => ({
        key: `test-item:${subId}:${i}`,
        kind: 'area' as const,
        subscriptionId: subId,
        userId: owner.id,
        to: owner.email,
        queued: true,
        email: { subject: `Queued item ${i}`, text: `Item ${i}`, html: `<p>Item ${i}</p>` },
      })),
    );
    await sendAll();
    expect(smtp.to(owner.email)).toHaveLength(0);

    expect(await runDigests(new Date(Date.now() + 1000))).toBeGreaterThanOrEqual(1);
    expect(await runDigests(new Date(Date.now() + 1000))).toBe(0);
    await sendAll();
    const mails = smtp.to(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('StayWatch daily digest: 23 alerts');
    expect(mails[0]!.text).toContain('… and 3 more.');
    expect(header(mails[0]!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(await DeliveryModel.countDocuments({ subscriptionId: subId, status: 'queued' })).toBe(0);
    expect((await owner.c.get('/api/alerts/mine')).body.alerts.some((a: { kind: string }) => a.kind === 'digest')).toBe(true);
  });
});

describe('the outbox', () => {
  it('gives a key recorded again no work item of its own, so what was recorded first is what is sent', async () => {
    const owner = await signedIn('owner');
    const subId = await subscribeAndConfirm(owner.c, owner.email, {
      kind: 'area',
      polygon: square({ lat: 50.83, lng: -0.14 }),
      mode: 'instant',
    });
    smtp.messages.length = 0;
    const delivery = (text: string) => ({
      key: `test-repeat:${subId}`,
      mayRepeat: true,
      kind: 'area' as const,
      subscriptionId: subId,
      userId: owner.id,
      to: owner.email,
      email: { subject: 'Repeated key', text, html: `<p>${text}</p>` },
    });
    const first = await recordDeliveries([delivery('First content')]);
    const again = await recordDeliveries([delivery('Later content')]);
    expect(first.deliveries).toHaveLength(1);
    expect(first.work).toHaveLength(1);
    expect(again.deliveries).toHaveLength(0);
    expect(again.work).toHaveLength(0);
    await sendAll();
    const mails = smtp.to(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain('First content');
  });
});

describe('advisories', () => {
  it('reach exactly the owners whose property or area lies inside the drawn area, after a matching preview', async () => {
    const center = { lat: 51.11, lng: -0.19 }; // Crawley
    const inside = await signedIn('owner');
    await subscribeAndConfirm(inside.c, inside.email, {
      kind: 'property',
      propertyId: await addProperty(inside.c, center, '1 High Street, Crawley'),
      radiusM: 100,
      mode: 'daily',
    });
    const overlapping = await signedIn('host');
    await subscribeAndConfirm(overlapping.c, overlapping.email, {
      kind: 'area',
      polygon: square({ lat: center.lat + 0.012, lng: center.lng }, 0.005),
      mode: 'instant',
    });
    const outside = await signedIn('owner');
    await subscribeAndConfirm(outside.c, outside.email, {
      kind: 'property',
      propertyId: await addProperty(outside.c, { lat: center.lat + 0.05, lng: center.lng }, '9 Far Lane, Crawley'),
      radiusM: 100,
      mode: 'instant',
    });
    const unconfirmed = await signedIn('owner');
    await unconfirmed.c.post('/api/subscriptions', {
      kind: 'property',
      propertyId: await addProperty(unconfirmed.c, center, '2 High Street, Crawley'),
      radiusM: 100,
      mode: 'instant',
    });
    await sendAll();
    smtp.messages.length = 0;

    const officer = await signedIn('police', 'sussex');
    const polygon = square(center, 0.01);
    const preview = await officer.c.post('/api/advisories/preview', { polygon });
    expect(preview.body).toEqual({ count: 2 });
    const sent = await officer.c.post('/api/advisories', {
      polygon,
      subject: 'Rise in\r\nBcc: victim@example.test\r\n short-let concerns',
      body: 'Please check recent bookings for cash payments and many short visits.',
    });
    expect(sent.status).toBe(201);
    expect(sent.body.recipients).toBe(2);
    await sendAll();
    const to = smtp.messages.map((m) => m.to).sort();
    expect(to).toEqual([inside.email, overlapping.email].sort());
    for (const m of smtp.messages) {
      expect(m.subject).toBe('Police advisory: Rise in Bcc: victim@example.test short-let concerns');
      expect(headerNames(m)).not.toContain('bcc');
      expect(m.text).toContain('A message from Sussex Police');
    }
    expect((await inside.c.get('/api/alerts/mine')).body.alerts[0].kind).toBe('advisory');
  });

  it('are for police only', async () => {
    const owner = await signedIn('owner');
    expect((await owner.c.post('/api/advisories/preview', { polygon: square(BRIGHTON) })).status).toBe(403);
  });
});
