import { loadConfig } from '../server/config';
import { connectDb, disconnectDb } from '../server/db/connection';
import { startEngine } from '../server/db/engine';
import { DEMO_FORCES } from '../server/demo/areas';
import { type GeneratedReport, generateReports } from '../server/demo/generate';
import { insertReports } from '../server/demo/insert';
import { Random } from '../server/demo/random';
import { polygonsFromGeoJson } from '../server/forces/geojson';
import { ForceLocator } from '../server/geo/force-locator';
import { createLogger } from '../server/logger';
import { ChangeLog } from '../server/map/change-log';
import { MapService } from '../server/map/map.service';
import { MapIndex } from '../server/map/map-index';
import { type FilterInput, INDEX_PROJECTION, latToY, lngToX, ReportIndex, xToLng, yToLat } from '../server/map/report-index';
import { writeSnapshot } from '../server/map/snapshot';
import { ReportModel } from '../server/reports/report.model';
import { naiveFeatures } from './baselines';
import { appendResults, median, percentile } from './support';

/**
 * Map index and analytics at scale (issue 4 targets):
 * - index build from generated reports (1,000,000 by default) and retained heap;
 * - index build from the database (a smaller insert: the local FerretDB engine streams slowly);
 * - GET /api/map/clusters server work (select + aggregate + JSON) at zooms 5..18 over random
 *   viewports and random filters, p50/p95/p99, against the naive baseline (every matching report in
 *   the viewport as GeoJSON, as Ushahidi does), time and bytes ratio at zoom ≤ 10;
 * - heat, Gi* hotspots (baseline), exact hotspots and emerging hot spots (weekly, monthly) for a whole-force view, p95.
 * Usage: node --expose-gc --import tsx bench/map.bench.ts [reports=1000000] [dbReports=5000]
 */
const N = Number(process.argv[2] ?? 1_000_000);
const DB_N = Number(process.argv[3] ?? 5_000);
const QUERIES_PER_ZOOM = 100;
const NAIVE_ZOOMS = new Set([5, 6, 8, 10, 12, 14, 16, 18]);
// 25, not 5: per-query ratios spread from 1× (a filter matching almost nothing) to 600×, so a median of 5 is mostly luck.
const NAIVE_PER_ZOOM = 25;
/** Records are indexed in driver-batch-sized chunks right after they are made (as a cursor delivers them). */
const CHUNK = 2_000;
const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const ms = (x: number) => x.toFixed(x < 10 ? 2 : 1);
const mb = (b: number) => (b / 1048576).toFixed(1);
const log = (s: string) => process.stdout.write(`${s}\n`);
/**
 * CPU time (user + system, ms) of a synchronous call. On this shared machine (2 cores, 4 developers,
 * load average ≈ 9) wall time mostly measures waiting for a core; CPU time is the server's own work.
 */
function cpu<T>(fn: () => T): { ms: number; wall: number; value: T } {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const value = fn();
  const wall = performance.now() - t;
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, wall, value };
}

const locator = new ForceLocator();
locator.replaceAll(DEMO_FORCES.map((f) => ({ id: f.id, polygons: polygonsFromGeoJson(f.area) })));
const now = new Date('2026-11-01T00:00:00Z');
const out: string[] = [];

