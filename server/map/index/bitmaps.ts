import { INDICATOR_IDS, PROPERTY_TYPE_IDS, REPORT_STATUSES } from '../../../shared/taxonomy';
import type { Columns } from './columns';
import type { CompiledFilter } from './filter';

/**
 * Per-attribute slot bitmaps (one bit per slot, 32 slots a word), kept in one Uint32Array of
 * `BM_FIXED` maps (alive, indicators 1.., property types, statuses, priorities) plus one map per
 * force code. A bit is set iff the slot is alive and has that value. Selective filters visit only
 * the slots whose bits survive (see `plan` and `candidates`).
 */
export const IND_MAPS = Math.max(...INDICATOR_IDS);
const BM_ALIVE = 0;
const BM_IND = 1;
const BM_TYPE = BM_IND + IND_MAPS;
const BM_STATUS = BM_TYPE + PROPERTY_TYPE_IDS.length;
const BM_PRIO = BM_STATUS + REPORT_STATUSES.length;
const BM_FIXED = BM_PRIO + 2;
const IND_ALL = (1 << IND_MAPS) - 1;
const N_TYPES = PROPERTY_TYPE_IDS.length;
const N_STATUSES = REPORT_STATUSES.length;
/** Beyond this many forces in a filter, their bitmaps are not ORed (the per-slot code test does it). */
const BM_MAX_FORCES = 8;
/** Above this share of candidates in a chunk, its slots are all tested rather than its set bits visited. */
const BM_DENSE = 0.5;

/** Per attribute a filter restricts, the slot bitmaps of its allowed values (see `plan`). */
export type BitmapPlan = Uint32Array[][] | null;

export class SlotBitmaps {
  /** Words per slot bitmap (capacity / 32, rounded up). */
  private W = 0;
  private bm = new Uint32Array(0);
  /** Slot bitmap per force code (undefined: no alive slot of that force yet). */
  private bmForce: Array<Uint32Array | undefined> = [];
  /** Candidate words of the last `candidates` call (word k covers slots (lo >>> 5) + k). */
  candBuf = new Uint32Array(64);

  get byteLength(): number {
    let b = this.bm.byteLength + this.candBuf.byteLength;
    for (const m of this.bmForce) b += m?.byteLength ?? 0;
    return b;
  }

  /** Sets (on) or clears a slot's bits in the maps of its current values. */
  set(c: Columns, i: number, on: boolean): void {
    const W = this.W;
    const w = i >>> 5;
    const b = 1 << (i & 31);
    const set = on ? b : 0;
    const keep = ~b;
    const bm = this.bm;
    let k = BM_ALIVE * W + w;
    bm[k] = (bm[k]! & keep) | set;
    let ind = c.ind[i]! & IND_ALL;
    while (ind !== 0) {
      const t = ind & -ind;
      ind ^= t;
      k = (BM_IND + 31 - Math.clz32(t)) * W + w;
      bm[k] = (bm[k]! & keep) | set;
    }
    const type = c.type[i]!;
    if (type < N_TYPES) {
      k = (BM_TYPE + type) * W + w;
      bm[k] = (bm[k]! & keep) | set;
    }
    const status = c.status[i]!;
    if (status < N_STATUSES) {
      k = (BM_STATUS + status) * W + w;
      bm[k] = (bm[k]! & keep) | set;
    }
    k = (BM_PRIO + (c.prio[i]! & 1)) * W + w;
    bm[k] = (bm[k]! & keep) | set;
    const fc = c.force[i]!;
    let fm = this.bmForce[fc];
    if (fm === undefined) {
      if (!on) return;
      fm = new Uint32Array(W);
      this.bmForce[fc] = fm;
    }
    fm[w] = (fm[w]! & keep) | set;
  }

