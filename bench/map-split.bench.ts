import { DEMO_FORCES } from '../server/demo/areas';
import { type GeneratedReport, generateReports } from '../server/demo/generate';
import { Random } from '../server/demo/random';
import { polygonsFromGeoJson } from '../server/forces/geojson';
import { ForceLocator } from '../server/geo/force-locator';
import { MapService } from '../server/map/map.service';
import type { MapIndex } from '../server/map/map-index';
import { ReportIndex } from '../server/map/report-index';
import { decodeIndex, encodeIndex } from '../server/map/snapshot-codec';
import { BASELINE_COMMIT, loadBaselineIndex } from './baseline';
import { randomMapFilter, viewportAround } from './map-queries';
import { appendResults, median } from './support';

/**
 * The split map index (server/map/index/) against the pre-split one (bench/baseline.ts: from git at BASELINE_COMMIT)
 * in the same run, on the same generated reports and the same queries, alternating which goes first:
 * bulk appends, the Morton sort (5 runs each), clusters at zooms 5..18, select, heat and hotspots (MapService over each
 * index). CPU ms; ratio = split / pre-split (1.00 = same; the issue allows ≤ 1.10).
 * Usage: node --expose-gc --import tsx bench/map-split.bench.ts [reports=1000000] [queriesPerZoom=40]
 */
const N = Number(process.argv[2] ?? 1_000_000);
const Q = Number(process.argv[3] ?? 40);
const CHUNK = 2_000;
const gc = (globalThis as { gc?: () => void }).gc;
const log = (s: string) => process.stdout.write(`${s}\n`);
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
function cpu<T>(fn: () => T): { ms: number; value: T } {
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, value };
}
type Index = Pick<ReportIndex, 'append' | 'sortSpatially' | 'compacted' | 'select' | 'compile' | 'size'>;

const locator = new ForceLocator();
locator.replaceAll(DEMO_FORCES.map((f) => ({ id: f.id, polygons: polygonsFromGeoJson(f.area) })));
const now = new Date('2026-11-01T00:00:00Z');
const BaselineIndex = await loadBaselineIndex();
const split = new ReportIndex(Math.ceil(N * 1.05));
const base = new BaselineIndex(Math.ceil(N * 1.05));
const pair: Array<{ name: string; ix: Index }> = [
  { name: 'split', ix: split },
  { name: 'pre-split', ix: base as unknown as Index },
];
const sums = { split: new Map<string, number[]>(), 'pre-split': new Map<string, number[]>() };
const record = (who: string, what: string, v: number) => {
  const m = sums[who as keyof typeof sums];
  m.set(what, [...(m.get(what) ?? []), v]);
};

log(`appending ${N} reports to both indexes...`);
const gen = generateReports(N, { seed: 1, locator, now });
let id = 0;
for (let done = 0, round = 0; done < N; round++) {
  const chunk: Array<GeneratedReport & { _id: string }> = [];
  for (let k = 0; k < CHUNK && done < N; k++, done++)
    chunk.push({ ...gen.next().value!, _id: (++id).toString(16).padStart(24, '0') });
  const order = round % 2 ? [...pair].reverse() : pair;
  for (const p of order) {
    (gc as ((o?: { type: string }) => void) | undefined)?.({ type: 'minor' });
    record(
      p.name,
      'appends (µs per record, median chunk)',
      (cpu(() => {
        for (const r of chunk) p.ix.append(r);
      }).ms *
        1000) /
        chunk.length,
    );
  }
}
// The full Morton sort of the appended reports, 5 times each alternating: compacted() of the unsorted index sorts
// every slot into a new index and leaves this one as it is; then the in-place sort the rest of the run uses.
for (let k = 0; k < 5; k++)
  for (const p of k % 2 ? [...pair].reverse() : pair) {
    gc?.();
    record(p.name, 'Morton sort of the appended reports + id table, median of 5 (ms)', cpu(() => p.ix.compacted()).ms);
  }
for (const p of pair) {
  gc?.();
  record(p.name, 'Morton sort in place, one run (ms)', cpu(() => p.ix.sortSpatially()).ms);
}
if (split.size !== base.size) throw new Error(`sizes differ: ${split.size} vs ${base.size}`);
// The one sort above runs once each in a fixed order; the reorder again, alternating: compacted() of each sorted index.
for (let k = 0; k < 6; k++)
  for (const p of k % 2 ? [...pair].reverse() : pair) {
    gc?.();
    record(p.name, 'compacted() of the sorted index, median of 6 (ms)', cpu(() => p.ix.compacted()).ms);
  }

