import { lowerBound, mortonKey, toQ } from '../morton';
import type { Columns } from './columns';
import type { Interner } from './interner';
import { latToY, lngToX } from './projection';
import { STATUS_CODE, slotCode, TYPE_CODE } from './record';

/**
 * Filters: compiled once per request to codes and masks, then tested slot by slot over runs of
 * Morton-sorted slots (`slotRuns`), in aligned chunks (`BM_CHUNK`), either every slot of a chunk
 * (`matchRange`) or only its bitmap candidates (`matchCandidates`).
 */

export interface FilterInput {
  forceIds?: string[] | null;
  bbox?: [number, number, number, number] | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  indicators?: number[] | undefined;
  types?: string[] | undefined;
  statuses?: string[] | undefined;
  priority?: 'safeguarding' | 'standard' | undefined;
  q?: string | undefined;
}

/** Filters compiled to codes and masks; `null`/`-1` means "any". */
export interface CompiledFilter {
  /** Force codes allowed (null: all forces). An empty array matches nothing. */
  forces: number[] | null;
  /** Mercator bbox [minX, minY, maxX, maxY] (y grows southwards) or null. */
  box: [number, number, number, number] | null;
  fromMs: number;
  toMs: number;
  indMask: number;
  typeMask: number;
  statusMask: number;
  priority: -1 | 0 | 1;
  /** Per interned address: 1 if it matches the text filter; null if no text filter. */
  addrMatch: Uint8Array | null;
  /** Indexed by slot code (force, type, status, priority, alive): 1 if allowed. */
  allowed: Uint8Array;
  /** A time window is set; fromMin/toMin are its bounds in whole minutes (floor). */
  hasTime: boolean;
  fromMin: number;
  toMin: number;
}

export type Box = readonly [number, number, number, number];
/** The whole world in Web-Mercator x/y (a filter without a box). */
export const WORLD = [0, 0, 1, 1] as const;
/** Slots are narrowed by bitmap in aligned chunks of this many (a power of two), each dense or sparse. */
export const BM_CHUNK = 8192;
/** End of the aligned chunk that starts at `lo`, within `hi`. */
export const chunkEnd = (lo: number, hi: number) => Math.min(hi, (lo | (BM_CHUNK - 1)) + 1);

/** A run of slots [lo, hi) and whether its reports are certainly inside the filter box. */
export type Run = { lo: number; hi: number; inside: boolean };

export function compileFilter(f: FilterInput, forces: Interner, addresses: Interner): CompiledFilter {
  let forceCodes: number[] | null = null;
  if (f.forceIds) forceCodes = f.forceIds.map((id) => forces.get(id)).filter((c): c is number => c !== undefined);
  let box: CompiledFilter['box'] = null;
  if (f.bbox) {
    const [w, s, e, n] = f.bbox;
    box = [lngToX(w), latToY(n), lngToX(e), latToY(s)];
  }
  let indMask = 0;
  for (const i of f.indicators ?? []) indMask |= 1 << (i - 1);
  let typeMask = 0xff;
  if (f.types?.length) typeMask = f.types.reduce((m, t) => m | (1 << (TYPE_CODE.get(t) ?? 31)), 0);
  let statusMask = 0xff;
  if (f.statuses?.length) statusMask = f.statuses.reduce((m, s) => m | (1 << (STATUS_CODE.get(s) ?? 31)), 0);
  let addrMatch: Uint8Array | null = null;
  const q = f.q?.trim().toLowerCase();
  if (q) {
    const lower = addresses.lower!;
    addrMatch = new Uint8Array(addresses.values.length);
    for (let c = 1; c < lower.length; c++) if (lower[c]!.includes(q)) addrMatch[c] = 1;
  }
  const pr = f.priority === 'safeguarding' ? 1 : f.priority === 'standard' ? 0 : -1;
  // The allowed (type, status, priority) codes of force 0, then OR-ed with each allowed force's (slotCode's layout).
  const codes: number[] = [];
  for (let t = 0; t < 4; t++)
    for (let st = 0; st < 8; st++)
      for (let p = 0; p < 2; p++)
        if ((typeMask >> t) & 1 && (statusMask >> st) & 1 && (pr < 0 || pr === p)) codes.push(slotCode(0, t, st, p));
  const allowed = new Uint8Array(256 << 7);
  const forceList = forceCodes ?? Array.from({ length: 256 }, (_, k) => k);
  for (const fc of forceList) {
    const force = slotCode(fc, 0, 0, 0);
    for (const c of codes) allowed[force | c] = 1;
  }
  const fromMs = f.from ? f.from.getTime() : -Infinity;
  const toMs = f.to ? f.to.getTime() : Infinity;
  return {
    allowed,
    forces: forceCodes,
    box,
    fromMs,
    toMs,
    indMask: indMask >>> 0,
    typeMask,
    statusMask,
    priority: pr as -1 | 0 | 1,
    addrMatch,
    hasTime: fromMs !== -Infinity || toMs !== Infinity,
    fromMin: Math.floor(fromMs / 60_000),
    toMin: Math.floor(toMs / 60_000),
  };
}