// ---------------------------------------------------------------- 1. build from generated data
log(`generating and indexing ${N} reports...`);
const before = heap();
const ix = new ReportIndex(Math.ceil(N * 1.05));
let upsertMs = 0;
let upsertCpu = 0;
/** CPU µs per record of each chunk: the median is robust to the other tenants' bursts on this machine. */
const chunkUs: number[] = [];
let i = 0;
const gen = generateReports(N, { seed: 1, locator, now });
// Generate a chunk (untimed), then time appending it, so the generator's work is not counted; then sort once.
for (let done = 0; done < N; ) {
  const chunk: Array<GeneratedReport & { _id: string }> = [];
  for (let k = 0; k < CHUNK && done < N; k++, done++) {
    const r = gen.next().value!;
    chunk.push({ ...r, _id: (++i).toString(16).padStart(24, '0') });
  }
  // A minor GC first, so the generator's garbage is not collected on the index's time.
  (gc as ((o?: { type: string }) => void) | undefined)?.({ type: 'minor' });
  const r = cpu(() => {
    for (const rec of chunk) ix.append(rec);
  });
  upsertMs += r.wall;
  upsertCpu += r.ms;
  chunkUs.push((r.ms * 1000) / chunk.length);
  chunk.length = 0; // keep the stack from retaining the last chunk in the heap figure
}
const kd = cpu(() => ix.sortSpatially());
const kdMs = kd.wall;
const retained = heap() - before;
log(
  `index: ${ix.size} reports, appends ${ms(upsertMs)} ms wall / ${ms(upsertCpu)} ms CPU + sort ${ms(kdMs)} ms wall / ${ms(kd.ms)} ms CPU, retained ${mb(retained)} MB`,
);
out.push(
  `### Index build (${N.toLocaleString('en-GB')} generated reports, in memory)\n`,
  '| | appends (bulk path) | Morton sort + id table | total |',
  '|---|---|---|---|',
  `| CPU time | ${ms(upsertCpu)} ms | ${ms(kd.ms)} ms | **${ms(upsertCpu + kd.ms)} ms** |`,
  `| wall time | ${ms(upsertMs)} ms | ${ms(kdMs)} ms | ${ms(upsertMs + kdMs)} ms |`,
  '',
  `Median chunk: ${median(chunkUs).toFixed(2)} µs CPU per record → ${ms((median(chunkUs) * N) / 1000)} ms for ${N.toLocaleString('en-GB')} appends; with the sort: **${ms((median(chunkUs) * N) / 1000 + kd.ms)} ms** (target ≤ 5,000 ms).`,
  '',
  `Retained heap (heapUsed + arrayBuffers after GC, before vs after): **${mb(retained)} MB**; typed arrays and id table: ${mb(ix.bytes())} MB.`,
  '',
);

// ---------------------------------------------------------------- 2. latency
const holder = { index: ix } as unknown as MapIndex;
const map = new MapService(holder);
const rnd = new Random(7);

function randomFilter(): FilterInput {
  const f: FilterInput = { forceIds: rnd.chance(0.8) ? ['sussex'] : rnd.chance(0.5) ? ['surrey'] : null };
  if (rnd.chance(0.4)) f.indicators = [rnd.int(1, 19), ...(rnd.chance(0.5) ? [rnd.int(1, 19)] : [])];
  if (rnd.chance(0.3)) f.types = [rnd.pick(['H', 'S', 'R', 'U']), ...(rnd.chance(0.5) ? [rnd.pick(['H', 'S', 'R', 'U'])] : [])];
  if (rnd.chance(0.3)) f.statuses = [rnd.pick(['new', 'triaged', 'under_investigation', 'actioned', 'closed', 'rejected'])];
  if (rnd.chance(0.3)) f.priority = rnd.chance(0.5) ? 'safeguarding' : 'standard';
  if (rnd.chance(0.5)) {
    const days = rnd.int(7, 366);
    f.to = new Date(now.getTime() - rnd.int(0, 60) * 86_400_000);
    f.from = new Date(f.to.getTime() - days * 86_400_000);
  }
  if (rnd.chance(0.05)) f.q = rnd.pick(['road', 'street', 'brighton', 'lane']);
  return f;
}

/** A 1280 × 800 px viewport at `zoom`, centred on a random report (where analysts look). */
function randomViewport(zoom: number): [number, number, number, number] {
  const slot = rnd.int(0, ix.n);
  const world = 256 * 2 ** zoom;
  const cx = lngToX(ix.lng[slot]!);
  const cy = latToY(ix.lat[slot]!);
  const hw = 640 / world;
  const hh = 400 / world;
  const w = Math.max(-180, xToLng(cx - hw));
  const e = Math.min(180, xToLng(cx + hw));
  const n = Math.min(85, yToLat(cy - hh));
  const s = Math.max(-85, yToLat(cy + hh));
  return [w, s, e, n];
}

// Warm up the JIT.
for (let k = 0; k < 50; k++) JSON.stringify(map.clusters({ ...randomFilter(), bbox: randomViewport(10) }, 10));

