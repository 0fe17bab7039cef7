import { distanceM, M_PER_DEG, metresPerDegLng } from '../../shared/geo';
import type { EmergingResult } from '../../shared/schemas/emerging';
import type {
  Bbox,
  ClusterCollection,
  ClusterFeature,
  HeatGrid,
  HotspotCollection,
  Repeats,
  Timeline,
} from '../../shared/schemas/police';
import type { NearRepeatTable } from '../../shared/schemas/near-repeat';
import { ukDateKey, ukHourOfWeek, ukOffsetMinutes } from '../../shared/time';
import { giStar } from './analytics/gistar';
import { gridClusters } from './analytics/grid-clusters';
import type { HotspotModel } from './analytics/exact-hotspots';
import { kdeGrid } from './analytics/kde';
import { type EmergingStep, emergingFromIndex } from './emerging';
import { cellPolygon, exactHotspotLayer, NEIGHBOURHOOD } from './hotspot-layer';
import { type KNOX_LIMITS, type NearRepeatOptions, nearRepeatTable } from './near-repeat';
import type { MapIndex } from './map-index';
import type { FilterInput, ReportIndex } from './report-index';

const HOUR_MS = 3_600_000;
/** Near-repeat search budget per request: distance checks, and wall time. */
export const NEAR_MAX_PAIRS = 1_000_000;
export const NEAR_MAX_MS = 250;

interface NearPair {
  a: number;
  b: number;
  d: number;
  h: number;
}

/** Map analytics over the in-memory index. Every method takes already-scoped filters. */
export class MapService {
  constructor(private readonly mapIndex: MapIndex) {}

  private get ix(): ReportIndex {
    return this.mapIndex.index;
  }

  private select(f: FilterInput): Int32Array {
    return this.ix.select(this.ix.compile(f));
  }

  /** Bounding box of the given slots (w,s,e,n), or null when empty. */
  private extentOf(slots: Int32Array): Bbox | null {
    if (slots.length === 0) return null;
    const ix = this.ix;
    let w = 180;
    let s = 90;
    let e = -180;
    let n = -90;
    for (let k = 0; k < slots.length; k++) {
      const i = slots[k]!;
      const la = ix.lat[i]!;
      const ln = ix.lng[i]!;
      if (ln < w) w = ln;
      if (ln > e) e = ln;
      if (la < s) s = la;
      if (la > n) n = la;
    }
    return [w, s, e, n];
  }

  /** Select the matching slots, then aggregate them on the grid (any zoom; singles when few). */
  clustersBySelect(f: FilterInput, zoom: number, opts: { singlesZoom?: number; maxFeatures?: number } = {}): ClusterCollection {
    const ix = this.ix;
    const maxFeatures = opts.maxFeatures ?? 1000;
    const slots = this.select(f);
    const features: ClusterFeature[] = [];
    const single = (i: number) => this.singleFeature(i);
    if (zoom >= (opts.singlesZoom ?? 17) && slots.length <= maxFeatures) {
      for (let k = 0; k < slots.length; k++) features.push(single(slots[k]!));
      return { type: 'FeatureCollection', features, total: slots.length };
    }
    const c = this.ix.compile(f);
    let box = c.box;
    if (!box) {
      const ext = this.extentOf(slots);
      if (!ext) return { type: 'FeatureCollection', features, total: 0 };
      box = this.ix.compile({ bbox: ext }).box!;
    }
    const { cells } = gridClusters(ix, slots, box, zoom, { maxCells: maxFeatures });
    return this.clusterFeatures(cells, slots.length, single);
  }

  /** Clusters from Morton runs, aggregated while filtering (zoom ≤ 16); else select + grid. */
  clusters(f: FilterInput, zoom: number, opts: { singlesZoom?: number; maxFeatures?: number } = {}): ClusterCollection {
    const ix = this.ix;
    const maxFeatures = opts.maxFeatures ?? 1000;
    if (zoom < (opts.singlesZoom ?? 17)) {
      const c = ix.compile(f);
      const res = ix.clusterCells(c, c.box ?? ix.worldExtent(), zoom, maxFeatures);
      if (res) return this.clusterFeatures(res.cells, res.total, (i) => this.singleFeature(i));
    }
    return this.clustersBySelect(f, zoom, opts);
  }

