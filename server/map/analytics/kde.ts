/**
 * Quartic (biweight) kernel density on a regular grid, K(d) = 3/(π h²) · (1 − d²/h²)² for d < h.
 * Points are first binned to the grid, then the binned counts are convolved with the kernel
 * evaluated between cell centres (the usual binned-KDE approximation: exact when cells are small
 * next to the bandwidth). Coordinates are metres on a local plane; output is per km².
 */
export interface KdeGrid {
  cols: number;
  rows: number;
  cellSizeM: number;
  /** Row-major, row 0 = north (max y). */
  values: Float64Array;
  max: number;
}

export function quartic(d2: number, h: number): number {
  const h2 = h * h;
  if (d2 >= h2) return 0;
  const u = 1 - d2 / h2;
  return (3 / (Math.PI * h2)) * u * u;
}

/** `xs`/`ys` in metres relative to the grid's south-west corner; y grows northwards. */
export function kdeGrid(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  count: number,
  opts: { cols: number; rows: number; cellSizeM: number; bandwidthM: number },
): KdeGrid {
  const { cols, rows, cellSizeM: cs, bandwidthM: h } = opts;
  const bins = new Float64Array(cols * rows);
  for (let k = 0; k < count; k++) {
    const c = Math.floor(xs[k]! / cs);
    const rFromSouth = Math.floor(ys[k]! / cs);
    if (c < 0 || c >= cols || rFromSouth < 0 || rFromSouth >= rows) continue;
    bins[(rows - 1 - rFromSouth) * cols + c]! += 1;
  }
  const reach = Math.ceil(h / cs);
  const side = 2 * reach + 1;
  const kernel = new Float64Array(side * side);
  for (let dr = -reach; dr <= reach; dr++)
    for (let dc = -reach; dc <= reach; dc++)
      kernel[(dr + reach) * side + dc + reach] = quartic((dr * cs) ** 2 + (dc * cs) ** 2, h) * 1e6;
  const values = new Float64Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = bins[r * cols + c]!;
      if (v === 0) continue;
      const r0 = Math.max(0, r - reach);
      const r1 = Math.min(rows - 1, r + reach);
      const c0 = Math.max(0, c - reach);
      const c1 = Math.min(cols - 1, c + reach);
      for (let rr = r0; rr <= r1; rr++) {
        const krow = (rr - r + reach) * side + reach - c;
        const orow = rr * cols;
        for (let cc = c0; cc <= c1; cc++) values[orow + cc]! += v * kernel[krow + cc]!;
      }
    }
  }
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return { cols, rows, cellSizeM: cs, values, max };
}