/** Is Morton cell (c, r) at level s strictly inside the unit box (so every report in it is inside)? */
export function cellInside(c: number, r: number, s: number, qx0: number, qy0: number, qx1: number, qy1: number): boolean {
  const cx0 = c * 2 ** s;
  const cy0 = r * 2 ** s;
  return cx0 > qx0 && cx0 + 2 ** s - 1 < qx1 && cy0 > qy0 && cy0 + 2 ** s - 1 < qy1;
}

/**
 * Runs of slots that may hold reports inside a world box, ascending: the Morton cells of a coarse
 * grid (at most ~16 × 16) over the box, then the unsorted tail [sortedN, n). `inside` marks runs
 * whose cell lies strictly inside the box (no per-report box test needed).
 */
export function slotRuns(mk: Float64Array, sortedN: number, n: number, box: [number, number, number, number] | null): Run[] {
  const tail: Run = { lo: sortedN, hi: n, inside: false };
  if (!box) return [{ lo: 0, hi: n, inside: true }];
  const qx0 = toQ(box[0]);
  const qy0 = toQ(box[1]);
  const qx1 = toQ(box[2]);
  const qy1 = toQ(box[3]);
  let s = 0;
  while ((qx1 >> s) - (qx0 >> s) >= 16 || (qy1 >> s) - (qy0 >> s) >= 16) s++;
  const runs: Run[] = [];
  const span = 2 ** (2 * s);
  for (let r = qy0 >> s; r <= qy1 >> s; r++)
    for (let c = qx0 >> s; c <= qx1 >> s; c++) {
      const key = mortonKey(c, r) * span;
      const lo = lowerBound(mk, sortedN, key);
      const hi = lowerBound(mk, sortedN, key + span);
      if (hi > lo) runs.push({ lo, hi, inside: cellInside(c, r, s, qx0, qy0, qx1, qy1) });
    }
  runs.sort((a, b) => a.lo - b.lo);
  if (tail.hi > tail.lo) runs.push(tail);
  return runs;
}

/** The slots of [lo, hi) that pass `f`, testing every one, ascending into `hits`; returns how many. `testBox` adds the box test. */
export function matchRange(
  c: Columns,
  f: CompiledFilter,
  lo: number,
  hi: number,
  testBox: boolean,
  box: Box,
  hits: Int32Array,
): number {
  const { code, x, y, ind, addr, fromMin, toMin } = c;
  const from = c.fromMs;
  const to = c.toMs;
  const { allowed, fromMs, toMs, indMask, addrMatch, hasTime } = f;
  const qMin = f.fromMin;
  const qMax = f.toMin;
  const [bx0, by0, bx1, by1] = box;
  let m = 0;
  for (let i = lo; i < hi; i++) {
    if (allowed[code[i]!] === 0) continue;
    if (hasTime) {
      const a = fromMin[i]!;
      const b = toMin[i]!;
      if (a > qMax || b < qMin) continue;
      if ((a === qMax || b === qMin) && (from[i]! > toMs || to[i]! < fromMs)) continue;
    }
    if (indMask !== 0 && (ind[i]! & indMask) === 0) continue;
    if (addrMatch !== null && addrMatch[addr[i]!] !== 1) continue;
    if (testBox) {
      const xi = x[i]!;
      const yi = y[i]!;
      if (xi < bx0 || xi > bx1 || yi < by0 || yi > by1) continue;
    }
    hits[m++] = i;
  }
  return m;
}

/**
 * As `matchRange`, testing only the set bits of the `len` candidate words `cand` of the chunk at `lo` (at most one
 * chunk). The slot test is written out here (as in `matchRange`) rather than shared over a collected list of slots: one pass over
 * the bits is what clusters at mid zooms spend their time in, and the two-pass version was 20–30 % slower there
 * (bench:map:split at 1,000,000 reports, zooms 9–10).
 */
export function matchCandidates(
  c: Columns,
  f: CompiledFilter,
  cand: Uint32Array,
  len: number,
  lo: number,
  testBox: boolean,
  box: Box,
  hits: Int32Array,
): number {
  const { code, x, y, ind, addr, fromMin, toMin } = c;
  const from = c.fromMs;
  const to = c.toMs;
  const { allowed, fromMs, toMs, indMask, addrMatch, hasTime } = f;
  const qMin = f.fromMin;
  const qMax = f.toMin;
  const [bx0, by0, bx1, by1] = box;
  let m = 0;
  const base = (lo >>> 5) << 5;
  for (let k = 0; k < len; k++) {
    let bits = cand[k]!;
    while (bits !== 0) {
      const t = bits & -bits;
      bits ^= t;
      const i = base + (k << 5) + 31 - Math.clz32(t);
      if (allowed[code[i]!] === 0) continue;
      if (hasTime) {
        const a = fromMin[i]!;
        const b = toMin[i]!;
        if (a > qMax || b < qMin) continue;
        if ((a === qMax || b === qMin) && (from[i]! > toMs || to[i]! < fromMs)) continue;
      }
      if (indMask !== 0 && (ind[i]! & indMask) === 0) continue;
      if (addrMatch !== null && addrMatch[addr[i]!] !== 1) continue;
      if (testBox) {
        const xi = x[i]!;
        const yi = y[i]!;
        if (xi < bx0 || xi > bx1 || yi < by0 || yi > by1) continue;
      }
      hits[m++] = i;
    }
  }
  return m;
}