  private singleFeature(i: number): ClusterFeature {
    const ix = this.ix;
    return {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [ix.lng[i]!, ix.lat[i]!] },
      properties: {
        cluster: false,
        id: ix.idAt(i),
        reference: ix.referenceAt(i),
        priority: ix.priorityAt(i),
        status: ix.statusAt(i),
        propertyType: ix.typeAt(i),
        count: 1,
      },
    };
  }

  private clusterFeatures(
    cells: Array<{ count: number; safeguarding: number; lat: number; lng: number; bounds: Bbox; firstSlot: number }>,
    total: number,
    single: (slot: number) => ClusterFeature,
  ): ClusterCollection {
    const features: ClusterFeature[] = [];
    for (const cell of cells) {
      if (cell.count === 1) {
        features.push(single(cell.firstSlot));
        continue;
      }
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [round6(cell.lng), round6(cell.lat)] },
        properties: {
          cluster: true,
          count: cell.count,
          safeguarding: cell.safeguarding,
          standard: cell.count - cell.safeguarding,
          bounds: cell.bounds,
        },
      });
    }
    return { type: 'FeatureCollection', features, total };
  }

  heat(f: FilterInput, bandwidthM: number, maxCells = 256): HeatGrid {
    const ix = this.ix;
    const slots = this.select(f);
    const box = f.bbox ?? this.extentOf(slots);
    if (!box) return { bbox: [0, 0, 0, 0], cols: 0, rows: 0, cellSizeM: 0, bandwidthM, max: 0, values: [] };
    const [w, s, e, n] = box;
    const kx = metresPerDegLng((s + n) / 2);
    const widthM = Math.max(1, (e - w) * kx);
    const heightM = Math.max(1, (n - s) * M_PER_DEG);
    const cs = Math.max(widthM / maxCells, heightM / maxCells, bandwidthM / 8);
    const cols = Math.max(1, Math.ceil(widthM / cs));
    const rows = Math.max(1, Math.ceil(heightM / cs));
    const xs = new Float64Array(slots.length);
    const ys = new Float64Array(slots.length);
    for (let k = 0; k < slots.length; k++) {
      const i = slots[k]!;
      xs[k] = (ix.lng[i]! - w) * kx;
      ys[k] = (ix.lat[i]! - s) * M_PER_DEG;
    }
    const grid = kdeGrid(xs, ys, slots.length, { cols, rows, cellSizeM: cs, bandwidthM });
    const values = new Array<number>(grid.values.length);
    for (let k = 0; k < values.length; k++) values[k] = Math.round(grid.values[k]! * 1000) / 1000;
    return {
      bbox: [w, s, w + (cols * cs) / kx, s + (rows * cs) / M_PER_DEG],
      cols,
      rows,
      cellSizeM: Math.round(cs * 10) / 10,
      bandwidthM,
      max: Math.round(grid.max * 1000) / 1000,
      values,
    };
  }

  /** Hotspots by the exact count test (default) or, as a baseline, Getis-Ord Gi*. */
  hotspots(
    f: FilterInput,
    opts: { cellSizeM?: number; method?: 'exact' | 'gistar'; model?: HotspotModel; fdr?: number },
    maxCells?: number,
  ): HotspotCollection {
    if ((opts.method ?? 'exact') === 'exact') {
      const slots = this.select(f);
      return exactHotspotLayer(this.ix, slots, f.bbox ?? this.extentOf(slots), {
        cellSizeM: opts.cellSizeM,
        model: opts.model ?? 'negbin',
        fdr: opts.fdr ?? 0.05,
        maxCells,
      });
    }
    return this.giStarHotspots(f, opts.cellSizeM ?? 250, maxCells ?? 400_000);
  }

  /** The former layer: Gi* z-scores with normal p-values (over-flags sparse counts; kept as a baseline). */
  giStarHotspots(f: FilterInput, cellSizeM: number, maxCells = 400_000): HotspotCollection {
    const ix = this.ix;
    const slots = this.select(f);
    const box = f.bbox ?? this.extentOf(slots);
    const meta = (cs: number, cells: number, tested: number, significant: number) =>
      ({
        cellSizeM: Math.round(cs * 10) / 10,
        cells,
        tested,
        significant,
        method: 'Getis-Ord Gi*',
        correction: 'FDR (Benjamini-Hochberg)',
        fdr: 0.1,
        reports: slots.length,
        cellSizeSource: 'chosen',
        enlargedFromM: cs > cellSizeM ? cellSizeM : null,
        neighbourhood: NEIGHBOURHOOD,
        meanNearestNeighbourM: null,
        notEnough: null,
      }) as const;
    if (!box) return { type: 'FeatureCollection', features: [], meta: meta(cellSizeM, 0, 0, 0) };
    const [w, s, e, n] = box;
    const kx = metresPerDegLng((s + n) / 2);
    const widthM = Math.max(1, (e - w) * kx);
    const heightM = Math.max(1, (n - s) * M_PER_DEG);
    let cs = cellSizeM;
    while (Math.ceil(widthM / cs) * Math.ceil(heightM / cs) > maxCells) cs *= 1.5;
    const cols = Math.max(1, Math.ceil(widthM / cs));
    const rows = Math.max(1, Math.ceil(heightM / cs));
    const counts = new Float64Array(cols * rows);
    for (let k = 0; k < slots.length; k++) {
      const i = slots[k]!;
      const c = Math.min(cols - 1, Math.floor(((ix.lng[i]! - w) * kx) / cs));
      const r = Math.min(rows - 1, Math.floor(((ix.lat[i]! - s) * M_PER_DEG) / cs));
      counts[r * cols + c]! += 1;
    }
    const result = giStar(counts, cols, rows);
    const dLng = cs / kx;
    const dLat = cs / M_PER_DEG;
    const features = result.cells.map((cell) => {
      const r = Math.floor(cell.index / cols);
      const c = cell.index % cols;
      return {
        type: 'Feature' as const,
        geometry: cellPolygon(w, s, dLng, dLat, c, r),
        properties: { count: cell.count, z: round3(cell.z), p: cell.p, bin: cell.bin },
      };
    });
    return { type: 'FeatureCollection', features, meta: meta(cs, cols * rows, result.tested, features.length) };
  }

  /** Knox near-repeat table (bounded in reports, pairs, permutations and time). */
  nearRepeat(f: FilterInput, o: NearRepeatOptions, limits?: typeof KNOX_LIMITS): NearRepeatTable {
    return nearRepeatTable(this.ix, this.select(f), o, limits);
  }

  /** Emerging hot spots (see ./emerging.ts) over the matching reports, the view or their extent. */
  emerging(f: FilterInput, step: EmergingStep, cellSizeM: number): EmergingResult {
    const slots = this.select(f);
    return emergingFromIndex(this.ix, slots, f.bbox ?? this.extentOf(slots), {
      step,
      cellSizeM,
      fromMs: f.from?.getTime(),
      toMs: f.to?.getTime(),
    });
  }

  repeats(
    f: FilterInput,
    opts: { limit: number; nearDistanceM: number; nearHours: number; maxNear?: number; maxPairs?: number; maxMs?: number },
  ): Repeats {
    const ix = this.ix;
    const slots = this.select(f);
    // Repeat locations: same point to ~1 m. Counted in a typed hash table first (no array per location), so
    // only locations seen more than once get a list.
    const ranked = repeatGroups(slots, ix.lat, ix.lng, opts.limit);
    const locations = ranked.map((g) => ({
      lat: ix.lat[g[0]!]!,
      lng: ix.lng[g[0]!]!,
      count: g.length,
      address: g.map((i) => ix.addressAt(i)).find((a) => a !== null) ?? null,
      reportIds: g.slice(0, 100).map((i) => ix.idAt(i)),
    }));

    // Near-repeats: distinct locations within D metres and T hours, among the most recent reports.
    const maxNear = opts.maxNear ?? 20_000;
    let pool: Int32Array = slots;
    if (pool.length > maxNear) {
      // The most recent `maxNear` observations: find the time cut-off with a typed (numeric) sort.
      const times = new Float64Array(pool.length);
      for (let k = 0; k < pool.length; k++) times[k] = ix.fromMs[pool[k]!]!;
      times.sort();
      const cutoff = times[times.length - maxNear]!;
      const kept = new Int32Array(maxNear);
      let m = 0;
      for (let k = 0; k < pool.length && m < maxNear; k++) if (ix.fromMs[pool[k]!]! >= cutoff) kept[m++] = pool[k]!;
      pool = kept.subarray(0, m);
    }
    const D = opts.nearDistanceM;
    const T = opts.nearHours * HOUR_MS;
    const lat0 = pool.length ? ix.lat[pool[0]!]! : 0;
    const kx = metresPerDegLng(lat0);
    const cell = new Map<string, number[]>();
    const keyOf = (i: number) => [Math.floor((ix.lng[i]! * kx) / D), Math.floor((ix.lat[i]! * M_PER_DEG) / D)] as const;
    for (const i of pool) {
      const [cx, cy] = keyOf(i);
      const k = `${cx}:${cy}`;
      const list = cell.get(k);
      if (list) list.push(i);
      else cell.set(k, [i]);
    }
    // Newest first: a pair is found from its newer report, so pairs come out in order of their latest time and
    // the scan can stop once `limit` pairs are known and the next report is older than all of them.
    const order = Array.from(pool).sort((a, b) => ix.fromMs[b]! - ix.fromMs[a]! || a - b);
    const rank = new Map<number, number>();
    for (let r = 0; r < order.length; r++) rank.set(order[r]!, r);
    const latest = (p: { a: number; b: number }) => Math.max(ix.fromMs[p.a]!, ix.fromMs[p.b]!);
    const byRank = (p: NearPair, q: NearPair) => latest(q) - latest(p) || p.d - q.d;
    // Bounded work whatever the data: a flood of reports at one place and time makes every pair a candidate, so
    // the search stops after `maxPairs` distance checks or `maxMs`, and keeps only the best `limit` pairs it found.
    const maxPairs = opts.maxPairs ?? NEAR_MAX_PAIRS;
    const deadline = performance.now() + (opts.maxMs ?? NEAR_MAX_MS);
    let pairs: NearPair[] = [];
    let examined = 0;
    let reason: 'pairs' | 'time' | null = null;
    let lastTime = Infinity;
    search: for (const i of order) {
      const ti = ix.fromMs[i]!;
      if (pairs.length >= opts.limit && ti < lastTime) break;
      lastTime = ti;
      const ri = rank.get(i)!;
      const [cx, cy] = keyOf(i);
      for (let dx = -1; dx <= 1; dx++)
        for (let dy = -1; dy <= 1; dy++) {
          for (const j of cell.get(`${cx + dx}:${cy + dy}`) ?? []) {
            if (rank.get(j)! <= ri) continue;
            if (++examined > maxPairs) {
              examined = maxPairs;
              reason = 'pairs';
              break search;
            }
            if ((examined & 4095) === 0 && performance.now() > deadline) {
              reason = 'time';
              break search;
            }
            const dt = ti - ix.fromMs[j]!;
            if (dt > T) continue;
            const d = distanceM(ix.lat[i]!, ix.lng[i]!, ix.lat[j]!, ix.lng[j]!);
            if (d < 1 || d > D) continue;
            pairs.push({ a: i, b: j, d, h: dt / HOUR_MS });
            if (pairs.length >= 4 * opts.limit + 1024) pairs = pairs.sort(byRank).slice(0, opts.limit);
          }
        }
    }
    pairs.sort(byRank);
    const end = (i: number) => ({
      id: ix.idAt(i),
      reference: ix.referenceAt(i),
      lat: ix.lat[i]!,
      lng: ix.lng[i]!,
      at: new Date(ix.fromMs[i]!).toISOString(),
    });
    const nearRepeats = pairs.slice(0, opts.limit).map((p) => {
      const [a, b] = ix.fromMs[p.a]! <= ix.fromMs[p.b]! ? [p.a, p.b] : [p.b, p.a];
      return { a: end(a), b: end(b), distanceM: Math.round(p.d), hours: Math.round(p.h * 10) / 10 };
    });
    return { locations, nearRepeats, limits: { capped: reason !== null, reason, examinedPairs: examined, maxPairs } };
  }

  /**
   * Days by observation start and an hour × weekday matrix (row 0 = Monday), both in UK local time
   * (GMT/BST); each window is spread evenly over the local hours it covers.
   */
  timeline(f: FilterInput): Timeline {
    const ix = this.ix;
    const slots = this.select(f);
    const perDay = new Map<string, number>();
    const hw = new Float64Array(7 * 24);
    for (let k = 0; k < slots.length; k++) {
      const i = slots[k]!;
      const fromMs = ix.fromMs[i]!;
      const day = ukDateKey(fromMs);
      perDay.set(day, (perDay.get(day) ?? 0) + 1);
      spreadOverHours(hw, fromMs, Math.max(fromMs, ix.toMs[i]!));
    }
    const days = [...perDay.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([date, count]) => ({ date, count }));
    const hourWeekday = Array.from({ length: 7 }, (_, r) => Array.from(hw.subarray(r * 24, r * 24 + 24), (v) => round3(v)));
    return { days, hourWeekday };
  }
}

