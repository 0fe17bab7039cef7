import { M_PER_DEG, metresPerDegLng } from '../../shared/geo';
import type { Bbox, HotspotCollection, HotspotFeature } from '../../shared/schemas/police';
import {
  defaultCellSizeM,
  exactHotspots,
  type HotspotModel,
  MIN_HOTSPOT_REPORTS,
  meanNearestNeighbourM,
} from './analytics/exact-hotspots';
import type { ReportIndex } from './report-index';

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export const NEIGHBOURHOOD = 'the cell and its 8 neighbours';

/**
 * The most grid cells the exact layer draws on: a whole force at the data's cell size would be ~200,000 cells,
 * more than anyone can read on a map (and ~1.5 s to test and serialise at 1M reports). Above it the cell size
 * grows until the grid fits, and the legend says the size was enlarged to keep the map readable.
 */
export const HOTSPOT_MAX_CELLS = 40_000;

/** The polygon of cell (c, r) of a grid anchored at (w, s) with cells dLng × dLat degrees. */
export function cellPolygon(w: number, s: number, dLng: number, dLat: number, c: number, r: number): HotspotFeature['geometry'] {
  const x0 = round6(w + c * dLng);
  const y0 = round6(s + r * dLat);
  const x1 = round6(w + (c + 1) * dLng);
  const y1 = round6(s + (r + 1) * dLat);
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x0, y0],
        [x1, y0],
        [x1, y1],
        [x0, y1],
        [x0, y0],
      ],
    ],
  };
}

/**
 * Hotspots by the exact count test over a grid on `box` (the view, or the reports' extent): the cell size
 * from the data unless chosen, grown until the grid has at most `maxCells` cells (HOTSPOT_MAX_CELLS by
 * default); only cells with a report in their neighbourhood are tested (the study area, see exactHotspots);
 * fewer than MIN_HOTSPOT_REPORTS reports give the not-enough state and no cells.
 */
export function exactHotspotLayer(
  ix: Pick<ReportIndex, 'lat' | 'lng'>,
  slots: Int32Array,
  box: Bbox | null,
  opts: { cellSizeM?: number; model: HotspotModel; fdr: number; maxCells?: number },
): HotspotCollection {
  const maxCells = opts.maxCells ?? HOTSPOT_MAX_CELLS;
  const n = slots.length;
  const method = opts.model === 'negbin' ? 'Exact negative-binomial test' : 'Exact binomial test';
  const meta = (
    cs: number,
    source: 'data' | 'chosen',
    nn: number | null,
    grid = { cells: 0, tested: 0, significant: 0, enlargedFromM: null as number | null },
  ) =>
    ({
      cellSizeM: Math.round(cs * 10) / 10,
      cells: grid.cells,
      tested: grid.tested,
      significant: grid.significant,
      enlargedFromM: grid.enlargedFromM === null ? null : Math.round(grid.enlargedFromM * 10) / 10,
      method,
      correction: 'FDR (Benjamini-Hochberg)',
      fdr: opts.fdr,
      reports: n,
      cellSizeSource: source,
      neighbourhood: NEIGHBOURHOOD,
      meanNearestNeighbourM: nn === null ? null : Math.round(nn * 10) / 10,
      notEnough:
        n < MIN_HOTSPOT_REPORTS
          ? {
              reason: `Not enough reports here to find hotspots: ${n} match, at least ${MIN_HOTSPOT_REPORTS} are needed. Widen the view, the dates or the filters.`,
              minReports: MIN_HOTSPOT_REPORTS,
            }
          : null,
    }) satisfies HotspotCollection['meta'];
  if (!box || n < MIN_HOTSPOT_REPORTS) {
    return { type: 'FeatureCollection', features: [], meta: meta(opts.cellSizeM ?? 0, opts.cellSizeM ? 'chosen' : 'data', null) };
  }
  const [w, s, e, nn] = box;
  const kx = metresPerDegLng((s + nn) / 2);
  const widthM = Math.max(1, (e - w) * kx);
  const heightM = Math.max(1, (nn - s) * M_PER_DEG);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = slots[k]!;
    xs[k] = (ix.lng[i]! - w) * kx;
    ys[k] = (ix.lat[i]! - s) * M_PER_DEG;
  }
  const meanNn = opts.cellSizeM ? null : meanNearestNeighbourM(xs, ys, n);
  const asked = opts.cellSizeM ?? defaultCellSizeM(meanNn);
  // The smallest size (to 1 %) whose grid fits in maxCells.
  let cs = Math.max(asked, Math.sqrt((widthM * heightM) / maxCells));
  while (Math.ceil(widthM / cs) * Math.ceil(heightM / cs) > maxCells) cs *= 1.01;
  const cols = Math.max(1, Math.ceil(widthM / cs));
  const rows = Math.max(1, Math.ceil(heightM / cs));
  const counts = new Float64Array(cols * rows);
  for (let k = 0; k < n; k++) {
    const c = Math.min(cols - 1, Math.max(0, Math.floor(xs[k]! / cs)));
    const r = Math.min(rows - 1, Math.max(0, Math.floor(ys[k]! / cs)));
    counts[r * cols + c]! += 1;
  }
  const result = exactHotspots(counts, cols, rows, { model: opts.model, fdr: opts.fdr });
  const dLng = cs / kx;
  const dLat = cs / M_PER_DEG;
  const features: HotspotFeature[] = result.cells.map((cell) => ({
    type: 'Feature',
    geometry: cellPolygon(w, s, dLng, dLat, cell.index % cols, Math.floor(cell.index / cols)),
    properties: {
      count: cell.count,
      z: null,
      neighbourhood: cell.neighbourhood,
      expected: round3(cell.expected),
      p: cell.q,
      bin: cell.bin,
    },
  }));
  const source = opts.cellSizeM ? 'chosen' : 'data';
  const grid = { cells: cols * rows, tested: result.tested, significant: features.length, enlargedFromM: cs > asked ? asked : null };
  return { type: 'FeatureCollection', features, meta: meta(cs, source, meanNn, grid) };
}