out.push(
  `### GET /api/map/clusters server work at ${N.toLocaleString('en-GB')} reports (1280×800 px viewports, random filters)\n`,
  `${QUERIES_PER_ZOOM} random queries per zoom for ours (p50/p95/p99); the naive baseline and ours again on the first ${NAIVE_PER_ZOOM} of them, each after a forced GC (ratios use these). Time = select + aggregate + JSON.stringify, in process (no HTTP).\n`,
  'CPU ms unless marked wall. Naive columns on zooms 5, 6, 8, 10, 12, 14, 16, 18.\n',
  '| zoom | ours p50 | ours p95 | ours p99 | ours wall p50 / p95 | max features | mean bytes | mean matching | naive p50 | naive p95 | naive mean bytes | time ratio (medians) | bytes ratio |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
);
const lowZoom = { ours: [] as number[], naive: [] as number[], oursBytes: 0, naiveBytes: 0 };
let worstP95 = 0;
for (let zoom = 5; zoom <= 18; zoom++) {
  const times: number[] = [];
  const walls: number[] = [];
  let bytes = 0;
  let maxFeatures = 0;
  let matching = 0;
  const queries = Array.from({ length: QUERIES_PER_ZOOM }, () => ({ ...randomFilter(), bbox: randomViewport(zoom) }));
  gc?.();
  for (const q of queries) {
    const r = cpu(() => {
      const res = map.clusters(q, zoom);
      return { res, body: JSON.stringify(res) };
    });
    times.push(r.ms);
    walls.push(r.wall);
    bytes += r.value.body.length;
    matching += r.value.res.total;
    maxFeatures = Math.max(maxFeatures, r.value.res.features.length);
  }
  // Baseline and ours on the same first queries, each after a GC so neither pays for the other's garbage.
  const naiveTimes: number[] = [];
  const oursSameTimes: number[] = [];
  let naiveBytes = 0;
  let oursSameBytes = 0;
  const naiveQueries = NAIVE_ZOOMS.has(zoom) ? queries.slice(0, NAIVE_PER_ZOOM) : [];
  for (const q of naiveQueries) {
    gc?.();
    const a = cpu(() => JSON.stringify(naiveFeatures(ix, q)).length);
    naiveTimes.push(a.ms);
    naiveBytes += a.value;
    gc?.();
    const b = cpu(() => JSON.stringify(map.clusters(q, zoom)).length);
    oursSameTimes.push(b.ms);
    oursSameBytes += b.value;
  }
  times.sort((a, b) => a - b);
  walls.sort((a, b) => a - b);
  naiveTimes.sort((a, b) => a - b);
  if (zoom <= 10) {
    lowZoom.ours.push(...oursSameTimes);
    lowZoom.naive.push(...naiveTimes);
    lowZoom.oursBytes += oursSameBytes;
    lowZoom.naiveBytes += naiveBytes;
  }
  worstP95 = Math.max(worstP95, percentile(times, 95));
  const naiveCols = naiveQueries.length
    ? `${ms(percentile(naiveTimes, 50))} | ${ms(percentile(naiveTimes, 95))} | ${Math.round(naiveBytes / naiveQueries.length)} | ${(median(naiveTimes) / Math.max(1e-3, median(oursSameTimes))).toFixed(1)}× | ${(naiveBytes / Math.max(1, oursSameBytes)).toFixed(1)}×`
    : '– | – | – | – | –';
  const row = `| ${zoom} | ${ms(percentile(times, 50))} | ${ms(percentile(times, 95))} | ${ms(percentile(times, 99))} | ${ms(percentile(walls, 50))} / ${ms(percentile(walls, 95))} | ${maxFeatures} | ${Math.round(bytes / queries.length)} | ${Math.round(matching / queries.length)} | ${naiveCols} |`;
  out.push(row);
  log(row);
}
const timeRatio = median(lowZoom.naive) / median(lowZoom.ours);
const bytesRatio = lowZoom.naiveBytes / lowZoom.oursBytes;
out.push(
  '',
  `Worst per-zoom p95 (ours, CPU): **${ms(worstP95)} ms** (target ≤ 50 ms). At zoom ≤ 10, on identical queries: naive/ours median time **${timeRatio.toFixed(1)}×** (target ≥ 20×), bytes **${bytesRatio.toFixed(1)}×** (target ≥ 100×).`,
  '',
);

// ---------------------------------------------------------------- 3. heat and hotspots, whole force
function wholeForce(fn: (f: FilterInput) => unknown, runs = 30): number[] {
  const times: number[] = [];
  gc?.();
  for (let k = 0; k < runs; k++) {
    const f: FilterInput = k % 3 === 0 ? { forceIds: ['sussex'] } : { ...randomFilter(), forceIds: ['sussex'] };
    times.push(cpu(() => JSON.stringify(fn(f))).ms);
  }
  return times.sort((a, b) => a - b);
}
const sussexCount = ix.select(ix.compile({ forceIds: ['sussex'] })).length;
const heat = wholeForce((f) => map.heat(f, 500));
const hot = wholeForce((f) => map.giStarHotspots(f, 250));
const hotMeta = map.giStarHotspots({ forceIds: ['sussex'] }, 250).meta;
// The exact count test (the layer's default), cell size from the data, in the same run as the Gi* baseline.
const exact = wholeForce((f) => map.hotspots(f, {}));
const exactMeta = map.hotspots({ forceIds: ['sussex'] }, {}).meta;
/**
 * Emerging hot spots over a whole force: the last 26 weeks (weekly) or the last 24 months (monthly), the
 * layer's default 500 m cells, a third of the runs unfiltered and the rest with random attribute filters.
 */
