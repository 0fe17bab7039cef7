import type { GridCell } from '../analytics/grid-clusters';
import { lowerBound, mortonKey, toQ } from '../morton';
import { type CompiledFilter, cellInside, chunkEnd } from './filter';
import { latToY, lngToX, xToLng, yToLat } from './projection';
import type { ReportIndex } from './report-index';

/** One cluster-grid cell's aggregate: the same cell the slot-list clustering (`gridClusters`) gives. */
export type CellAggregate = GridCell;

/**
 * Cluster cells without materialising slots: the grid of `cellPx = 60` cells at `zoom` (doubled
 * until at most `maxCells` cells cover the box) is a Morton level, so each cell is one run of
 * sorted slots, aggregated with the filter applied on the way; the unsorted tail is added after.
 * Returns null when the grid is finer than the Morton unit (zoom > 18).
 */
export function clusterCells(
  ix: ReportIndex,
  f: CompiledFilter,
  box: [number, number, number, number],
  zoom: number,
  maxCells: number,
): { cells: CellAggregate[]; total: number } | null {
  let s = 18 - zoom;
  if (s < 0) return null;
  if (f.forces && f.forces.length === 0) return { cells: [], total: 0 };
  const qx0 = toQ(box[0]);
  const qy0 = toQ(box[1]);
  const qx1 = toQ(box[2]);
  const qy1 = toQ(box[3]);
  while (((qx1 >> s) - (qx0 >> s) + 1) * ((qy1 >> s) - (qy0 >> s) + 1) > maxCells) s++;
  const c0 = qx0 >> s;
  const r0 = qy0 >> s;
  const cols = (qx1 >> s) - c0 + 1;
  const rows = (qy1 >> s) - r0 + 1;
  const size = cols * rows;
  // Accumulated in Web-Mercator x/y (Float32, half the bytes of lat/lng); converted back per cell.
  const count = new Uint32Array(size);
  const sg = new Uint32Array(size);
  const sumX = new Float64Array(size);
  const sumY = new Float64Array(size);
  const minX = new Float64Array(size).fill(Infinity);
  const minY = new Float64Array(size).fill(Infinity);
  const maxX = new Float64Array(size).fill(-Infinity);
  const maxY = new Float64Array(size).fill(-Infinity);
  const first = new Int32Array(size);
  const { code, x, y, ind, addr, fromMin, toMin } = ix;
  const from = ix.fromMs;
  const to = ix.toMs;
  const { allowed, fromMs, toMs, indMask, addrMatch, hasTime } = f;
  const qMin = f.fromMin;
  const qMax = f.toMin;
  const [bx0, by0, bx1, by1] = box;
  const hits = ix.hits;
  const span = 2 ** (2 * s);
  const sortedN = ix.sortedN;
  const mk = ix.mk;
  const plan = ix.bitmapPlan(f);
  const bitmaps = ix.bitmaps;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const key = mortonKey(c0 + c, r0 + r) * span;
      const lo = lowerBound(mk, sortedN, key);
      const hi = lo < sortedN && mk[lo]! < key + span ? lowerBound(mk, sortedN, key + span) : lo;
      if (hi === lo) continue;
      const testBox = !cellInside(c0 + c, r0 + r, s, qx0, qy0, qx1, qy1);
      let n = 0;
      let g = 0;
      let sx = 0;
      let sy = 0;
      let x0 = Infinity;
      let y0 = Infinity;
      let x1 = -Infinity;
      let y1 = -Infinity;
      let fst = -1;
      for (let clo = lo; clo < hi; clo = chunkEnd(clo, hi)) {
        const chi = chunkEnd(clo, hi);
        const len = plan ? bitmaps.candidates(plan, clo, chi) : -1;
        if (len >= 0) {
          const found = ix.matchCandidates(f, len, clo, testBox, box);
          if (found > 0 && n === 0) fst = hits[0]!;
          n += found;
          for (let k = 0; k < found; k++) {
            const i = hits[k]!;
            const xi = x[i]!;
            const yi = y[i]!;
            g += (code[i]! >> 5) & 1;
            sx += xi;
            sy += yi;
            if (xi < x0) x0 = xi;
            if (xi > x1) x1 = xi;
            if (yi < y0) y0 = yi;
            if (yi > y1) y1 = yi;
          }
          continue;
        }
        // A dense chunk is tested (`matchRange`'s tests) and summed in one pass: this is the map's hottest loop,
        // and collecting the hits first and summing them in a second pass made clusters ~20 % slower.
        for (let i = clo; i < chi; i++) {
          const cd = code[i]!;
          if (allowed[cd] === 0) continue;
          if (hasTime) {
            const a = fromMin[i]!;
            const b = toMin[i]!;
            if (a > qMax || b < qMin) continue;
            if ((a === qMax || b === qMin) && (from[i]! > toMs || to[i]! < fromMs)) continue;
          }
          if (indMask !== 0 && (ind[i]! & indMask) === 0) continue;
          if (addrMatch !== null && addrMatch[addr[i]!] !== 1) continue;
          const xi = x[i]!;
          const yi = y[i]!;
          if (testBox && (xi < bx0 || xi > bx1 || yi < by0 || yi > by1)) continue;
          if (n === 0) fst = i;
          n++;
          g += (cd >> 5) & 1;
          sx += xi;
          sy += yi;
          if (xi < x0) x0 = xi;
          if (xi > x1) x1 = xi;
          if (yi < y0) y0 = yi;
          if (yi > y1) y1 = yi;
        }
      }
      if (n === 0) continue;
      const j = r * cols + c;
      count[j] = n;
      sg[j] = g;
      sumX[j] = sx;
      sumY[j] = sy;
      minX[j] = x0;
      maxX[j] = x1;
      minY[j] = y0;
      maxY[j] = y1;
      first[j] = fst;
    }
  // Reports appended since the last sort: each match is dropped in its cell.
  for (let lo = sortedN; lo < ix.n; lo = chunkEnd(lo, ix.n)) {
    const found = ix.matchChunk(f, plan, lo, chunkEnd(lo, ix.n), true, box);
    for (let k = 0; k < found; k++) {
      const i = hits[k]!;
      const xi = x[i]!;
      const yi = y[i]!;
      const c = Math.min(cols - 1, Math.max(0, (toQ(lngToX(ix.lng[i]!)) >> s) - c0));
      const r = Math.min(rows - 1, Math.max(0, (toQ(latToY(ix.lat[i]!)) >> s) - r0));
      const j = r * cols + c;
      if (count[j] === 0) first[j] = i;
      count[j]!++;
      sg[j]! += ix.prio[i]!;
      sumX[j]! += xi;
      sumY[j]! += yi;
      if (xi < minX[j]!) minX[j] = xi;
      if (xi > maxX[j]!) maxX[j] = xi;
      if (yi < minY[j]!) minY[j] = yi;
      if (yi > maxY[j]!) maxY[j] = yi;
    }
  }
  const cells: CellAggregate[] = [];
  let total = 0;
  for (let j = 0; j < size; j++) {
    const n = count[j]!;
    if (n === 0) continue;
    total += n;
    cells.push({
      count: n,
      safeguarding: sg[j]!,
      lat: yToLat(sumY[j]! / n),
      lng: xToLng(sumX[j]! / n),
      bounds: [xToLng(minX[j]!), yToLat(maxY[j]!), xToLng(maxX[j]!), yToLat(minY[j]!)],
      firstSlot: first[j]!,
    });
  }
  return { cells, total };
}