  /** Builds every bitmap for `cap` slots from the columns of slots [0, n) in one pass (after bulk writes). */
  rebuild(c: Columns, n: number, cap: number): void {
    const W = Math.ceil(cap / 32);
    this.W = W;
    this.bm = new Uint32Array(BM_FIXED * W);
    this.bmForce = [];
    const { alive, ind, type, status, prio, force } = c;
    const bm = this.bm;
    let fc = -1;
    let fm: Uint32Array | undefined;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      const w = i >>> 5;
      const b = 1 << (i & 31);
      bm[BM_ALIVE * W + w]! |= b;
      let bits = ind[i]! & IND_ALL;
      while (bits !== 0) {
        const t = bits & -bits;
        bits ^= t;
        bm[(BM_IND + 31 - Math.clz32(t)) * W + w]! |= b;
      }
      if (type[i]! < N_TYPES) bm[(BM_TYPE + type[i]!) * W + w]! |= b;
      if (status[i]! < N_STATUSES) bm[(BM_STATUS + status[i]!) * W + w]! |= b;
      bm[(BM_PRIO + (prio[i]! & 1)) * W + w]! |= b;
      if (force[i] !== fc) {
        fc = force[i]!;
        fm = this.bmForce[fc];
        if (!fm) {
          fm = new Uint32Array(W);
          this.bmForce[fc] = fm;
        }
      }
      fm![w]! |= b;
    }
  }

  /**
   * The bitmaps that narrow a filter down: per attribute it restricts (forces, indicators, types,
   * statuses, priority), the maps of its allowed values, to be ORed within and ANDed across
   * attributes. Null when it restricts none of them (then a plain scan is cheaper).
   */
  plan(f: CompiledFilter): BitmapPlan {
    const W = this.W;
    const map = (m: number) => this.bm.subarray(m * W, (m + 1) * W);
    const groups: Uint32Array[][] = [];
    const pick = (mask: number, count: number, base: number) => {
      const g: Uint32Array[] = [];
      for (let v = 0; v < count; v++) if ((mask >>> v) & 1) g.push(map(base + v));
      groups.push(g);
    };
    if (f.priority >= 0) groups.push([map(BM_PRIO + f.priority)]);
    const allTypes = (1 << N_TYPES) - 1;
    const allStatuses = (1 << N_STATUSES) - 1;
    if ((f.typeMask & allTypes) !== allTypes) pick(f.typeMask, N_TYPES, BM_TYPE);
    if ((f.statusMask & allStatuses) !== allStatuses) pick(f.statusMask, N_STATUSES, BM_STATUS);
    if (f.indMask !== 0 && f.indMask >>> IND_MAPS === 0) pick(f.indMask, IND_MAPS, BM_IND);
    if (f.forces && f.forces.length <= BM_MAX_FORCES) {
      const g: Uint32Array[] = [];
      for (const c of f.forces) {
        const m = this.bmForce[c];
        if (m && !g.includes(m)) g.push(m);
      }
      groups.push(g);
    }
    return groups.length ? groups : null;
  }

  /**
   * Candidate words of slots [lo, hi) into `candBuf`: alive AND, per group, the OR of its maps; bits
   * outside [lo, hi) cleared. Returns the number of words, or -1 when more than `BM_DENSE` of the
   * slots are candidates (testing every slot is then cheaper).
   */
  candidates(groups: Uint32Array[][], lo: number, hi: number): number {
    const w0 = lo >>> 5;
    const w1 = (hi - 1) >>> 5;
    const len = w1 - w0 + 1;
    if (this.candBuf.length < len) this.candBuf = new Uint32Array(Math.max(len, this.candBuf.length * 2));
    const out = this.candBuf;
    const alive = this.bm;
    const a0 = BM_ALIVE * this.W + w0;
    for (let k = 0; k < len; k++) out[k] = alive[a0 + k]!;
    for (const g of groups) {
      if (g.length === 0) {
        out.fill(0, 0, len);
        return len;
      }
      if (g.length === 1) {
        const a = g[0]!;
        for (let k = 0; k < len; k++) out[k]! &= a[w0 + k]!;
      } else if (g.length === 2) {
        const a = g[0]!;
        const b = g[1]!;
        for (let k = 0; k < len; k++) out[k]! &= a[w0 + k]! | b[w0 + k]!;
      } else {
        for (let k = 0; k < len; k++) {
          let o = 0;
          for (let j = 0; j < g.length; j++) o |= g[j]![w0 + k]!;
          out[k]! &= o;
        }
      }
    }
    out[0]! &= -1 << (lo & 31);
    if ((hi & 31) !== 0) out[len - 1]! &= (1 << (hi & 31)) - 1;
    let pop = 0;
    for (let k = 0; k < len; k++) {
      let v = out[k]!;
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      pop += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    return pop > (hi - lo) * BM_DENSE ? -1 : len;
  }
}
