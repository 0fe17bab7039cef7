import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { accessesDuring, CommandMonitor, nonPoint } from '../support/command-monitor';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import { DeliveryModel } from '../../server/alerts/delivery.model';
import { historyWriter } from '../../server/alerts/history';
import { recordDeliveries } from '../../server/alerts/outbox';
import { SubscriptionModel } from '../../server/alerts/subscription.model';
import { geohash } from '../../server/geo/geohash';
import { PropertyModel } from '../../server/properties/property.model';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

/**
 * Subscriptions, sent alerts and advisories with point operations only: per-user subscription lists (the limit is
 * checked inside a versioned change, so concurrent subscribes cannot pass it), a per-user history log of
 * deliveries, a per-force advisory log, hotspots read by `_id`.
 */

let monitor: CommandMonitor;
/** The collections the alert and property routes read and write. */
const OURS = new Set([
  'subscriptions',
  'usersubscriptions',
  'deliveries',
  'deliveryworks',
  'deliverybodies',
  'deliveryresults',
  'advisories',
  'hotspots',
  'alerthistory',
  'alerthistorywork',
  'alertpurges',
  'pagedlogs',
  'revisions',
  'properties',
  'ownerproperties',
  'propertyversions',
]);

let app: TestApp;
beforeAll(async () => {
  await mongoose.connect(inject('mongoUri'), { dbName: `t_${randomBytes(6).toString('hex')}`, monitorCommands: true });
  monitor = new CommandMonitor(mongoose.connection.getClient());
  app = await startTestApp({
    LOG_LEVEL: 'silent',
    HOTSPOT_N: '3',
    HOTSPOT_R: '250',
    HOTSPOT_D: '14',
    TOKEN_SECRET: 'alerts-points-test-secret-0123456789ab',
    // An owner area notice per report, sent at once (the privacy threshold and delay: alerts-owner-privacy.test.ts).
    OWNER_NOTICE_MIN_REPORTS: '1',
    OWNER_NOTICE_DELAY_MIN_S: '0',
    OWNER_NOTICE_DELAY_MAX_S: '0',
  });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

async function signedIn(role: 'owner' | 'host' | 'police') {
  const u = await createUser(app.services, role);
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

const square = (c: { lat: number; lng: number }, d = 0.01) => [
  { lat: c.lat - d, lng: c.lng - d },
  { lat: c.lat - d, lng: c.lng + d },
  { lat: c.lat + d, lng: c.lng + d },
  { lat: c.lat + d, lng: c.lng - d },
];

/** Confirms a subscription with a token signed like the one in its confirmation email. */
async function confirm(id: string) {
  const sub = await SubscriptionModel.findById(id).lean();
  const token = app.services.alerts.tokens.sign('c', id, sub!.tokenVersion, 60_000);
  const res = await app.client().request('POST', `/api/subscriptions/confirm?token=${encodeURIComponent(token)}`);
  expect(res.status).toBe(200);
  return token;
}

async function fileReport(at: { lat: number; lng: number }) {
  const res = await app.client().post('/api/reports', {
    location: at,
    address: '1 Test Street',
    propertyType: 'S',
    indicators: [1, 17],
    description: 'Many short visits at night',
    observedFrom: '2026-11-20T21:13:00Z',
    observedTo: '2026-11-20T23:47:00Z',
    reporterRole: 'neighbour',
  });
  expect(res.status).toBe(201);
}

const ofUser = (id: string) => ({ userId: new Types.ObjectId(id) });

describe('subscriptions', () => {
  it('never exceed the per-user limit when the last places are taken by concurrent requests', async () => {
    // An officer: owners and hosts may draw only a few areas a week (alerts-owner-privacy.test.ts).
    const owner = await signedIn('police');
    const limit = ALERT_LIMITS.subscriptionsPerUser;
    const area = (i: number) => ({ kind: 'area', polygon: square({ lat: 50.92 + i * 0.001, lng: -0.2 }, 0.002), mode: 'daily' });
    for (let i = 0; i < limit - 2; i++) expect((await owner.c.post('/api/subscriptions', area(i))).status).toBe(201);
    const attempts = await Promise.all(Array.from({ length: 8 }, (_, i) => owner.c.post('/api/subscriptions', area(100 + i))));
    expect(attempts.map((r) => r.status).sort()).toEqual([201, 201, 409, 409, 409, 409, 409, 409]);
    expect(await SubscriptionModel.countDocuments(ofUser(owner.id))).toBe(limit);
    expect((await owner.c.get('/api/subscriptions')).body.subscriptions).toHaveLength(limit);
  });

  it('of a deleted property go with it, and leave the owner’s list', async () => {
    const owner = await signedIn('host');
    const { body: p } = await owner.c.post('/api/properties', { address: '3 Pier Road', lat: 50.81, lng: -0.12, type: 'S' });
    const { body: sub } = await owner.c.post('/api/subscriptions', {
      kind: 'property',
      propertyId: p.id,
      radiusM: 100,
      mode: 'instant',
    });
    const { body: area } = await owner.c.post('/api/subscriptions', {
      kind: 'area',
      polygon: square({ lat: 50.9, lng: -0.3 }),
      mode: 'daily',
    });
    await confirm(sub.id);
    expect(app.services.alerts.index.get(sub.id)).toBeDefined();
    expect((await owner.c.delete(`/api/properties/${p.id}`)).status).toBe(204);
    expect(await SubscriptionModel.exists({ _id: sub.id })).toBeNull();
    expect(app.services.alerts.index.get(sub.id)).toBeUndefined();
    expect((await owner.c.get('/api/subscriptions')).body.subscriptions.map((s: { id: string }) => s.id)).toEqual([area.id]);
  });

  it('inserted by a script, outside the lists, are listed for their user after the background repair', async () => {
    const owner = await createUser(app.services, 'owner');
    const [scripted] = await SubscriptionModel.insertMany([
      {
        userId: owner.id,
        email: owner.email,
        audience: 'owner',
        kind: 'area',
        label: 'the area you drew',
        polygon: square({ lat: 50.95, lng: -0.4 }),
        bbox: { w: -0.41, s: 50.94, e: -0.39, n: 50.96 },
        mode: 'daily',
        status: 'confirmed',
        tokenVersion: 'v1',
      },
    ]);
    expect(await app.services.alerts.list(owner.id)).toEqual([]);
    await app.services.alerts.repairLists();
    expect((await app.services.alerts.list(owner.id)).map((s) => String(s._id))).toEqual([String(scripted!._id)]);
  });
});

describe('account deletion', () => {
  it('removes every subscription, delivery and property, and a delivery recorded for the account afterwards too', async () => {
    const center = { lat: 50.77, lng: 0.28 }; // Eastbourne
    const owner = await signedIn('owner');
    const { body: p } = await owner.c.post('/api/properties', {
      address: '5 Grand Parade',
      lat: center.lat,
      lng: center.lng,
      type: 'S',
    });
    const { body: byProperty } = await owner.c.post('/api/subscriptions', {
      kind: 'property',
      propertyId: p.id,
      radiusM: 300,
      mode: 'instant',
    });
    const { body: byArea } = await owner.c.post('/api/subscriptions', { kind: 'area', polygon: square(center), mode: 'instant' });
    await confirm(byProperty.id);
    await confirm(byArea.id);
    await fileReport(center);
    const officer = await signedIn('police');
    const sent = await officer.c.post('/api/advisories', {
      polygon: square(center, 0.02),
      subject: 'Check bookings',
      body: 'Please check recent bookings.',
    });
    expect(sent.status).toBe(201);
    await historyWriter.settled(owner.id);
    // Two confirmations, two area notices (one per subscription), one advisory.
    expect(await DeliveryModel.countDocuments(ofUser(owner.id))).toBe(5);
    expect((await owner.c.get('/api/alerts/mine')).body.alerts.map((a: { kind: string }) => a.kind).sort()).toEqual([
      'advisory',
      'area',
      'area',
    ]);

    expect((await owner.c.delete('/api/account')).status).toBe(200);
    expect(await DeliveryModel.countDocuments(ofUser(owner.id))).toBe(0);
    expect(await SubscriptionModel.countDocuments(ofUser(owner.id))).toBe(0);
    expect(await PropertyModel.countDocuments({ ownerId: new Types.ObjectId(owner.id) })).toBe(0);
    expect(app.services.alerts.index.get(byArea.id)).toBeUndefined();

    // Another instance whose index still held the subscription records one more notice for the deleted account.
    await recordDeliveries([
      {
        key: `area:${byArea.id}:late-report`,
        kind: 'area',
        subscriptionId: byArea.id,
        userId: owner.id,
        to: owner.email,
        email: { subject: 'Late notice', text: 'Late', html: '<p>Late</p>' },
      },
    ]);
    await historyWriter.settled(owner.id);
    expect(await DeliveryModel.countDocuments(ofUser(owner.id))).toBe(0);
  });
});

describe('emerging hotspots', () => {
  it('are announced once for reports on both sides of a cell border', async () => {
    // Worthing: find where the 6-character geohash cell changes going east.
    const lat = 50.815;
    let lng = -0.372;
    const cell = geohash(lat, lng, 6);
    while (geohash(lat, lng + 0.0005, 6) === cell) lng += 0.0005;
    const west = { lat, lng: lng - 0.0007 }; // about 50 m inside the western cell
    const east = { lat, lng: lng + 0.0012 }; // about 50 m inside the eastern one
    expect(geohash(east.lat, east.lng, 6)).not.toBe(cell);
    const officer = await signedIn('police');
    const { body: patrol } = await officer.c.post('/api/subscriptions', {
      kind: 'area',
      polygon: square(west, 0.02),
      mode: 'instant',
    });
    await confirm(patrol.id);
    for (let i = 0; i < 3; i++) await fileReport({ lat: west.lat + i * 0.0002, lng: west.lng });
    const announced = () => DeliveryModel.collection.countDocuments({ key: { $regex: `^hotspot:${patrol.id}:` } });
    expect(await announced()).toBe(1);
    await fileReport(east);
    expect(await announced()).toBe(1);
  });
});

describe('the account purge', () => {
  it('deletes, in the background, a delivery that is not in the user’s alert history (a straggler)', async () => {
    const owner = await signedIn('owner');
    await DeliveryModel.collection.insertOne({
      _id: new Types.ObjectId(),
      key: `straggler:${owner.id}`,
      kind: 'area',
      subscriptionId: null,
      userId: new Types.ObjectId(owner.id),
      to: owner.email,
      subject: 'A notice recorded elsewhere',
      bodyId: 'straggler-body',
      status: 'pending',
      createdAt: new Date(),
    });
    expect((await owner.c.delete('/api/account')).status).toBe(200);
    expect(await DeliveryModel.countDocuments(ofUser(owner.id))).toBe(1);
    expect(await app.services.alerts.sweepPurges(new Date(Date.now() + 61_000))).toBe(1);
    expect(await DeliveryModel.countDocuments(ofUser(owner.id))).toBe(0);
  });
});

describe('sent alerts and advisories', () => {
  it('list a force’s advisories newest first', async () => {
    const officer = await signedIn('police');
    const polygon = square({ lat: 51.0, lng: -0.5 });
    for (const subject of ['First advisory', 'Second advisory', 'Third advisory']) {
      expect((await officer.c.post('/api/advisories', { polygon, subject, body: 'Details of the advisory.' })).status).toBe(201);
    }
    const listed = (await officer.c.get('/api/advisories')).body.advisories.map((a: { subject: string }) => a.subject);
    expect(listed.slice(0, 3)).toEqual(['Third advisory', 'Second advisory', 'First advisory']);
  });

  it('are served, with every subscription route, by `_id` reads and inserts only', async () => {
    const center = { lat: 50.86, lng: 0.57 }; // Hastings
    const owner = await signedIn('owner');
    const officer = await signedIn('police');
    const c: TestClient = owner.c;
    const sent = await accessesDuring(monitor, async () => {
      const { body: p } = await c.post('/api/properties', { address: '8 Old Town', lat: center.lat, lng: center.lng, type: 'S' });
      const { body: sub } = await c.post('/api/subscriptions', {
        kind: 'property',
        propertyId: p.id,
        radiusM: 500,
        mode: 'instant',
      });
      const { body: area } = await c.post('/api/subscriptions', { kind: 'area', polygon: square(center), mode: 'daily' });
      expect((await c.get('/api/subscriptions')).body.subscriptions).toHaveLength(2);
      const token = await confirm(sub.id);
      expect((await app.client().get(`/api/subscriptions/confirm?token=${encodeURIComponent(token)}`)).status).toBe(200);
      const { body: patrol } = await officer.c.post('/api/subscriptions', {
        kind: 'area',
        polygon: square(center, 0.02),
        mode: 'instant',
      });
      await confirm(patrol.id);
      for (let i = 0; i < 3; i++) await fileReport({ lat: center.lat + i * 0.0005, lng: center.lng }); // and a hotspot
      expect((await c.patch(`/api/properties/${p.id}`, { lat: center.lat + 0.001, lng: center.lng })).status).toBe(200);
      expect((await officer.c.post('/api/advisories/preview', { polygon: square(center) })).status).toBe(200);
      expect(
        (
          await officer.c.post('/api/advisories', {
            polygon: square(center),
            subject: 'Hastings',
            body: 'Check recent bookings.',
          })
        ).status,
      ).toBe(201);
      expect((await officer.c.get('/api/advisories')).status).toBe(200);
      expect((await c.get('/api/alerts/mine')).body.alerts.length).toBeGreaterThan(0);
      const unsubscribe = app.services.alerts.tokens.sign(
        'u',
        sub.id,
        (await SubscriptionModel.findById(sub.id).lean())!.tokenVersion,
        null,
      );
      const link = `/api/subscriptions/unsubscribe?token=${encodeURIComponent(unsubscribe)}`;
      expect((await app.client().get(link)).status).toBe(200);
      expect((await app.client().request('POST', link)).status).toBe(200);
      expect((await c.delete(`/api/subscriptions/${area.id}`)).status).toBe(204);
      expect((await c.delete(`/api/properties/${p.id}`)).status).toBe(204);
      expect((await c.delete('/api/account')).status).toBe(200);
      await historyWriter.settled(owner.id);
    });
    expect(nonPoint(sent, OURS)).toEqual([]);
    // The walk reached the hotspot check, the history logs and the lists.
    for (const coll of ['hotspots', 'alerthistory', 'pagedlogs', 'usersubscriptions', 'deliveries']) {
      expect(sent.some((s) => s.collection === coll)).toBe(true);
    }
  });
});
