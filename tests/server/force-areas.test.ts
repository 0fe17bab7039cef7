import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simplifyRing } from '../../server/geo/simplify';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

async function signedIn(role: 'police' | 'police_admin' | 'owner', forceId?: string) {
  const u = await createUser(app.services, role, forceId ? { forceId } : {});
  const c = app.client();
  await c.login(u.email, u.password);
  return c;
}

describe('force boundaries for the police map', () => {
  it("gives an officer only their own force's boundary, with its name", async () => {
    const res = await (await signedIn('police', 'surrey')).get('/api/forces/areas');
    expect(res.status, res.text).toBe(200);
    expect(res.body.forces.map((f: { id: string; name: string }) => [f.id, f.name])).toEqual([['surrey', 'Surrey Police']]);
    const ring = res.body.forces[0].area.polygons[0].outer as [number, number][];
    expect(ring.length).toBeGreaterThanOrEqual(4);
    // [lat, lng] pairs inside the force's bounding box.
    const [w, s, e, n] = res.body.forces[0].area.bbox;
    for (const [lat, lng] of ring) {
      expect(lat).toBeGreaterThanOrEqual(s);
      expect(lat).toBeLessThanOrEqual(n);
      expect(lng).toBeGreaterThanOrEqual(w);
      expect(lng).toBeLessThanOrEqual(e);
    }
  });

  it('gives a police admin every force', async () => {
    const res = await (await signedIn('police_admin')).get('/api/forces/areas');
    expect(res.status, res.text).toBe(200);
    expect(res.body.forces.map((f: { name: string }) => f.name)).toEqual(['Surrey Police', 'Sussex Police']);
  });

  it('refuses owners and signed-out visitors', async () => {
    expect((await app.client().get('/api/forces/areas')).status).toBe(401);
    expect((await (await signedIn('owner')).get('/api/forces/areas')).status).toBe(403);
  });

  it('sends a big boundary simplified, and changes it when an admin replaces the area', async () => {
    // A circle of 5,000 vertices (radius ~10 km): drawn within 100 m by far fewer points.
    const coords: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      const a = (i / 5000) * 2 * Math.PI;
      coords.push([-0.5 + 0.14 * Math.cos(a), 51.2 + 0.09 * Math.sin(a)]);
    }
    coords.push(coords[0]!);
    const admin = await signedIn('police_admin');
    const put = await admin.put('/api/forces/surrey/area', { area: { type: 'Polygon', coordinates: [coords] }, confirm: true });
    expect(put.status, put.text).toBe(200);
    const res = await admin.get('/api/forces/areas');
    const surrey = res.body.forces.find((f: { id: string }) => f.id === 'surrey');
    expect(surrey.area.vertexCount).toBeGreaterThan(20);
    expect(surrey.area.vertexCount).toBeLessThan(500);
    expect(surrey.area.bbox[0]).toBeCloseTo(-0.64, 2);
  });
});

describe('simplifyRing', () => {
  it('drops points on a straight line and keeps corners', () => {
    const line = Array.from({ length: 11 }, (_, i) => ({ lat: 50, lng: -1 + i * 0.1 }));
    const ring = [...line, { lat: 51, lng: 0 }, { lat: 51, lng: -1 }, { lat: 50, lng: -1 }];
    const out = simplifyRing(ring, 0.001);
    expect(out).toEqual([
      { lat: 50, lng: -1 },
      { lat: 50, lng: 0 },
      { lat: 51, lng: 0 },
      { lat: 51, lng: -1 },
      { lat: 50, lng: -1 },
    ]);
  });
});
