import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserModel } from '../../server/accounts/user.model';
import { DeliveryModel } from '../../server/alerts/delivery.model';
import { SubscriptionModel } from '../../server/alerts/subscription.model';
import { PropertyModel } from '../../server/properties/property.model';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ TOKEN_SECRET: 'properties-test-secret-0123456789abcd' });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const HOME = {
  address: '12 Marine Parade, Brighton',
  lat: 50.8195,
  lng: -0.1311,
  type: 'S',
  listingUrl: 'https://example.test/listing/1',
};

async function signedIn(role: 'owner' | 'host' | 'police' = 'owner') {
  const u = await createUser(app.services, role);
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

describe('properties', () => {
  it('registers, lists, changes and deletes an owner’s own property', async () => {
    const { c } = await signedIn();
    const created = await c.post('/api/properties', HOME);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      address: HOME.address,
      lat: HOME.lat,
      lng: HOME.lng,
      type: 'S',
      listingUrl: HOME.listingUrl,
    });
    expect(created.body).not.toHaveProperty('_id');
    expect(created.body).not.toHaveProperty('ownerId');
    const stored = await PropertyModel.findById(created.body.id).lean();
    expect(stored!.cells.g6).toHaveLength(6);

    const list = await c.get('/api/properties');
    expect(list.body.properties.map((p: { id: string }) => p.id)).toEqual([created.body.id]);

    const moved = await c.patch(`/api/properties/${created.body.id}`, { lat: 50.82, lng: -0.14, listingUrl: null });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ lat: 50.82, lng: -0.14, listingUrl: null });

    expect((await c.delete(`/api/properties/${created.body.id}`)).status).toBe(204);
    expect((await c.get('/api/properties')).body.properties).toEqual([]);
  });

  it('hides other owners’ properties behind a 404', async () => {
    const a = await signedIn();
    const b = await signedIn('host');
    const { body } = await a.c.post('/api/properties', HOME);
    expect((await b.c.get(`/api/properties/${body.id}`)).status).toBe(404);
    expect((await b.c.patch(`/api/properties/${body.id}`, { address: 'Mine now' })).status).toBe(404);
    expect((await b.c.delete(`/api/properties/${body.id}`)).status).toBe(404);
    expect((await b.c.get('/api/properties')).body.properties).toEqual([]);
    expect((await a.c.get(`/api/properties/${body.id}`)).body.address).toBe(HOME.address);
  });

  it('rejects bad input and other roles', async () => {
    const { c } = await signedIn();
    const bad = await c.post('/api/properties', { ...HOME, lat: 123, extra: true });
    expect(bad.status).toBe(400);
    expect((await c.post('/api/properties', { ...HOME, listingUrl: 'javascript:alert(1)' })).status).toBe(400);
    expect((await c.patch('/api/properties/000000000000000000000000', { lat: 50.8 })).status).toBe(400);
    const officer = await signedIn('police');
    expect((await officer.c.get('/api/properties')).status).toBe(403);
    expect((await app.client().get('/api/properties')).status).toBe(401);
  });

  it('moves a property’s alert area when the property moves, and deletes it with the property', async () => {
    const { c } = await signedIn();
    const { body: p } = await c.post('/api/properties', HOME);
    const { body: sub } = await c.post('/api/subscriptions', {
      kind: 'property',
      propertyId: p.id,
      radiusM: 300,
      mode: 'instant',
    });
    await c.patch(`/api/properties/${p.id}`, { lat: 50.83, lng: -0.15 });
    const after = (await c.get('/api/subscriptions')).body.subscriptions[0];
    expect(after.center).toEqual({ lat: 50.83, lng: -0.15 });
    await c.delete(`/api/properties/${p.id}`);
    expect(await SubscriptionModel.exists({ _id: sub.id })).toBeNull();
  });

  it('deletes an account with its properties, subscriptions and alert records', async () => {
    const owner = await signedIn();
    const { body: p } = await owner.c.post('/api/properties', HOME);
    await owner.c.post('/api/subscriptions', { kind: 'property', propertyId: p.id, radiusM: 100, mode: 'daily' });
    expect(await DeliveryModel.countDocuments({ to: owner.email })).toBe(1); // the confirmation email
    const res = await owner.c.delete('/api/account');
    expect(res.status).toBe(200);
    expect(await UserModel.exists({ email: owner.email })).toBeNull();
    expect(await PropertyModel.countDocuments({ _id: p.id })).toBe(0);
    expect(await SubscriptionModel.countDocuments({ email: owner.email })).toBe(0);
    expect(await DeliveryModel.countDocuments({ to: owner.email })).toBe(0);
    expect((await owner.c.get('/api/properties')).status).toBe(401);
  });

  it('offers a registered property to police as a report’s subject until its account is deleted', async () => {
    const owner = await signedIn();
    const { body: p } = await owner.c.post('/api/properties', { ...HOME, lat: 50.8201, lng: -0.1401 });
    const near = { lat: 50.8202, lng: -0.1401 };
    expect(await app.services.properties.nearest(near.lat, near.lng, 'S', 30)).toBe(p.id);
    expect(await app.services.properties.nearest(near.lat, near.lng, 'H', 30)).toBeNull();
    await owner.c.delete('/api/account');
    expect(await app.services.properties.nearest(near.lat, near.lng, 'S', 30)).toBeNull();
  });
});
