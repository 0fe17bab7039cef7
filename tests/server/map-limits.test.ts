import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MapIndex } from '../../server/map/map-index';
import { MapService } from '../../server/map/map.service';
import { type IndexRecord, ReportIndex } from '../../server/map/report-index';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

/** An anonymous flood: `n` reports within ~300 m, all observed at the same instant (the repro from the safety review). */
function flood(n: number): MapService {
  const ix = new ReportIndex(n + 16);
  const at = new Date(Date.now() + 8 * 60_000);
  for (let k = 0; k < n; k++) {
    const r: IndexRecord = {
      _id: k.toString(16).padStart(24, '0'),
      reference: `SW-FLD-${k}`,
      lat: 50.82 + ((k * 7919) % 1000) / 1000 / 370,
      lng: -0.14 + ((k * 104_729) % 1000) / 1000 / 240,
      address: null,
      propertyType: 'S',
      indicators: [1],
      priority: 'standard',
      status: 'new',
      forceId: 'sussex',
      observedFrom: at,
      observedTo: at,
      createdAt: at,
    };
    ix.append(r);
  }
  ix.sortSpatially();
  return new MapService({ index: ix } as unknown as MapIndex);
}

describe('near-repeat analysis under a flood', () => {
  it('stops at its pair budget, says so, and keeps only the pairs it returns', () => {
    const map = flood(2500);
    const t0 = performance.now();
    const res = map.repeats({}, { limit: 200, nearDistanceM: 5000, nearHours: 2160 });
    const ms = performance.now() - t0;
    expect(res.limits.capped).toBe(true);
    expect(['pairs', 'time']).toContain(res.limits.reason);
    expect(res.limits.examinedPairs).toBeLessThanOrEqual(res.limits.maxPairs);
    expect(res.nearRepeats.length).toBe(200);
    // Ordered newest first, then closest: all share one time here, so distances never decrease.
    const d = res.nearRepeats.map((p) => p.distanceM);
    expect(d).toEqual([...d].sort((a, b) => a - b));
    // Bounded work: the uncapped loop took 94 s on this input; the budget is well under a second.
    expect(ms).toBeLessThan(5_000);
  });

  it('reports no cap when the data is small enough to search completely', () => {
    const res = flood(50).repeats({}, { limit: 20, nearDistanceM: 500, nearHours: 24 });
    expect(res.limits).toMatchObject({ capped: false, reason: null });
    expect(res.limits.examinedPairs).toBeGreaterThan(0);
    expect(res.nearRepeats.length).toBe(20);
  });
});

describe('expensive map analyses over the API', () => {
  let app: TestApp;
  let officer: TestClient;
  let colleague: TestClient;
  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'silent', ANALYTICS_RATE_LIMIT: '3' });
    for (const set of [(c: TestClient) => (officer = c), (c: TestClient) => (colleague = c)]) {
      const u = await createUser(app.services, 'police', { forceId: 'sussex' });
      const c = app.client();
      await c.login(u.email, u.password);
      set(c);
    }
  });
  afterAll(async () => {
    await app.close();
    await dropTestDatabase();
  });

  it('say whether the near-repeat search was capped', async () => {
    const res = await officer.get('/api/map/repeats?limit=5');
    expect(res.status).toBe(200);
    expect(res.body.limits).toMatchObject({ capped: false, reason: null });
  });

  it('are throttled per officer, not per address, with Retry-After', async () => {
    const paths = ['/api/map/heat', '/api/map/hotspots', '/api/map/timeline', '/api/map/repeats'];
    const statuses: number[] = [];
    for (const p of paths) statuses.push((await officer.get(p)).status);
    // One request was spent by the test above: the budget of 3 is gone by the third path here.
    expect(statuses).toEqual([200, 200, 429, 429]);
    const limited = await officer.get('/api/map/heat');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Clusters (cheap, on every pan) are not counted, and a colleague on the same address has a budget of their own.
    expect((await officer.get('/api/map/clusters?zoom=8')).status).toBe(200);
    expect((await colleague.get('/api/map/heat')).status).toBe(200);
  });
});
