import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports, toReportDocument } from '../../server/demo/insert';
import { EventBus, type StoredReport } from '../../server/events';
import { createLogger } from '../../server/logger';
import { MapIndex } from '../../server/map/map-index';
import { type Report, ReportModel } from '../../server/reports/report.model';
import type { ClusterFeature } from '../../shared/schemas/police';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

let app: TestApp;
let sussex: TestClient;
let admin: TestClient;
type Doc = Report & { _id: Types.ObjectId };

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  await insertReports(generateReports(600, { seed: 5, locator: app.services.forces.locator, now: new Date() }));
  await app.services.mapIndex.build();
  for (const [role, set] of [
    ['police', (c: TestClient) => (sussex = c)],
    ['police_admin', (c: TestClient) => (admin = c)],
  ] as const) {
    const u = await createUser(app.services, role, role === 'police' ? { forceId: 'sussex' } : {});
    const c = app.client();
    await c.login(u.email, u.password);
    set(c);
  }
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const FILTERS = [
  '',
  'priority=safeguarding',
  'types=R,U',
  'indicators=1,17',
  'statuses=closed',
  'bbox=-0.3,50.75,0.0,50.95',
  `from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`,
  'types=S&indicators=2,11&priority=standard',
  'q=street',
];

const sum = (fs: ClusterFeature[]) => fs.reduce((s, f) => s + f.properties.count, 0);

describe('map clusters', () => {
  it('add up to the number of matching reports at every zoom, for every filter, never over 1,000 features', async () => {
    for (const qs of FILTERS) {
      const total = (await sussex.get(`/api/reports?limit=1&${qs}`)).body.total as number;
      for (const zoom of [5, 8, 11, 14, 18]) {
        const res = await sussex.get(`/api/map/clusters?zoom=${zoom}&${qs}`);
        expect(res.status, qs).toBe(200);
        expect(res.body.type).toBe('FeatureCollection');
        expect(res.body.total, `${qs} z${zoom}`).toBe(total);
        expect(sum(res.body.features), `${qs} z${zoom}`).toBe(total);
        expect(res.body.features.length).toBeLessThanOrEqual(1000);
      }
    }
  });

  it('agree with the list and the export on the same filters', async () => {
    const qs = 'types=H,S&statuses=new,triaged,under_investigation';
    const list = (await sussex.get(`/api/reports?limit=1&${qs}`)).body.total;
    const clusters = await sussex.get(`/api/map/clusters?zoom=9&${qs}`);
    const exported = await sussex.get(`/api/reports/export?format=geojson&${qs}`);
    expect(sum(clusters.body.features)).toBe(list);
    expect(exported.body.features).toHaveLength(list);
    expect(list).toBeGreaterThan(0);
  });

  it('return single reports that match the filters when zoomed right in', async () => {
    const res = await sussex.get('/api/map/clusters?zoom=18&priority=safeguarding&types=R');
    expect(res.status).toBe(200);
    const singles = res.body.features.filter((f: ClusterFeature) => !f.properties.cluster);
    expect(singles.length).toBeGreaterThan(0);
    for (const f of singles) {
      expect(f.properties).toMatchObject({ priority: 'safeguarding', propertyType: 'R', count: 1 });
      const doc = await ReportModel.findById(f.properties.id).lean<Doc>();
      expect(doc?.forceId).toBe('sussex');
      expect(f.geometry.coordinates).toEqual([doc!.lng, doc!.lat]);
      expect(f.properties.reference).toBe(doc!.reference);
    }
  });

  it('break clusters down by priority and bound their reports', async () => {
    const res = await sussex.get('/api/map/clusters?zoom=6');
    const clusters = res.body.features.filter((f: ClusterFeature) => f.properties.cluster);
    expect(clusters.length).toBeGreaterThan(0);
    for (const c of clusters) {
      const p = c.properties;
      expect(p.safeguarding + p.standard).toBe(p.count);
      const [w, s, e, n] = p.bounds;
      const [lng, lat] = c.geometry.coordinates;
      expect(lng).toBeGreaterThanOrEqual(w - 1e-6);
      expect(lng).toBeLessThanOrEqual(e + 1e-6);
      expect(lat).toBeGreaterThanOrEqual(s - 1e-6);
      expect(lat).toBeLessThanOrEqual(n + 1e-6);
    }
  });

  it('cover every force for a police admin and one force when asked', async () => {
    const all = await ReportModel.countDocuments({});
    const surrey = await ReportModel.countDocuments({ forceId: 'surrey' });
    expect((await admin.get('/api/map/clusters?zoom=7')).body.total).toBe(all);
    expect((await admin.get('/api/map/clusters?zoom=7&force=surrey')).body.total).toBe(surrey);
  });

  it('follow a status change at once', async () => {
    const doc = (await ReportModel.findOne({ forceId: 'sussex', status: 'new' }).lean<Doc>())!;
    const before = (await sussex.get('/api/map/clusters?zoom=8&statuses=rejected')).body.total;
    expect((await sussex.patch(`/api/reports/${doc._id}`, { status: 'rejected' })).status).toBe(200);
    expect((await sussex.get('/api/map/clusters?zoom=8&statuses=rejected')).body.total).toBe(before + 1);
  });
});

