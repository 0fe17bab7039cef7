import { DEMO_FORCES } from '../server/demo/areas';
import { generateReports } from '../server/demo/generate';
import { Random } from '../server/demo/random';
import { polygonsFromGeoJson } from '../server/forces/geojson';
import { ForceLocator } from '../server/geo/force-locator';
import { MapService } from '../server/map/map.service';
import type { MapIndex } from '../server/map/map-index';
import { ReportIndex } from '../server/map/report-index';
import { loadBaselineIndex } from './baseline';
import { randomMapFilter, viewportAround } from './map-queries';
/**
 * Cluster queries only, split map index vs pre-split (bench/baseline.ts), on the same generated reports and the same
 * 200 random viewports and filters per zoom (bench:map:split's generator), alternating which index goes first, timed
 * by the wall clock with no GC forced between queries (bench:map:split forces one before each query and reads CPU
 * time, which at 1 to 4 ms a query also counts the collector's background threads). Prints medians and totals.
 * Usage: node --expose-gc --import tsx bench/map-split-clusters.bench.ts [reports=300000] [zooms=9] [split|base|both]
 */
const N = Number(process.argv[2] ?? 300_000);
const ZOOMS = (process.argv[3] ?? '9').split(',').map(Number);
const who = process.argv[4] ?? 'both';
const locator = new ForceLocator();
locator.replaceAll(DEMO_FORCES.map((f) => ({ id: f.id, polygons: polygonsFromGeoJson(f.area) })));
const now = new Date('2026-11-01T00:00:00Z');
const Base = await loadBaselineIndex();
const split = new ReportIndex(N + 16);
// biome-ignore lint/suspicious/noExplicitAny: the baseline class is loaded from git at run time
const base: any = new Base(N + 16);
const gen = generateReports(N, { seed: 1, locator, now });
for (let i = 0; i < N; i++) {
  const r = { ...gen.next().value!, _id: (i + 1).toString(16).padStart(24, '0') };
  split.append(r);
  base.append(r);
}
split.sortSpatially();
base.sortSpatially();
const rnd = new Random(7);
const svc = [
  { name: 'split', m: new MapService({ index: split } as unknown as MapIndex) },
  { name: 'base', m: new MapService({ index: base } as unknown as MapIndex) },
].filter((s) => who === 'both' || s.name === who);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (const zoom of ZOOMS) {
  const qs = Array.from({ length: 200 }, () => ({ ...randomMapFilter(rnd, now), bbox: viewportAround(rnd, split, zoom) }));
  for (const s of svc) for (const q of qs.slice(0, 40)) s.m.clusters(q, zoom); // warm
  const t: Record<string, number[]> = {};
  for (let k = 0; k < qs.length; k++)
    for (const s of k % 2 ? [...svc].reverse() : svc) {
      const c0 = process.hrtime.bigint();
      s.m.clusters(qs[k]!, zoom);
      const ms = Number(process.hrtime.bigint() - c0) / 1e6;
      t[s.name] = [...(t[s.name] ?? []), ms];
    }
  console.log(
    'zoom',
    zoom,
    Object.entries(t)
      .map(([k, v]) => `${k} ${med(v).toFixed(3)} total ${v.reduce((a, b) => a + b, 0).toFixed(0)}`)
      .join(' | '),
  );
}
