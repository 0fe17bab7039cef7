import { describe, expect, it } from 'vitest';
import { pointInRing } from '../../server/geo/polygon';
import { circleRing, distanceM, parseLatLng } from '../../shared/geo';
import { AreaPolygon } from '../../shared/schemas/alerts';

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };

describe('a circle as an area ring', () => {
  it('is a ring of 32 distinct corners the area schema accepts', () => {
    const ring = circleRing(BRIGHTON, 500);
    expect(ring).toHaveLength(32);
    expect(new Set(ring.map((p) => `${p.lat},${p.lng}`)).size).toBe(32);
    expect(AreaPolygon.safeParse(ring).success).toBe(true);
  });

  it('puts every corner at the same distance, just beyond the radius', () => {
    const outer = 500 / Math.cos(Math.PI / 32);
    for (const p of circleRing(BRIGHTON, 500)) {
      expect(distanceM(BRIGHTON.lat, BRIGHTON.lng, p.lat, p.lng)).toBeCloseTo(outer, 0);
    }
  });

  it('starts due north and goes clockwise', () => {
    const [north, next] = circleRing(BRIGHTON, 1000, 8);
    expect(north!.lng).toBeCloseTo(BRIGHTON.lng, 6);
    expect(north!.lat).toBeGreaterThan(BRIGHTON.lat);
    expect(next!.lng).toBeGreaterThan(BRIGHTON.lng);
  });

  it('contains every point within the radius, and none well beyond it', () => {
    const ring = circleRing(BRIGHTON, 800);
    for (let bearing = 0; bearing < 360; bearing += 7) {
      const t = (bearing * Math.PI) / 180;
      // Points at 99.9 % and 103 % of the radius along this bearing (small-distance approximation is ample here).
      const at = (m: number) => ({
        lat: BRIGHTON.lat + ((m * Math.cos(t)) / 6_371_008.8) * (180 / Math.PI),
        lng: BRIGHTON.lng + ((m * Math.sin(t)) / (6_371_008.8 * Math.cos((BRIGHTON.lat * Math.PI) / 180))) * (180 / Math.PI),
      });
      const inner = at(799.2);
      const outside = at(824);
      expect(pointInRing(inner.lat, inner.lng, ring), `inside at ${bearing}°`).toBe(true);
      expect(pointInRing(outside.lat, outside.lng, ring), `outside at ${bearing}°`).toBe(false);
    }
  });

  it('wraps longitude across the antimeridian', () => {
    for (const p of circleRing({ lat: 0, lng: 179.999 }, 2000)) {
      expect(p.lng).toBeGreaterThanOrEqual(-180);
      expect(p.lng).toBeLessThanOrEqual(180);
    }
  });
});

describe('a centre typed as latitude, longitude', () => {
  it('reads a comma, a semicolon or spaces between the two, and signs', () => {
    expect(parseLatLng('50.8225, -0.1372')).toEqual({ lat: 50.8225, lng: -0.1372 });
    expect(parseLatLng(' 50.8225,-0.1372 ')).toEqual({ lat: 50.8225, lng: -0.1372 });
    expect(parseLatLng('50.8225 -0.1372')).toEqual({ lat: 50.8225, lng: -0.1372 });
    expect(parseLatLng('50.8225; +0.5')).toEqual({ lat: 50.8225, lng: 0.5 });
  });

  it('refuses text that is not two numbers, and numbers off the globe', () => {
    for (const bad of ['', 'BN1 1AA', '50.8225', '50.8225, -0.1372, 3', '91, 0', '0, 181', '50.8225,, -0.1372']) {
      expect(parseLatLng(bad), bad).toBeNull();
    }
  });
});
