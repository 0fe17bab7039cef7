import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { accessesDuring, CommandMonitor, nonPoint } from '../support/command-monitor';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import { PropertyModel } from '../../server/properties/property.model';
import { bumpPropertyVersion } from '../../server/properties/property-version.model';
import { cellKeys } from '../../server/geo/geohash';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

/**
 * Properties with point operations only: an owner's property ids live in a small versioned list per owner, so the
 * per-owner limit holds under concurrent registrations (a count-then-insert let them all through), and no request
 * reads properties by anything but `_id`.
 */

let monitor: CommandMonitor;
/** The collections the property routes read and write. */
const OURS = new Set(['properties', 'ownerproperties', 'propertyversions', 'subscriptions', 'usersubscriptions', 'revisions']);

let app: TestApp;
beforeAll(async () => {
  // Our own connection with command monitoring on; startTestApp reuses it.
  await mongoose.connect(inject('mongoUri'), { dbName: `t_${randomBytes(6).toString('hex')}`, monitorCommands: true });
  monitor = new CommandMonitor(mongoose.connection.getClient());
  app = await startTestApp({ LOG_LEVEL: 'silent', TOKEN_SECRET: 'properties-points-secret-0123456789ab' });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

/** Exactly `{_id: <string or ObjectId>}`. */

async function signedIn(role: 'owner' | 'host' = 'owner') {
  const u = await createUser(app.services, role);
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

const home = (i: number) => ({
  address: `${i} Marine Parade, Brighton`,
  lat: 50.8195 + i * 0.0001,
  lng: -0.1311,
  type: 'S' as const,
});

describe('an owner’s properties', () => {
  it('never exceed the per-owner limit when the last places are taken by concurrent registrations', async () => {
    const owner = await signedIn();
    const limit = ALERT_LIMITS.propertiesPerUser;
    for (let i = 0; i < limit - 2; i++) await app.services.properties.create(owner.id, home(i));
    const attempts = await Promise.all(Array.from({ length: 8 }, (_, i) => owner.c.post('/api/properties', home(100 + i))));
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409, 409, 409]);
    expect(await PropertyModel.countDocuments({ ownerId: new Types.ObjectId(owner.id) })).toBe(limit);
    expect((await owner.c.get('/api/properties')).body.properties).toHaveLength(limit);
  });

  it('are listed oldest first, skipping a listed one whose registration never finished, which stops counting after a while', async () => {
    const owner = await signedIn('host');
    const first = await owner.c.post('/api/properties', home(1));
    const second = await owner.c.post('/api/properties', home(2));
    // A registration that died between listing its id and inserting the property, an hour ago, filling the list.
    const lists = mongoose.connection.db!.collection<{ _id: string; ids: string[] }>('ownerproperties');
    const stale = Array.from({ length: ALERT_LIMITS.propertiesPerUser }, () =>
      Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 3600).toHexString(),
    );
    await lists.updateOne({ _id: owner.id }, { $set: { ids: [first.body.id, second.body.id, ...stale.slice(2)] } });
    expect((await owner.c.get('/api/properties')).body.properties.map((p: { id: string }) => p.id)).toEqual([
      first.body.id,
      second.body.id,
    ]);
    const third = await owner.c.post('/api/properties', home(3));
    expect(third.status).toBe(201);
    expect((await owner.c.get('/api/properties')).body.properties).toHaveLength(3);
  });

  it('cannot gain a property once the account’s deletion has begun', async () => {
    const owner = await signedIn();
    await owner.c.post('/api/properties', home(1));
    await app.services.properties.removeAllFor(owner.id);
    await expect(app.services.properties.create(owner.id, home(2))).rejects.toMatchObject({ status: 409 });
    expect(await PropertyModel.countDocuments({ ownerId: new Types.ObjectId(owner.id) })).toBe(0);
  });

  it('keep both of two concurrent edits of one property', async () => {
    const owner = await signedIn();
    const { body: p } = await owner.c.post('/api/properties', home(5));
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([
        owner.c.patch(`/api/properties/${p.id}`, { address: `Flat ${round}, 5 Marine Parade` }),
        owner.c.patch(`/api/properties/${p.id}`, { listingUrl: `https://example.test/listing/${round}` }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const stored = await PropertyModel.findById(p.id).lean();
      expect(stored).toMatchObject({
        address: `Flat ${round}, 5 Marine Parade`,
        listingUrl: `https://example.test/listing/${round}`,
      });
    }
  });

  it('written by a script are listed for their owner after the background repair', async () => {
    const owner = await createUser(app.services, 'owner');
    const [written] = await PropertyModel.insertMany([
      { ownerId: owner.id, address: 'Flat 9, Seeded Row', lat: 50.83, lng: -0.15, cells: cellKeys(50.83, -0.15), type: 'S' },
    ]);
    expect(await app.services.properties.list(owner.id)).toEqual([]);
    await bumpPropertyVersion(); // as the seed script does
    await app.services.properties.reloadIfChanged();
    await app.services.properties.repairOwnerLists();
    expect((await app.services.properties.list(owner.id)).map((p) => String(p._id))).toEqual([String(written!._id)]);
  });

  it('are registered, listed, read, changed and deleted, with the account, by `_id` reads and inserts only', async () => {
    const owner = await signedIn();
    const sent = await accessesDuring(monitor, async () => {
      const { body: p } = await owner.c.post('/api/properties', home(7));
      await owner.c.post('/api/properties', home(8));
      await owner.c.post('/api/subscriptions', { kind: 'property', propertyId: p.id, radiusM: 200, mode: 'instant' });
      expect((await owner.c.get('/api/properties')).body.properties).toHaveLength(2);
      expect((await owner.c.get(`/api/properties/${p.id}`)).status).toBe(200);
      expect((await owner.c.patch(`/api/properties/${p.id}`, { lat: 50.821, lng: -0.132 })).status).toBe(200);
      expect((await owner.c.delete(`/api/properties/${p.id}`)).status).toBe(204);
      expect((await owner.c.delete('/api/account')).status).toBe(200);
    });
    const offending = nonPoint(sent, OURS);
    expect(offending).toEqual([]);
  });
});
