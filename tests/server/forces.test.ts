import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { BOWTIE } from '../fixtures/areas';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

let app: TestApp;
let admin: TestClient;
beforeAll(async () => {
  app = await startTestApp();
  const a = await createUser(app.services, 'police_admin');
  admin = app.client();
  await admin.login(a.email, a.password);
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const box = {
  type: 'Polygon',
  coordinates: [
    [
      [-0.2, 50.8],
      [-0.1, 50.8],
      [-0.1, 50.9],
      [-0.2, 50.9],
      [-0.2, 50.8],
    ],
  ],
};

/** A replace body: the area, and the admin's confirmation after the preview. */
const confirmed = (area: unknown) => ({ area, confirm: true });

describe('force areas over the API', () => {
  it('lists the configured forces publicly', async () => {
    const res = await app.client().get('/api/forces');
    expect(res.status).toBe(200);
    expect(res.body.forces.map((f: { id: string }) => f.id)).toEqual(['surrey', 'sussex']);
  });

  it('lets a police admin replace an area with a GeoJSON Feature and uses it at once', async () => {
    const res = await admin.put('/api/forces/sussex/area', confirmed({ type: 'Feature', properties: {}, geometry: box }));
    expect(res.status).toBe(200);
    expect(res.body.bbox).toEqual([-0.2, 50.8, -0.1, 50.9]);
    expect(app.services.forces.locator.locate(50.85, -0.15)).toBe('sussex');
    expect(app.services.forces.locator.locate(50.85, 0.29)).toBeNull();
  });

  it('accepts a MultiPolygon and rejects invalid geometry with 400', async () => {
    const multi = {
      type: 'MultiPolygon',
      coordinates: [
        box.coordinates,
        [
          [
            [0, 50],
            [0.1, 50],
            [0.1, 50.1],
            [0, 50],
          ],
        ],
      ],
    };
    expect((await admin.put('/api/forces/sussex/area', confirmed(multi))).status).toBe(200);
    const bad = await admin.put('/api/forces/sussex/area', confirmed(BOWTIE));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/crosses itself/);
    const point = await admin.put('/api/forces/sussex/area', confirmed({ type: 'Point', coordinates: [0, 0] }));
    expect(point.status).toBe(400);
  });

  it('creates a new force with 201 and answers 409 for an existing id, leaving the stored force as it was', async () => {
    const created = await admin.post('/api/forces', { id: 'kent-test', name: 'Kent Test Police', area: box });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'kent-test', name: 'Kent Test Police', bbox: [-0.2, 50.8, -0.1, 50.9] });

    const other = {
      ...box,
      coordinates: [
        [
          [0, 51],
          [0.1, 51],
          [0.1, 51.1],
          [0, 51.1],
          [0, 51],
        ],
      ],
    };
    const again = await admin.post('/api/forces', { id: 'kent-test', name: 'Someone Else', area: other });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');

    const listed = (await app.client().get('/api/forces')).body.forces.find((f: { id: string }) => f.id === 'kent-test');
    expect(listed).toMatchObject({ name: 'Kent Test Police', bbox: [-0.2, 50.8, -0.1, 50.9] });
    expect(app.services.forces.locator.locate(51.05, 0.05)).not.toBe('kent-test');
  });

  it('answers 409 when a force that the demo seed created is posted again', async () => {
    const res = await admin.post('/api/forces', { id: 'sussex', name: 'Sussex Police', area: box });
    expect(res.status).toBe(409);
  });

  it('returns 404 for an unknown force and 403 for a police officer', async () => {
    expect((await admin.put('/api/forces/atlantis/area', confirmed(box))).status).toBe(404);
    const pc = await createUser(app.services, 'police');
    const c = app.client();
    await c.login(pc.email, pc.password);
    expect((await c.put('/api/forces/sussex/area', confirmed(box))).status).toBe(403);
  });

  it('previews an upload beside the current area without changing anything, and replaces it only when confirmed', async () => {
    const before = (await app.client().get('/api/forces')).body.forces.find((f: { id: string }) => f.id === 'surrey');
    const preview = await admin.post('/api/forces/surrey/area/preview', box);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({ forceId: 'surrey', name: expect.any(String) });
    expect(preview.body.proposed).toMatchObject({ polygonCount: 1, vertexCount: 4, bbox: [-0.2, 50.8, -0.1, 50.9] });
    expect(preview.body.proposed.polygons[0].outer[0]).toEqual([50.8, -0.2]);
    expect(preview.body.current.bbox).toEqual(before.bbox);

    const unconfirmed = await admin.put('/api/forces/surrey/area', { area: box });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.text).toContain('confirm');
    const bare = await admin.put('/api/forces/surrey/area', box);
    expect(bare.status).toBe(400);
    const after = (await app.client().get('/api/forces')).body.forces.find((f: { id: string }) => f.id === 'surrey');
    expect(after.bbox).toEqual(before.bbox);

    const bad = await admin.post('/api/forces/surrey/area/preview', { ...box, coordinates: [box.coordinates[0]!.slice(0, 4)] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/not closed/);

    expect((await admin.put('/api/forces/surrey/area', confirmed(box))).status).toBe(200);
    const replaced = (await app.client().get('/api/forces')).body.forces.find((f: { id: string }) => f.id === 'surrey');
    expect(replaced.bbox).toEqual([-0.2, 50.8, -0.1, 50.9]);
  });
});