const DAY_MS = 86_400_000;
function emergingRuns(step: 'weekly' | 'monthly'): { times: number[]; meta: ReturnType<MapService['emerging']>['meta'] } {
  const period = step === 'weekly' ? 26 * 7 * DAY_MS : 730 * DAY_MS;
  const window = { from: new Date(now.getTime() - period), to: now };
  const times = wholeForce((f) => {
    const { from: _from, to: _to, ...rest } = f;
    return map.emerging({ ...rest, ...window }, step, 500);
  });
  return { times, meta: map.emerging({ forceIds: ['sussex'], ...window }, step, 500).meta };
}
const weekly = emergingRuns('weekly');
const monthly = emergingRuns('monthly');
const emergingNote = (m: ReturnType<MapService['emerging']>['meta']) =>
  `${m.analysed.toLocaleString('en-GB')} locations analysed, ${m.patterned.toLocaleString('en-GB')} with a pattern unfiltered`;
const ratio = (a: number[], b: number[]) => `${(percentile(a, 95) / percentile(b, 95)).toFixed(2)}× Gi* p95`;
out.push(
  `### Whole-force analytics (Sussex: ${sussexCount.toLocaleString('en-GB')} of ${N.toLocaleString('en-GB')} reports; 30 runs, a third unfiltered)\n`,
  'CPU ms of the service call + JSON.stringify, in process. Gi* (the former layer) is the baseline of the same run.\n',
  '| endpoint | p50 (CPU ms) | p95 | p99 | notes |',
  '|---|---|---|---|---|',
  `| heat (quartic, 500 m bandwidth, ≤ 256×256 grid) | ${ms(percentile(heat, 50))} | ${ms(percentile(heat, 95))} | ${ms(percentile(heat, 99))} | target p95 ≤ 200 ms |`,
  `| hotspots, baseline (Gi*, 250 m cells, BH FDR) | ${ms(percentile(hot, 50))} | ${ms(percentile(hot, 95))} | ${ms(percentile(hot, 99))} | ${hotMeta.tested.toLocaleString('en-GB')} cells tested, ${hotMeta.significant} significant unfiltered; target p95 ≤ 200 ms |`,
  `| hotspots (exact negative-binomial test, the default; cell size from the data, BH FDR 5 %) | ${ms(percentile(exact, 50))} | **${ms(percentile(exact, 95))}** | ${ms(percentile(exact, 99))} | ${exactMeta.cellSizeM} m cells unfiltered, ${exactMeta.tested.toLocaleString('en-GB')} cells tested, ${exactMeta.significant} significant; ${ratio(exact, hot)}; target p95 ≤ 300 ms |`,
  `| emerging hot spots, weekly (26 weeks, 500 m cells) | ${ms(percentile(weekly.times, 50))} | **${ms(percentile(weekly.times, 95))}** | ${ms(percentile(weekly.times, 99))} | ${emergingNote(weekly.meta)}; ${ratio(weekly.times, hot)}; target p95 ≤ 1,000 ms |`,
  `| emerging hot spots, monthly (24 months, 500 m cells) | ${ms(percentile(monthly.times, 50))} | **${ms(percentile(monthly.times, 95))}** | ${ms(percentile(monthly.times, 99))} | ${emergingNote(monthly.meta)}; ${ratio(monthly.times, hot)}; target p95 ≤ 1,000 ms |`,
  '',
);
log(out.slice(-7).join('\n'));

