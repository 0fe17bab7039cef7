import type { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withoutBitmaps } from '../../bench/baselines';
import { generateReports } from '../../server/demo/generate';
import { insertReports, toReportDocument } from '../../server/demo/insert';
import { EventBus, type StoredReport } from '../../server/events';
import { createLogger } from '../../server/logger';
import { MapIndex } from '../../server/map/map-index';
import { type FilterInput, type IndexRecord, latToY, lngToX, ReportIndex } from '../../server/map/report-index';
import { decodeIndex, encodeIndex } from '../../server/map/snapshot-codec';
import { type Report, ReportModel } from '../../server/reports/report.model';
import type { ClusterFeature } from '../../shared/schemas/police';
import { PROPERTY_TYPE_IDS, REPORT_STATUSES } from '../../shared/taxonomy';
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

  it('returns Gi* hotspot cells corrected for multiple testing when asked for the former method', async () => {
    const res = await sussex.get('/api/map/hotspots?cellSize=500&method=gistar');
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
    expect(nearRepeats.length).toBeGreaterThan(0); // the loop below checks something
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
      ['/api/map/near-repeat', 'get'],
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

describe('the map index with attribute bitmaps', () => {
  /** A small deterministic generator (mulberry32). */
  function prng(seed: number) {
    let a = seed >>> 0;
    const next = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
    const some = <T>(xs: readonly T[], max: number): T[] => [...new Set(Array.from({ length: int(1, max) }, () => pick(xs)))];
    return { next, int, pick, some };
  }
  const FORCES = Array.from({ length: 12 }, (_, k) => `force-${k}`);
  const ADDRESSES = [null, '1 High Street, Lewes', '22 Church Road, Hove', 'Flat 3, Mill Lane', '9 Station Road'];
  const INDS = Array.from({ length: 19 }, (_, k) => k + 1);
  const T0 = Date.parse('2026-01-01T00:00:00Z');
  const DAY = 86_400_000;

  function record(rnd: ReturnType<typeof prng>, id: string, at?: { lat: number; lng: number }): IndexRecord {
    // A few dense towns and some reports anywhere in the region, so Morton runs hold mixed attributes.
    const town = rnd.int(0, 5);
    const spread = town === 5 ? 1 : 0.02;
    const from = T0 + rnd.next() * 300 * DAY + rnd.int(0, 59_999);
    return {
      _id: id,
      reference: `SR-${id.slice(-8)}`,
      lat: at?.lat ?? 50.6 + town * 0.15 + rnd.next() * spread,
      lng: at?.lng ?? -1 + town * 0.3 + rnd.next() * spread,
      address: rnd.pick(ADDRESSES),
      propertyType: rnd.pick(PROPERTY_TYPE_IDS),
      indicators: rnd.next() < 0.2 ? [] : rnd.some(INDS, 3),
      priority: rnd.next() < 0.3 ? 'safeguarding' : 'standard',
      status: rnd.pick(REPORT_STATUSES),
      forceId: rnd.next() < 0.5 ? FORCES[0]! : rnd.pick(FORCES),
      observedFrom: new Date(from),
      observedTo: new Date(from + rnd.int(0, 20) * 3_600_000),
      createdAt: new Date(from + DAY),
    };
  }

  function filter(rnd: ReturnType<typeof prng>): FilterInput {
    const f: FilterInput = {};
    const forces = rnd.next();
    if (forces < 0.3) f.forceIds = [FORCES[0]!];
    else if (forces < 0.45) f.forceIds = rnd.some(FORCES, 3);
    else if (forces < 0.55) f.forceIds = FORCES.slice(0, rnd.int(9, 12));
    else if (forces < 0.6) f.forceIds = ['no-such-force'];
    if (rnd.next() < 0.4) f.indicators = rnd.some(INDS, 3);
    if (rnd.next() < 0.3) f.types = rnd.some(PROPERTY_TYPE_IDS, 4);
    if (rnd.next() < 0.3) f.statuses = rnd.some(REPORT_STATUSES, 6);
    if (rnd.next() < 0.3) f.priority = rnd.next() < 0.5 ? 'safeguarding' : 'standard';
    if (rnd.next() < 0.3) {
      const from = T0 + rnd.next() * 300 * DAY;
      f.from = new Date(from);
      f.to = new Date(from + rnd.int(0, 90) * DAY + rnd.int(0, 59_999));
    }
    if (rnd.next() < 0.1) f.q = rnd.pick(['road', 'HIGH', 'lane', 'nowhere']);
    if (rnd.next() < 0.4) {
      const w = -1.1 + rnd.next() * 1.5;
      const s = 50.5 + rnd.next() * 0.8;
      f.bbox = [w, s, w + 0.05 + rnd.next(), s + 0.05 + rnd.next() * 0.6];
    }
    return f;
  }

  /** The plain per-report predicate, on the records themselves. */
  function matches(r: IndexRecord, f: FilterInput): boolean {
    if (f.forceIds && !f.forceIds.includes(r.forceId)) return false;
    if (f.indicators && !f.indicators.some((i) => r.indicators.includes(i))) return false;
    if (f.types?.length && !f.types.includes(r.propertyType)) return false;
    if (f.statuses?.length && !f.statuses.includes(r.status)) return false;
    if (f.priority && r.priority !== f.priority) return false;
    if (f.from && r.observedTo.getTime() < f.from.getTime()) return false;
    if (f.to && r.observedFrom.getTime() > f.to.getTime()) return false;
    if (f.q && !(r.address ?? '\u0000').toLowerCase().includes(f.q.toLowerCase())) return false;
    if (f.bbox) {
      // The index keeps Web-Mercator positions as Float32.
      const x = Math.fround(lngToX(r.lng));
      const y = Math.fround(latToY(r.lat));
      const [w, s, e, n] = f.bbox;
      if (x < lngToX(w) || x > lngToX(e) || y < latToY(n) || y > latToY(s)) return false;
    }
    return true;
  }

  it('selects and clusters exactly the reports a plain per-report test matches, through appends, moves, edits, removals, compaction and a snapshot', async () => {
    const rnd = prng(42);
    const truth = new Map<string, IndexRecord>();
    const hex = (k: number) => k.toString(16).padStart(24, '0');
    const ix = new ReportIndex(256);
    let next = 1;
    for (let k = 0; k < 5000; k++) {
      const r = record(rnd, hex(next++));
      truth.set(r._id as string, r);
      ix.append(r);
    }
    ix.sortSpatially();
    const ids = () => [...truth.keys()];
    for (let k = 0; k < 1500; k++) {
      const op = rnd.next();
      if (op < 0.3) {
        const r = record(rnd, hex(next++));
        truth.set(r._id as string, r);
        ix.upsert(r);
      } else if (op < 0.5) {
        // Edited where it stands (attributes change, the slot stays).
        const old = truth.get(rnd.pick(ids()))!;
        const r = record(rnd, old._id as string, { lat: old.lat, lng: old.lng });
        truth.set(r._id as string, r);
        ix.upsert(r);
      } else if (op < 0.65) {
        // Moved (a sorted slot retires, a tail slot takes over).
        const r = record(rnd, rnd.pick(ids()));
        truth.set(r._id as string, r);
        ix.upsert(r);
      } else {
        const id = rnd.pick(ids());
        truth.delete(id);
        ix.remove(id);
      }
    }
    expect(ix.n - ix.sortedN).toBeGreaterThan(500);
    expect(ix.size).toBe(truth.size);
    // Kept up to date slot by slot, the bitmaps equal ones built afresh from the columns.
    const inner = ix.bitmaps as unknown as { bm: Uint32Array; bmForce: Array<Uint32Array | undefined> };
    const kept = inner.bm.slice();
    const keptForces = inner.bmForce.map((m) => m?.slice());
    (ix as unknown as { rebuildBitmaps(): void }).rebuildBitmaps();
    expect(kept).toEqual(inner.bm);
    const none = new Uint32Array(keptForces.find((m) => m !== undefined)!.length);
    for (let fc = 0; fc < FORCES.length; fc++) expect(keptForces[fc] ?? none, FORCES[fc]).toEqual(inner.bmForce[fc] ?? none);

    const check = (index: ReportIndex, label: string) => {
      const frng = prng(7);
      let narrowed = 0;
      for (let q = 0; q < 300; q++) {
        const f = filter(frng);
        const c = index.compile(f);
        const expected = [...truth.values()].filter((r) => matches(r, f)).map((r) => r._id as string);
        const got = index.select(c);
        const scanned = withoutBitmaps(index, () => index.select(c));
        const msg = `${label} ${JSON.stringify(f)}`;
        expect([...got].map((i) => index.idAt(i)).sort(), msg).toEqual(expected.sort());
        expect(got, msg).toEqual(scanned);
        if (expected.length > 0 && expected.length < truth.size / 4) narrowed++;
        const box = c.box ?? index.worldExtent();
        for (const zoom of [5, 8, 10, 12, 14]) {
          const cells = index.clusterCells(c, box, zoom, 1000)!;
          const plain = withoutBitmaps(index, () => index.clusterCells(c, box, zoom, 1000)!);
          expect(cells, `${msg} z${zoom}`).toEqual(plain);
          expect(cells.total, `${msg} z${zoom}`).toBe(expected.length);
        }
      }
      expect(narrowed).toBeGreaterThan(50);
    };
    check(ix, 'live');
    const compacted = ix.compacted();
    expect(compacted.n).toBe(compacted.sortedN);
    check(compacted, 'compacted');
    const restored = await decodeIndex((await encodeIndex(ix)).blob);
    check(restored, 'snapshot');
  });
});