/**
 * Adds one report's observed window to the hour × weekday matrix: 1/hours to each UK local hour it
 * touches (a window ending exactly on the hour does not touch the next hour); a week or more adds
 * 1/168 everywhere. The clocks change at most twice a year, so the offset is looked up per hour only
 * when the window's two ends differ in it.
 */
function spreadOverHours(hw: Float64Array, fromMs: number, toMs: number): void {
  const h0 = Math.floor(fromMs / HOUR_MS);
  const h1 = Math.max(h0, Math.ceil(toMs / HOUR_MS) - 1);
  const hours = h1 - h0 + 1;
  if (hours >= 168) {
    for (let b = 0; b < 168; b++) hw[b]! += 1 / 168;
    return;
  }
  const wgt = 1 / hours;
  const sameOffset = ukOffsetMinutes(h0 * HOUR_MS) === ukOffsetMinutes(h1 * HOUR_MS);
  const first = ukHourOfWeek(h0 * HOUR_MS);
  for (let h = 0; h < hours; h++) {
    const b = sameOffset ? (first + h) % 168 : ukHourOfWeek((h0 + h) * HOUR_MS);
    hw[b]! += wgt;
  }
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Location key: the point rounded to 1e-5 degrees (about 1 m). */
const locationKey = (lat: number, lng: number) => (Math.round(lat * 1e5) + 9e6) * 4e7 + (Math.round(lng * 1e5) + 1.8e7);

/** The `limit` locations with the most reports (two or more), each as its slots, largest first. */
export function repeatGroups(slots: Int32Array, lat: Float64Array, lng: Float64Array, limit: number): number[][] {
  let size = 1024;
  while (size < slots.length * 2) size *= 2;
  const keys = new Float64Array(size).fill(-1);
  const counts = new Int32Array(size);
  const slotOfKey = new Int32Array(slots.length);
  const mask = size - 1;
  for (let k = 0; k < slots.length; k++) {
    const i = slots[k]!;
    const key = locationKey(lat[i]!, lng[i]!);
    let h = (Math.imul((key % 4294967296) | 0, 0x9e3779b1) ^ Math.imul((key / 4294967296) | 0, 0x85ebca6b)) & mask;
    while (keys[h] !== -1 && keys[h] !== key) h = (h + 1) & mask;
    keys[h] = key;
    counts[h]!++;
    slotOfKey[k] = h;
  }
  // The top `limit` counts (≥ 2) by a partial selection, then their members in slot order.
  const top: number[] = [];
  for (let h = 0; h < size; h++) {
    if (counts[h]! < 2) continue;
    if (top.length < limit) {
      top.push(h);
      if (top.length === limit) top.sort((a, b) => counts[b]! - counts[a]!);
    } else if (counts[h]! > counts[top[limit - 1]!]!) {
      top[limit - 1] = h;
      top.sort((a, b) => counts[b]! - counts[a]!);
    }
  }
  top.sort((a, b) => counts[b]! - counts[a]!);
  const members = new Map<number, number[]>(top.map((h) => [h, []]));
  for (let k = 0; k < slots.length; k++) members.get(slotOfKey[k]!)?.push(slots[k]!);
  // Ties in the order the reports are stored, so the answer is the same every time.
  return top.map((h) => members.get(h)!).sort((a, b) => b.length - a.length || a[0]! - b[0]!);
}
