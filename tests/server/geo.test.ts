import { describe, expect, it } from 'vitest';
import { DEMO_FORCES, TOWNS } from '../../server/demo/areas';
import { polygonsFromGeoJson } from '../../server/forces/geojson';
import { ForceLocator } from '../../server/geo/force-locator';
import { geohash } from '../../server/geo/geohash';
import { BOWTIE } from '../fixtures/areas';

const square = (w: number, s: number, e: number, n: number) => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];

describe('force areas', () => {
  const locator = new ForceLocator();
  locator.replaceAll(DEMO_FORCES.map((f) => ({ id: f.id, polygons: polygonsFromGeoJson(f.area) })));

  it('places every demo town in its own force', () => {
    for (const t of TOWNS) expect(locator.locate(t.lat, t.lng), t.name).toBe(t.forceId);
  });

  it('places the sea, London and France in no force', () => {
    expect(locator.locate(50.6, -0.1)).toBeNull();
    expect(locator.locate(51.5074, -0.1278)).toBeNull();
    expect(locator.locate(48.8566, 2.3522)).toBeNull();
  });

  it('respects holes in polygons', () => {
    const l = new ForceLocator();
    l.replaceAll([
      {
        id: 'x',
        polygons: polygonsFromGeoJson({ type: 'Polygon', coordinates: [square(0, 0, 10, 10), square(4, 4, 6, 6)] as never }),
      },
    ]);
    expect(l.locate(2, 2)).toBe('x');
    expect(l.locate(5, 5)).toBeNull();
  });

  it('rejects an unclosed ring, a bow-tie and a ring without area', () => {
    const open = {
      type: 'Polygon' as const,
      coordinates: [
        square(0, 0, 1, 1)
          .slice(0, 4)
          .concat([[0, 0.5]]),
      ],
    };
    const flat = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [1, 1],
          [2, 2],
          [0, 0],
        ],
      ],
    };
    expect(() => polygonsFromGeoJson(open as never)).toThrow(/not closed/);
    expect(() => polygonsFromGeoJson(BOWTIE as never)).toThrow(/crosses itself/);
    expect(() => polygonsFromGeoJson(flat as never)).toThrow(/no area/);
  });
});

describe('geohash', () => {
  it('matches the reference encoding', () => {
    expect(geohash(57.64911, 10.40744, 11)).toBe('u4pruydqqvj');
    expect(geohash(50.8225, -0.1372, 5)).toBe('gcpch');
  });
});
