import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryModel } from '../../server/alerts/delivery.model';
import type { DeliveryWorker } from '../../server/alerts/worker';
import { geohash, geohashCell } from '../../server/geo/geohash';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';
import { startTestMail, type TestMail } from '../support/mail-worker';
import type { ReceivedMail, TestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

/**
 * Issue 11 item 2: owner alerts must never pinpoint a report. An owner's alert area is widened to the whole
 * geohash-6 grid squares it touches (the grid of owner emails), an area notice goes out only once at least three
 * reports share a grid square in the notice window, and then after a random delay; an owner draws at most five
 * alert areas a week. Police areas match exact points (police see exact points anyway).
 */
const DELAY_MIN_S = 1;
const DELAY_MAX_S = 1.5;

let app: TestApp;
let smtp: TestSmtp;
let worker: DeliveryWorker;
let mail: TestMail;

beforeAll(async () => {
  app = await startTestApp({
    TOKEN_SECRET: 'owner-privacy-secret-0123456789abcdef',
    // The notice delay in seconds here (15–90 minutes by default); the three-report threshold is the default.
    OWNER_NOTICE_DELAY_MIN_S: String(DELAY_MIN_S),
    OWNER_NOTICE_DELAY_MAX_S: String(DELAY_MAX_S),
  });
  mail = await startTestMail(app);
  ({ smtp, worker } = mail);
});
afterAll(async () => {
  await mail.stop();
  await app.close();
  await dropTestDatabase();
});
beforeEach(async () => {
  await mail.reset();
});

/** Geohash-6 cell size in degrees (30 bits: 15 of latitude, 15 of longitude). */
const CELL_LAT = 180 / 2 ** 15;
const CELL_LNG = 360 / 2 ** 15;

/** The grid square around a place, and a point at a fraction (-0.5 … 0.5) of its height and width from its centre. */
function cellAround(at: { lat: number; lng: number }) {
  const g6 = geohash(at.lat, at.lng, 6);
  const c = geohashCell(g6);
  const point = (fLat: number, fLng: number) => ({ lat: c.lat + fLat * CELL_LAT, lng: c.lng + fLng * CELL_LNG });
  return { g6, center: { lat: c.lat, lng: c.lng }, point };
}

const rect = (sw: { lat: number; lng: number }, dLat: number, dLng: number) => [
  sw,
  { lat: sw.lat, lng: sw.lng + dLng },
  { lat: sw.lat + dLat, lng: sw.lng + dLng },
  { lat: sw.lat + dLat, lng: sw.lng },
];

async function signedIn(role: 'owner' | 'host' | 'police') {
  const u = await createUser(app.services, role);
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

/** Subscribes and confirms (the confirmation link is signed here rather than read from the email). */
async function subscribed(c: TestClient, userId: string, body: Record<string, unknown>): Promise<string> {
  const res = await c.post('/api/subscriptions', body);
  expect(res.status).toBe(201);
  const sub = (await app.services.alerts.list(userId)).find((s) => String(s._id) === res.body.id)!;
  const token = app.services.alerts.tokens.sign('c', res.body.id, sub.tokenVersion, 60_000);
  expect((await app.client().request('POST', `/api/subscriptions/confirm?token=${encodeURIComponent(token)}`)).status).toBe(200);
  return res.body.id as string;
}

async function fileReport(at: { lat: number; lng: number }) {
  const res = await app.client().post('/api/reports', {
    location: at,
    address: '99 Exact Street',
    propertyType: 'S',
    indicators: [1, 17],
    description: 'Secret-description-text: many short visits at night',
    observedFrom: '2026-11-20T21:13:00Z',
    observedTo: '2026-11-20T23:47:00Z',
    reporterRole: 'neighbour',
  });
  expect(res.status).toBe(201);
}

const areaNotices = (email: string) => smtp.to(email).filter((m) => m.subject.includes('near'));
/** Area notices recorded for `email` (sent or held back by their delay): recorded with the report, before its 201. */
const areaDeliveries = async (email: string) =>
  (await DeliveryModel.find({}, { key: 1, to: 1 }).lean()).filter((d) => d.key.startsWith('area:') && d.to === email)
    .length;
/** Runs the worker until `done()` holds: as soon as the notices' random delay has passed, however long that is. */
const deliverUntil = (done: () => boolean) =>
  waitFor(
    async () => {
      await worker.drain();
      return done();
    },
    { timeout: DELAY_MAX_S * 1000 + 20_000, interval: 100, message: 'the delayed area notices' },
  );
/** The notice's words about the place and the count (the same for everyone told about that square). */
const placeAndCount = (m: ReceivedMail) => ({
  square: /grid square of about [\d.]+ km around [-\d.]+, [-\d.]+/.exec(m.text)?.[0],
  count: /Concerns reported in this grid square in the last 90 days: \d+/.exec(m.text)?.[0],
});

describe('owner area notices', () => {
  it('say nothing about one or two reports in a grid square, and after the third give only the square and the count, after a delay', async () => {
    const cell = cellAround({ lat: 50.874, lng: 0.009 }); // Lewes
    const owner = await signedIn('owner');
    await subscribed(owner.c, owner.id, {
      kind: 'area',
      polygon: rect(cell.point(-0.5, -0.5), CELL_LAT, CELL_LNG),
      mode: 'instant',
    });
    const points = [cell.point(-0.2, -0.2), cell.point(0.1, 0.3), cell.point(0.25, -0.1)];

    await fileReport(points[0]!);
    await fileReport(points[1]!);
    await worker.drain();
    expect(areaNotices(owner.email)).toHaveLength(0);

    await fileReport(points[2]!);
    const filedAt = Date.now();
    await worker.drain();
    // Recorded, but neither sent nor listed in the owner's alerts before the delay.
    expect(await areaDeliveries(owner.email)).toBe(1);
    expect(areaNotices(owner.email)).toHaveLength(0);
    expect((await owner.c.get('/api/alerts/mine')).body.alerts).toEqual([]);

    await deliverUntil(() => areaNotices(owner.email).length > 0);
    const [notice, ...more] = areaNotices(owner.email);
    expect(more).toHaveLength(0);
    expect(notice).toBeDefined();
    expect(Date.now() - filedAt).toBeGreaterThanOrEqual(DELAY_MIN_S * 1000);
    expect(placeAndCount(notice!).count).toBe('Concerns reported in this grid square in the last 90 days: 3');
    const c = geohashCell(cell.g6);
    expect(placeAndCount(notice!).square).toContain(`around ${c.lat.toFixed(3)}, ${c.lng.toFixed(3)}`);
    const everything = `${notice!.raw.replace(/^Date: .*$/m, '')}\n${notice!.text}\n${notice!.html}`;
    for (const p of points) {
      expect(everything).not.toContain(p.lat.toFixed(4));
      expect(everything).not.toContain(p.lng.toFixed(4));
    }
    for (const secret of ['Secret-description-text', '99 Exact Street', '21:13', '23:47'])
      expect(everything).not.toContain(secret);
    expect((await owner.c.get('/api/alerts/mine')).body.alerts).toHaveLength(1);

    // A fourth and fifth report wait for a sixth: notices go out per three reports, so none is even recorded (and an
    // unrecorded notice can never be sent, however long one waits).
    await fileReport(cell.point(-0.3, 0.2));
    await fileReport(cell.point(0.3, 0.2));
    await worker.drain();
    expect(await areaDeliveries(owner.email)).toBe(1);
    expect(areaNotices(owner.email)).toHaveLength(1);
  });

  it('tell an owner with an 11 × 7 m area, or a radius of 0 m, the same as an owner whose area covers the square', async () => {
    const cell = cellAround({ lat: 50.768, lng: 0.2905 }); // Eastbourne
    const tiny = await signedIn('host');
    // About 11 m × 7 m in the north-east of the square: no report below falls inside it.
    await subscribed(tiny.c, tiny.id, { kind: 'area', polygon: rect(cell.point(0.3, 0.3), 0.0001, 0.0001), mode: 'instant' });
    const zero = await signedIn('owner');
    const at = cell.point(-0.35, 0.35);
    const property = await zero.c.post('/api/properties', {
      address: '4 Corner Road, Eastbourne',
      lat: at.lat,
      lng: at.lng,
      type: 'S',
    });
    expect(property.status).toBe(201);
    await subscribed(zero.c, zero.id, { kind: 'property', propertyId: property.body.id, radiusM: 0, mode: 'instant' });
    const wide = await signedIn('owner');
    await subscribed(wide.c, wide.id, {
      kind: 'area',
      polygon: rect(cell.point(-0.6, -0.6), 1.2 * CELL_LAT, 1.2 * CELL_LNG),
      mode: 'instant',
    });

    for (const [fLat, fLng] of [
      [-0.2, -0.2],
      [0.1, -0.3],
      [-0.1, 0],
    ] as const) {
      await fileReport(cell.point(fLat, fLng));
    }
    await deliverUntil(() => [tiny, zero, wide].every((u) => areaNotices(u.email).length > 0));

    const notices = [tiny, zero, wide].map((u) => areaNotices(u.email));
    for (const list of notices) expect(list).toHaveLength(1);
    const told = notices.map((list) => placeAndCount(list[0]!));
    expect(told[0]!.square).toBeDefined();
    expect(told[1]).toEqual(told[0]);
    expect(told[2]).toEqual(told[0]);
  });

  it('match police alert areas to the exact point of the report, however small the area', async () => {
    const cell = cellAround({ lat: 51.0629, lng: -0.3259 }); // Horsham
    const officer = await signedIn('police');
    await subscribed(officer.c, officer.id, {
      kind: 'area',
      polygon: rect(cell.point(0.3, 0.3), 0.0001, 0.0001),
      mode: 'instant',
    });
    await fileReport(cell.point(-0.2, -0.2));
    await fileReport(cell.point(0.3 + 0.3 * (0.0001 / CELL_LAT), 0.3 + 0.3 * (0.0001 / CELL_LNG)));
    await worker.drain();
    expect(smtp.to(officer.email).filter((m) => m.subject.startsWith('[StayWatch] New report'))).toHaveLength(1);
  });
});

describe('alert areas drawn by an owner or host', () => {
  const area = (i: number) => rect({ lat: 50.83 + i * 0.01, lng: -0.75 }, 0.005, 0.008); // Chichester

  it(`are limited to ${ALERT_LIMITS.areasPerWeek} a week, concurrent requests included, and deleting one gives none back`, async () => {
    const host = await signedIn('host');
    const results = await Promise.all(
      Array.from({ length: ALERT_LIMITS.areasPerWeek + 2 }, (_, i) =>
        host.c.post('/api/subscriptions', { kind: 'area', polygon: area(i), mode: 'daily' }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(ALERT_LIMITS.areasPerWeek);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.status)).toEqual([429, 429]);
    expect(refused[0]!.body.error.message).toBe(
      `You can draw at most ${ALERT_LIMITS.areasPerWeek} alert areas a week; you can draw another in 7 days`,
    );
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(6 * 86_400);

    const first = results.find((r) => r.status === 201)!;
    expect((await host.c.request('DELETE', `/api/subscriptions/${first.body.id}`)).status).toBe(204);
    expect((await host.c.post('/api/subscriptions', { kind: 'area', polygon: area(9), mode: 'daily' })).status).toBe(429);
  });

  it('are not limited for police, who see exact points anyway', async () => {
    const officer = await signedIn('police');
    for (let i = 0; i < ALERT_LIMITS.areasPerWeek + 1; i++) {
      expect((await officer.c.post('/api/subscriptions', { kind: 'area', polygon: area(i), mode: 'daily' })).status).toBe(201);
    }
  });
});
