/**
 * Morton (Z-order) keys on the cluster grid. The world (Web-Mercator x, y in 0..1) is divided into
 * units of UNIT = 60 px at zoom 18; the cluster grid at zoom z (60 px cells, doubled until the
 * view holds few enough cells) is then exactly the Morton quadtree level `18 − z + k`. Reports
 * stored in key order make every cluster cell, at every zoom, one contiguous run of slots.
 */

export const UNIT_ZOOM = 18;
export const CELL_PX = 60;
/** World width of one unit: 60 px at zoom 18. */
export const UNIT = CELL_PX / (256 * 2 ** UNIT_ZOOM);
/** Largest unit coordinate (the world is 2^26 / 60 ≈ 1.12 M units wide: 21 bits). */
export const MAX_Q = Math.floor(1 / UNIT);
export const LEVELS = 21;

const SPREAD = new Uint32Array(1 << 11);
for (let v = 0; v < SPREAD.length; v++) {
  let s = 0;
  for (let b = 0; b < 11; b++) if (v & (1 << b)) s |= 1 << (2 * b);
  SPREAD[v] = s >>> 0;
}

/** Unit coordinate of a world coordinate (clamped). */
export function toQ(w: number): number {
  const q = Math.floor(w / UNIT);
  return Math.min(Math.max(q, 0), MAX_Q);
}

/** Interleave qx (even bits) and qy (odd bits), each < 2^21, into an exact float key < 2^42. */
export function mortonKey(qx: number, qy: number): number {
  const lo = (SPREAD[qx & 0x7ff]! | (SPREAD[qy & 0x7ff]! << 1)) >>> 0; // bits 0..21
  const hi = (SPREAD[(qx >>> 11) & 0x7ff]! | (SPREAD[(qy >>> 11) & 0x7ff]! << 1)) >>> 0; // bits 22..43
  return hi * 4194304 + lo;
}

/** Index of the first key ≥ k in keys[0..n). */
export function lowerBound(keys: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Stable LSD radix argsort of keys < 2^44 (four 11-bit digits): the slot order that sorts `keys`.
 * O(n), two Uint32 arrays of scratch.
 */
export function argsortKeys(keys: Float64Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    const h = Math.floor(k / 4194304);
    hi[i] = h;
    lo[i] = k - h * 4194304;
  }
  const count = new Uint32Array(2048);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 11;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[i]! >>> shift) & 0x7ff]!++;
    let sum = 0;
    for (let d = 0; d < 2048; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      next[count[(src[i]! >>> shift) & 0x7ff]!++] = i;
    }
    const t = order;
    order = next;
    next = t;
  }
  return order;
}