describe('other map analytics', () => {
  it('returns a heat grid over the view with the quartic kernel', async () => {
    const res = await sussex.get('/api/map/heat?bandwidth=800');
    expect(res.status).toBe(200);
    const h = res.body;
    expect(h.values).toHaveLength(h.cols * h.rows);
    expect(h.bandwidthM).toBe(800);
    expect(h.max).toBeGreaterThan(0);
    expect(Math.max(...h.values)).toBe(h.max);
    const empty = await sussex.get('/api/map/heat?bbox=-0.2,50.8,-0.1,50.9&from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z');
    expect(empty.body.max).toBe(0);
  });

  it('returns Gi* hotspot cells corrected for multiple testing', async () => {
    const res = await sussex.get('/api/map/hotspots?cellSize=500');
    expect(res.status).toBe(200);
    expect(res.body.meta).toMatchObject({ method: 'Getis-Ord Gi*', correction: 'FDR (Benjamini-Hochberg)', cellSizeM: 500 });
    expect(res.body.meta.significant).toBe(res.body.features.length);
    expect(res.body.features.length).toBeGreaterThan(0);
    for (const f of res.body.features) {
      expect([99, 95, 90, -90, -95, -99]).toContain(f.properties.bin);
      expect(f.properties.p).toBeLessThanOrEqual(0.1);
      expect(f.geometry.type).toBe('Polygon');
      expect(f.geometry.coordinates[0]).toHaveLength(5);
    }
  });

  it('ranks repeat locations and finds near-repeat pairs', async () => {
    const res = await sussex.get('/api/map/repeats?limit=5');
    expect(res.status).toBe(200);
    const { locations, nearRepeats } = res.body;
    expect(locations.length).toBeGreaterThan(0);
    for (let i = 1; i < locations.length; i++) expect(locations[i].count).toBeLessThanOrEqual(locations[i - 1].count);
    const top = locations[0];
    const same = await ReportModel.countDocuments({ forceId: 'sussex', lat: top.lat, lng: top.lng });
    expect(top.count).toBe(same);
    for (const p of nearRepeats) {
      expect(p.distanceM).toBeLessThanOrEqual(200);
      expect(p.hours).toBeLessThanOrEqual(24 * 7);
    }
  });

  it('counts reports per day and spreads each window over the hour × weekday matrix', async () => {
    const total = (await sussex.get('/api/reports?limit=1')).body.total;
    const res = await sussex.get('/api/map/timeline');
    expect(res.status).toBe(200);
    expect(res.body.days.reduce((s: number, d: { count: number }) => s + d.count, 0)).toBe(total);
    const matrix: number[][] = res.body.hourWeekday;
    expect(matrix).toHaveLength(7);
    expect(matrix.every((r) => r.length === 24)).toBe(true);
    expect(matrix.flat().reduce((s, v) => s + v, 0)).toBeCloseTo(total, 0);
  });
});