// ---------------------------------------------------------------- 4. build from the database
if (DB_N > 0) {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...pickEnv(['MONGODB_URI']) });
  const engine = await startEngine(config, { persistent: false, say: (m) => log(m) });
  await connectDb(engine.uri, `bench_map_${Date.now()}`);
  const t0 = performance.now();
  await insertReports(generateReports(DB_N, { seed: 3, locator, now }), { batchSize: 2000 });
  const insertMs = performance.now() - t0;
  const runs: number[] = [];
  const cpus: number[] = [];
  let dbRetained = 0;
  for (let k = 0; k < 3; k++) {
    const mi = new MapIndex(createLogger({ level: 'silent' }));
    const h0 = heap();
    const t = performance.now();
    const c0 = process.cpuUsage();
    await mi.build({ stream: true });
    const c = process.cpuUsage(c0);
    runs.push(performance.now() - t);
    cpus.push((c.user + c.system) / 1000);
    dbRetained = heap() - h0;
  }
  const perSec = DB_N / (median(runs) / 1000);
  out.push(
    `### Index build from the database by streaming every report (${engine.kind}, ${DB_N.toLocaleString('en-GB')} reports inserted in ${ms(insertMs / 1000)} s) — the fallback path\n`,
    '| wall runs | median wall | reports/s (wall) | app CPU median | retained heap | wall extrapolated to 1,000,000 |',
    '|---|---|---|---|---|---|',
    `| ${runs.map((r) => ms(r)).join(', ')} ms | ${ms(median(runs))} ms | ${Math.round(perSec).toLocaleString('en-GB')} | ${ms(median(cpus))} ms | ${mb(dbRetained)} MB | ${ms(1_000_000 / perSec)} s |`,
    '',
  );
  log(out.slice(-2).join('\n'));

  // Snapshot of the in-memory index of N reports, then starts that load it (the normal start path).
  const quiet = createLogger({ level: 'silent' });
  const w0 = performance.now();
  const wc0 = process.cpuUsage();
  const head = await writeSnapshot(ix, new Date(), quiet);
  const wc = process.cpuUsage(wc0);
  const writeMs = performance.now() - w0;
  const loads: number[] = [];
  const loadCpus: number[] = [];
  let loadRetained = 0;
  let loadedSize = 0;
  for (let k = 0; k < 3; k++) {
    const mi = new MapIndex(quiet);
    const h0 = heap();
    const t = performance.now();
    const c0 = process.cpuUsage();
    await mi.build();
    const c = process.cpuUsage(c0);
    loads.push(performance.now() - t);
    loadCpus.push((c.user + c.system) / 1000);
    loadedSize = mi.index.size;
    loadRetained = heap() - h0;
  }
  out.push(
    `### Index start from a snapshot (${engine.kind}, ${N.toLocaleString('en-GB')} reports, ${head.chunks} chunks, ${mb(head.bytes)} MB)\n`,
    '| snapshot write (wall / CPU) | load runs (wall) | median load wall | load CPU median | reports loaded | retained heap after load |',
    '|---|---|---|---|---|---|',
    `| ${ms(writeMs)} ms / ${ms((wc.user + wc.system) / 1000)} ms | ${loads.map((r) => ms(r)).join(', ')} ms | **${ms(median(loads))} ms** | ${ms(median(loadCpus))} ms | ${loadedSize.toLocaleString('en-GB')} | ${mb(loadRetained)} MB |`,
    '',
    `Target: index build from the database at 1,000,000 reports ≤ 5 s. Baseline in the same run: streaming, extrapolated above.`,
    '',
  );
  log(out.slice(-6).join('\n'));

  // Reconcile: another instance logged CHANGED changes; one reconcile applies them, against the old updatedAt scan.
  const CHANGED = 200;
  const mi = new MapIndex(quiet);
  await mi.build({ stream: true });
  const other = new ChangeLog(quiet);
  const someIds = await ReportModel.collection
    .find({}, { projection: { _id: 1 } })
    .limit(CHANGED)
    .toArray();
  for (const d of someIds) other.record(d._id.toString());
  await other.flush();
  const r0 = performance.now();
  const applied = await mi.reconcile();
  const reconcileMs = performance.now() - r0;
  const idle0 = performance.now();
  await mi.reconcile();
  const idleMs = performance.now() - idle0;
  const s0 = performance.now();
  await ReportModel.collection
    .find({ updatedAt: { $gte: new Date(Date.now() - 10_000) } }, { projection: INDEX_PROJECTION })
    .toArray();
  const scanMs = performance.now() - s0;
  out.push(
    `### Reconcile (${engine.kind}, ${DB_N.toLocaleString('en-GB')} reports)\n`,
    '| what | wall |',
    '|---|---|',
    `| reconcile with ${applied} changes logged by another instance (log scan + fetch by _id, 8 at a time + count) | ${ms(reconcileMs)} ms |`,
    `| reconcile with nothing new (log scan + count) | ${ms(idleMs)} ms |`,
    `| baseline: the former \`find({updatedAt ≥ now − 10 s})\` (reads every report on FerretDB; grows with the collection) | ${ms(scanMs)} ms (≈ ${ms((scanMs * 1_000_000) / DB_N / 1000)} s at 1,000,000) |`,
    '',
  );
  log(out.slice(-5).join('\n'));
  await disconnectDb();
  await engine.stop();
}

function pickEnv(keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
}

if (process.env.BENCH_DRY) log(out.join('\n'));
else {
  appendResults('Map index, clusters, heat and hotspots (bench:map)', `npm run bench:map -- ${N} ${DB_N}`, out.join('\n'));
  log('\nappended to bench/RESULTS.md');
}
process.exit(0);
