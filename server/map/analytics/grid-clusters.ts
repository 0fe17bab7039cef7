/**
 * Grid clustering in Web-Mercator space: the world at zoom z is 256·2^z pixels wide; points are
 * aggregated into cells of `cellPx` pixels aligned to a global grid (stable while panning). The
 * grid is coarsened until the viewport holds at most `maxCells` cells, so a response never has
 * more features than that.
 */
export interface GridCell {
  count: number;
  safeguarding: number;
  /** Mean position of the cell's points. */
  lat: number;
  lng: number;
  bounds: [number, number, number, number];
  /** A slot in the cell (the only one when count = 1). */
  firstSlot: number;
}

export interface ClusterSource {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  lat: ArrayLike<number>;
  lng: ArrayLike<number>;
  prio: ArrayLike<number>;
}

export function gridClusters(
  src: ClusterSource,
  slots: ArrayLike<number>,
  box: [number, number, number, number],
  zoom: number,
  opts: { cellPx?: number; maxCells?: number } = {},
): { cells: GridCell[]; cellSize: number } {
  const maxCells = opts.maxCells ?? 1000;
  let cell = (opts.cellPx ?? 60) / (256 * 2 ** zoom);
  const [x0, y0, x1, y1] = box;
  let c0 = 0;
  let r0 = 0;
  let cols = 1;
  let rows = 1;
  for (;;) {
    c0 = Math.floor(x0 / cell);
    r0 = Math.floor(y0 / cell);
    cols = Math.floor(x1 / cell) - c0 + 1;
    rows = Math.floor(y1 / cell) - r0 + 1;
    if (cols * rows <= maxCells) break;
    cell *= 2;
  }
  const size = cols * rows;
  const count = new Uint32Array(size);
  const sg = new Uint32Array(size);
  const sumLat = new Float64Array(size);
  const sumLng = new Float64Array(size);
  const minLng = new Float64Array(size).fill(Infinity);
  const minLat = new Float64Array(size).fill(Infinity);
  const maxLng = new Float64Array(size).fill(-Infinity);
  const maxLat = new Float64Array(size).fill(-Infinity);
  const first = new Int32Array(size);
  const inv = 1 / cell;
  for (let k = 0; k < slots.length; k++) {
    const i = slots[k]!;
    let c = Math.floor(src.x[i]! * inv) - c0;
    let r = Math.floor(src.y[i]! * inv) - r0;
    if (c < 0) c = 0;
    else if (c >= cols) c = cols - 1;
    if (r < 0) r = 0;
    else if (r >= rows) r = rows - 1;
    const j = r * cols + c;
    if (count[j] === 0) first[j] = i;
    count[j]!++;
    sg[j]! += src.prio[i]!;
    const la = src.lat[i]!;
    const ln = src.lng[i]!;
    sumLat[j]! += la;
    sumLng[j]! += ln;
    if (ln < minLng[j]!) minLng[j] = ln;
    if (ln > maxLng[j]!) maxLng[j] = ln;
    if (la < minLat[j]!) minLat[j] = la;
    if (la > maxLat[j]!) maxLat[j] = la;
  }
  const cells: GridCell[] = [];
  for (let j = 0; j < size; j++) {
    const n = count[j]!;
    if (n === 0) continue;
    cells.push({
      count: n,
      safeguarding: sg[j]!,
      lat: sumLat[j]! / n,
      lng: sumLng[j]! / n,
      bounds: [minLng[j]!, minLat[j]!, maxLng[j]!, maxLat[j]!],
      firstSlot: first[j]!,
    });
  }
  return { cells, cellSize: cell };
}