const rnd = new Random(7);
const randomFilter = () => randomMapFilter(rnd, now);
const randomViewport = (zoom: number) => viewportAround(rnd, split, zoom);
const services = pair.map((p) => ({ name: p.name, ix: p.ix, map: new MapService({ index: p.ix } as unknown as MapIndex) }));
// Warm both up, and check they answer the same.
for (let k = 0; k < 40; k++) {
  const q = { ...randomFilter(), bbox: randomViewport(10) };
  const [a, b] = services.map((s) => JSON.stringify(s.map.clusters(q, 10)));
  if (a !== b) throw new Error('the two indexes answer a cluster query differently');
}
/** Runs `fn` on both, alternating which goes first, each after a GC; records each query's CPU ms (medians compared). */
function both(what: string, queries: number, fn: (s: (typeof services)[number], k: number) => unknown): void {
  for (let k = 0; k < queries; k++) {
    const order = k % 2 ? [...services].reverse() : services;
    for (const s of order) {
      gc?.();
      const t = cpu(() => JSON.stringify(fn(s, k))).ms;
      record(s.name, what, t);
      record(s.name, 'all queries, total (ms)', t);
    }
  }
}
for (let zoom = 5; zoom <= 18; zoom++) {
  const qs = Array.from({ length: Q }, () => ({ ...randomFilter(), bbox: randomViewport(zoom) }));
  both(`clusters at zoom ${zoom}, median of ${Q} queries (ms)`, Q, (s, k) => s.map.clusters(qs[k]!, zoom));
}
const whole = Array.from({ length: 20 }, (_, k) =>
  k % 3 === 0 ? { forceIds: ['sussex'] } : { ...randomFilter(), forceIds: ['sussex'] },
);
both('select, whole force, median of 20 (ms)', 20, (s, k) => s.ix.select(s.ix.compile(whole[k]!)).length);
both('heat, whole force, median of 20 (ms)', 20, (s, k) => s.map.heat(whole[k]!, 500));
both('hotspots (Gi*), whole force, median of 20 (ms)', 20, (s, k) => s.map.giStarHotspots(whole[k]!, 250));
// Snapshot codec (new index only: the codec moved with it; figures for the record).
const enc = cpu(() => encodeIndex(split));
const blob = await enc.value;
const dec0 = process.cpuUsage();
await decodeIndex(blob.blob, blob.sha256);
const dec = process.cpuUsage(dec0);

const rows: string[] = [
  `### Split map index vs the pre-split one (${BASELINE_COMMIT}) (${N.toLocaleString('en-GB')} generated reports, same data and queries, same run)\n`,
  'CPU time; each query run on both indexes after a GC, alternating which goes first; per-query medians, and the total over every query. Ratio = split / pre-split.\n',
  '| measure | pre-split | split | ratio |',
  '|---|---|---|---|',
];
const ratios: number[] = [];
for (const what of sums.split.keys()) {
  const a = sums['pre-split'].get(what)!;
  const b = sums.split.get(what)!;
  const total = what.includes('total');
  const va = total ? a.reduce((x, y) => x + y, 0) : median(a);
  const vb = total ? b.reduce((x, y) => x + y, 0) : median(b);
  ratios.push(vb / va);
  rows.push(`| ${what} | ${ms(va)} | ${ms(vb)} | ${(vb / va).toFixed(2)} |`);
  log(rows.at(-1)!);
}
rows.push(
  '',
  `Ratios: median ${median(ratios).toFixed(2)}, worst ${Math.max(...ratios).toFixed(2)}, best ${Math.min(...ratios).toFixed(2)}. Snapshot of the split index: encode ${ms(enc.ms)} ms CPU (sync part), decode ${ms((dec.user + dec.system) / 1000)} ms CPU, ${(blob.blob.length / 1048576).toFixed(1)} MB.`,
  '',
);
log(rows.slice(-2).join('\n'));
if (process.env.BENCH_DRY) log(rows.join('\n'));
else {
  appendResults('Map index split vs pre-split (bench:map:split)', `npm run bench:map:split -- ${N} ${Q}`, rows.join('\n'));
  log('\nappended to bench/RESULTS.md');
}
process.exit(0);