describe('the API document', () => {
  it('describes every police route with its roles', async () => {
    const doc = (await app.client().get('/api/openapi.json')).body;
    for (const [path, method] of [
      ['/api/reports', 'get'],
      ['/api/reports/export', 'get'],
      ['/api/reports/{id}', 'get'],
      ['/api/reports/{id}', 'patch'],
      ['/api/audit', 'get'],
      ['/api/map/clusters', 'get'],
      ['/api/map/heat', 'get'],
      ['/api/map/hotspots', 'get'],
      ['/api/map/repeats', 'get'],
      ['/api/map/timeline', 'get'],
    ] as const) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op['x-roles'].every((r: string) => r === 'police' || r === 'police_admin')).toBe(true);
    }
  });

  it('answers nonsense map queries with 400, never 500', async () => {
    for (const qs of [
      'clusters?zoom=99',
      'clusters',
      'clusters?zoom=5&bbox=10,10,5,5',
      'heat?bandwidth=-5',
      'hotspots?cellSize=1',
      'repeats?limit=100000',
      'timeline?from=not-a-date',
      'timeline?priority=urgent',
    ]) {
      expect((await sussex.get(`/api/map/${qs}`)).status, qs).toBe(400);
    }
    for (const qs of [
      'heat?bbox=-180,-85,180,85&bandwidth=10',
      'hotspots?bbox=-180,-85,180,85&cellSize=50',
      'clusters?zoom=0&bbox=-180,-85,180,85',
    ]) {
      expect((await sussex.get(`/api/map/${qs}`)).status, qs).toBe(200);
    }
  });
});

describe('index reconciliation', () => {
  it('picks up a report filed on another instance (through its change log)', async () => {
    const [gen] = [...generateReports(1, { seed: 99, locator: app.services.forces.locator })];
    const now = new Date();
    const doc = { ...toReportDocument({ ...gen!, forceId: 'sussex', status: 'new', createdAt: now, updatedAt: now }) };
    const before = (await sussex.get('/api/reports?limit=1')).body.total;
    const other = new EventBus(createLogger({ level: 'silent' }));
    const otherIndex = new MapIndex(createLogger({ level: 'silent' }), other);
    const { insertedId } = await ReportModel.collection.insertOne(doc as never);
    await other.emit('report.created', { report: { ...doc, _id: insertedId } as unknown as StoredReport });
    await otherIndex.changes.flush();
    expect((await sussex.get('/api/reports?limit=1')).body.total).toBe(before);
    await app.services.mapIndex.reconcile();
    const after = await sussex.get('/api/reports?limit=200');
    expect(after.body.total).toBe(before + 1);
    expect((await sussex.get(`/api/map/clusters?zoom=6`)).body.total).toBe(before + 1);
    expect(after.body.items.map((r: { id: string }) => r.id)).toContain(insertedId.toString());
  });

  it('rebuilds when a report with an old timestamp appears or one disappears', async () => {
    const [gen] = [...generateReports(1, { seed: 98, locator: app.services.forces.locator })];
    const old = new Date('2020-01-01T00:00:00Z');
    const doc = toReportDocument({ ...gen!, forceId: 'sussex', createdAt: old, updatedAt: old });
    const before = (await sussex.get('/api/reports?limit=1')).body.total;
    const { insertedId } = await ReportModel.collection.insertOne(doc as never);
    // One differing count can be a write in flight on another instance; a second in a row means drift.
    await app.services.mapIndex.reconcile();
    expect((await sussex.get('/api/reports?limit=1')).body.total).toBe(before);
    await app.services.mapIndex.reconcile();
    expect((await sussex.get('/api/reports?limit=1')).body.total).toBe(before + 1);
    await ReportModel.deleteOne({ _id: insertedId });
    await app.services.mapIndex.reconcile();
    await app.services.mapIndex.reconcile();
    expect((await sussex.get('/api/reports?limit=1')).body.total).toBe(before);
  });
});
