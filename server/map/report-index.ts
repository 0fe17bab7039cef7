import KDBush from 'kdbush';
import { PROPERTY_TYPE_IDS, REPORT_STATUSES, REPORTER_ROLE_IDS } from '../../shared/taxonomy';

/**
 * Compact in-memory index of every report: typed arrays per field, one slot per report.
 * Position (lat/lng and Web-Mercator x/y in 0..1), observation window (minutes since epoch),
 * creation time, indicator bits, type/status/priority/force codes, 12-byte ids, references, and
 * interned addresses. A KD-tree covers the first `kdCount` slots; later slots are scanned linearly
 * until the tree is rebuilt. The database stays the source of truth: the index is rebuilt at start,
 * updated on events, and reconciled by polling `updatedAt`.
 */

/** The fields the index needs from a report (a lean document with this projection works). */
export interface IndexRecord {
  _id: { toString(): string } | string;
  reference: string;
  lat: number;
  lng: number;
  address: string | null;
  propertyType: string;
  indicators: number[];
  priority: string;
  status: string;
  forceId: string;
  observedFrom: Date;
  observedTo: Date;
  createdAt: Date;
  updatedAt?: Date;
  reporterRole?: string;
  ownerAlert?: string;
  assignedTo?: { toString(): string } | null;
}

export const INDEX_PROJECTION = {
  reference: 1,
  lat: 1,
  lng: 1,
  address: 1,
  propertyType: 1,
  indicators: 1,
  priority: 1,
  status: 1,
  forceId: 1,
  observedFrom: 1,
  observedTo: 1,
  createdAt: 1,
  updatedAt: 1,
  reporterRole: 1,
  ownerAlert: 1,
  assignedTo: 1,
} as const;

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
  /** Indexed by slot code (type, status, priority, alive): 1 if allowed. */
  allowed: Uint8Array;
}

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

const REF_BYTES = 16;
const TYPE_CODE = new Map<string, number>(PROPERTY_TYPE_IDS.map((t, i) => [t, i]));
const STATUS_CODE = new Map<string, number>(REPORT_STATUSES.map((s, i) => [s, i]));
const ROLE_CODE = new Map<string, number>(REPORTER_ROLE_IDS.map((r, i) => [r, i]));

export const lngToX = (lng: number) => lng / 360 + 0.5;
export function latToY(lat: number): number {
  const sin = Math.sin((lat * Math.PI) / 180);
  const y = 0.5 - (0.25 * Math.log((1 + sin) / (1 - sin))) / Math.PI;
  return Math.min(1, Math.max(0, y));
}
export const xToLng = (x: number) => (x - 0.5) * 360;
export const yToLat = (y: number) => (360 / Math.PI) * Math.atan(Math.exp((180 - y * 360) * (Math.PI / 180))) - 90;

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}
/** Writes a 24-char hex id as 12 bytes; false if it is not one. */
function hexToBytes(hex: string, out: Uint8Array, at: number): boolean {
  if (hex.length !== 24) return false;
  for (let k = 0; k < 12; k++) {
    const hi = nibble(hex.charCodeAt(k * 2));
    const lo = nibble(hex.charCodeAt(k * 2 + 1));
    if (hi < 0 || lo < 0) return false;
    out[at + k] = (hi << 4) | lo;
  }
  return true;
}
const time = (d: Date | string | number): number => (d instanceof Date ? d.getTime() : new Date(d).getTime());
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class ReportIndex {
  /** Number of slots used (alive or dead). */
  n = 0;
  private cap = 0;
  lat = new Float64Array(0);
  lng = new Float64Array(0);
  x = new Float32Array(0);
  y = new Float32Array(0);
  /** Observation window, ms since epoch. */
  fromMs = new Float64Array(0);
  toMs = new Float64Array(0);
  /** Reporter role code (index in REPORTER_ROLE_IDS). */
  role = new Uint8Array(0);
  /** 1 when the owner alert is released. */
  released = new Uint8Array(0);
  /** Interned assignee id; 0 = unassigned. */
  assignee = new Uint32Array(0);
  createdMs = new Float64Array(0);
  ind = new Uint32Array(0);
  type = new Uint8Array(0);
  status = new Uint8Array(0);
  prio = new Uint8Array(0);
  force = new Uint8Array(0);
  alive = new Uint8Array(0);
  /** 0 when dead; else 64 | type | status << 2 | priority << 5: one lookup tests all three. */
  code = new Uint8Array(0);
  addr = new Uint32Array(0);
  private ids = new Uint8Array(0);
  private refs = new Uint8Array(0);
  /** Open-addressing hash: id → slot + 1 (0 = empty). */
  private table = new Int32Array(0);
  private aliveCount = 0;

  private forceIds: string[] = [];
  private forceCodes = new Map<string, number>();
  /** Interned addresses; code 0 is "no address". */
  private addresses: Array<string | null> = [null];
  private addressLower: Array<string | null> = [null];
  private addressCodes = new Map<string, number>();

  private kd: KDBush | null = null;
  kdCount = 0;
  /** Latest `updatedAt` seen (ms), for reconciliation. */
  lastUpdatedMs = 0;

  constructor(capacity = 1024) {
    this.grow(Math.max(16, capacity));
  }

  get size(): number {
    return this.aliveCount;
  }

  private grow(cap: number): void {
    const copy = <T extends Float64Array | Float32Array | Int32Array | Uint32Array | Uint8Array>(
      a: T,
      make: (len: number) => T,
      per = 1,
    ): T => {
      const b = make(cap * per);
      b.set(a.subarray(0, this.n * per));
      return b;
    };
    this.lat = copy(this.lat, (l) => new Float64Array(l));
    this.lng = copy(this.lng, (l) => new Float64Array(l));
    this.x = copy(this.x, (l) => new Float32Array(l));
    this.y = copy(this.y, (l) => new Float32Array(l));
    this.fromMs = copy(this.fromMs, (l) => new Float64Array(l));
    this.toMs = copy(this.toMs, (l) => new Float64Array(l));
    this.role = copy(this.role, (l) => new Uint8Array(l));
    this.released = copy(this.released, (l) => new Uint8Array(l));
    this.assignee = copy(this.assignee, (l) => new Uint32Array(l));
    this.createdMs = copy(this.createdMs, (l) => new Float64Array(l));
    this.ind = copy(this.ind, (l) => new Uint32Array(l));
    this.type = copy(this.type, (l) => new Uint8Array(l));
    this.status = copy(this.status, (l) => new Uint8Array(l));
    this.prio = copy(this.prio, (l) => new Uint8Array(l));
    this.force = copy(this.force, (l) => new Uint8Array(l));
    this.alive = copy(this.alive, (l) => new Uint8Array(l));
    this.code = copy(this.code, (l) => new Uint8Array(l));
    this.addr = copy(this.addr, (l) => new Uint32Array(l));
    this.ids = copy(this.ids, (l) => new Uint8Array(l), 12);
    this.refs = copy(this.refs, (l) => new Uint8Array(l), REF_BYTES);
    this.cap = cap;
    // Rehash: table size is a power of two ≥ 2 × capacity.
    let size = 1;
    while (size < cap * 2) size <<= 1;
    this.table = new Int32Array(size);
    for (let i = 0; i < this.n; i++) this.tablePut(i);
  }

  private hashAt(buf: Uint8Array, at: number): number {
    // FNV-1a over the 12 bytes (the last bytes of an ObjectId vary most).
    let h = 0x811c9dc5;
    for (let k = 0; k < 12; k++) h = Math.imul(h ^ buf[at + k]!, 16777619);
    return h >>> 0;
  }

  private tablePut(slot: number): void {
    const mask = this.table.length - 1;
    let h = this.hashAt(this.ids, slot * 12) & mask;
    for (;;) {
      const v = this.table[h]!;
      if (v === 0 || this.sameId(v - 1, this.ids, slot * 12)) {
        this.table[h] = slot + 1;
        return;
      }
      h = (h + 1) & mask;
    }
  }

  private sameId(slot: number, buf: Uint8Array, at: number): boolean {
    const a = slot * 12;
    for (let k = 0; k < 12; k++) if (this.ids[a + k] !== buf[at + k]) return false;
    return true;
  }

  private scratch = new Uint8Array(12);
  /** Slot of an id (alive or not), or -1. */
  slotOf(id: string): number {
    if (!hexToBytes(id, this.scratch, 0)) return -1;
    const mask = this.table.length - 1;
    let h = this.hashAt(this.scratch, 0) & mask;
    for (;;) {
      const v = this.table[h]!;
      if (v === 0) return -1;
      if (this.sameId(v - 1, this.scratch, 0)) return v - 1;
      h = (h + 1) & mask;
    }
  }

  idAt(slot: number): string {
    let s = '';
    const a = slot * 12;
    for (let k = 0; k < 12; k++) s += HEX[this.ids[a + k]!];
    return s;
  }

  referenceAt(slot: number): string {
    let s = '';
    const a = slot * REF_BYTES;
    for (let k = 0; k < REF_BYTES; k++) {
      const c = this.refs[a + k]!;
      if (c === 0) break;
      s += String.fromCharCode(c);
    }
    return s;
  }

  addressAt(slot: number): string | null {
    return this.addresses[this.addr[slot]!] ?? null;
  }
  forceAt(slot: number): string {
    return this.forceIds[this.force[slot]!] ?? '';
  }
  typeAt(slot: number): (typeof PROPERTY_TYPE_IDS)[number] {
    return PROPERTY_TYPE_IDS[this.type[slot]!]!;
  }
  statusAt(slot: number): (typeof REPORT_STATUSES)[number] {
    return REPORT_STATUSES[this.status[slot]!]!;
  }
  priorityAt(slot: number): 'safeguarding' | 'standard' {
    return this.prio[slot] === 1 ? 'safeguarding' : 'standard';
  }
  indicatorsAt(slot: number): number[] {
    const out: number[] = [];
    const bits = this.ind[slot]!;
    for (let b = 0; b < 32; b++) if (bits & (1 << b)) out.push(b + 1);
    return out;
  }

  forceCode(id: string): number {
    let c = this.forceCodes.get(id);
    if (c === undefined) {
      c = this.forceIds.length;
      if (c > 255) throw new Error('too many forces for the map index');
      this.forceIds.push(id);
      this.forceCodes.set(id, c);
    }
    return c;
  }

  private assignees: Array<string | null> = [null];
  private assigneeCodes = new Map<string, number>();
  private assigneeCode(id: string | null): number {
    if (!id) return 0;
    let c = this.assigneeCodes.get(id);
    if (c === undefined) {
      c = this.assignees.length;
      this.assignees.push(id);
      this.assigneeCodes.set(id, c);
    }
    return c;
  }
  assigneeAt(slot: number): string | null {
    return this.assignees[this.assignee[slot]!] ?? null;
  }
  roleAt(slot: number): (typeof REPORTER_ROLE_IDS)[number] {
    return REPORTER_ROLE_IDS[this.role[slot]!]!;
  }

  private addressCode(a: string | null): number {
    if (!a) return 0;
    let c = this.addressCodes.get(a);
    if (c === undefined) {
      c = this.addresses.length;
      this.addresses.push(a);
      this.addressLower.push(a.toLowerCase());
      this.addressCodes.set(a, c);
    }
    return c;
  }

  /** Insert or update one report. Returns its slot. */
  upsert(r: IndexRecord): number {
    const id = typeof r._id === 'string' ? r._id : r._id.toString();
    let slot = this.slotOf(id);
    if (slot >= 0 && (this.lat[slot] !== r.lat || this.lng[slot] !== r.lng) && slot < this.kdCount) {
      // Moved: the KD-tree holds the old position, so retire the slot and append a fresh one.
      if (this.alive[slot]) this.aliveCount--;
      this.alive[slot] = 0;
      this.code[slot] = 0;
      slot = -1;
    }
    if (slot < 0) {
      if (this.n >= this.cap) this.grow(this.cap * 2);
      slot = this.n++;
      if (!hexToBytes(id, this.ids, slot * 12)) throw new Error(`not an ObjectId: ${id}`);
      this.tablePut(slot);
    }
    if (!this.alive[slot]) this.aliveCount++;
    this.alive[slot] = 1;
    this.lat[slot] = r.lat;
    this.lng[slot] = r.lng;
    this.x[slot] = lngToX(r.lng);
    this.y[slot] = latToY(r.lat);
    this.fromMs[slot] = time(r.observedFrom);
    this.toMs[slot] = time(r.observedTo);
    this.role[slot] = ROLE_CODE.get(r.reporterRole ?? '') ?? 0;
    this.released[slot] = r.ownerAlert === 'released' ? 1 : 0;
    this.assignee[slot] = this.assigneeCode(r.assignedTo ? String(r.assignedTo) : null);
    this.createdMs[slot] = time(r.createdAt);
    let bits = 0;
    for (const i of r.indicators) if (i >= 1 && i <= 32) bits |= 1 << (i - 1);
    this.ind[slot] = bits >>> 0;
    this.type[slot] = TYPE_CODE.get(r.propertyType) ?? 0;
    this.status[slot] = STATUS_CODE.get(r.status) ?? 0;
    this.prio[slot] = r.priority === 'safeguarding' ? 1 : 0;
    this.code[slot] = 64 | this.type[slot]! | (this.status[slot]! << 2) | (this.prio[slot]! << 5);
    this.force[slot] = this.forceCode(r.forceId);
    this.addr[slot] = this.addressCode(r.address);
    const ref = r.reference;
    const ra = slot * REF_BYTES;
    for (let k = 0; k < REF_BYTES; k++) this.refs[ra + k] = k < ref.length ? ref.charCodeAt(k) & 0x7f : 0;
    if (r.updatedAt) {
      const u = time(r.updatedAt);
      if (u > this.lastUpdatedMs) this.lastUpdatedMs = u;
    }
    return slot;
  }

  remove(id: string): void {
    const slot = this.slotOf(id);
    if (slot >= 0 && this.alive[slot]) {
      this.alive[slot] = 0;
      this.code[slot] = 0;
      this.aliveCount--;
    }
  }

  /** (Re)build the KD-tree over every slot so far. */
  buildSpatial(): void {
    const kd = new KDBush(Math.max(1, this.n), 64, Float32Array);
    for (let i = 0; i < this.n; i++) kd.add(this.x[i]!, this.y[i]!);
    if (this.n === 0) kd.add(0, 0);
    kd.finish();
    this.kd = kd;
    this.kdCount = this.n;
  }

  private ensureSpatial(): void {
    const delta = this.n - this.kdCount;
    if (!this.kd || delta > Math.max(5000, this.n * 0.05)) this.buildSpatial();
  }

  compile(f: FilterInput): CompiledFilter {
    let forces: number[] | null = null;
    if (f.forceIds) forces = f.forceIds.map((id) => this.forceCodes.get(id)).filter((c): c is number => c !== undefined);
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
      addrMatch = new Uint8Array(this.addresses.length);
      for (let c = 1; c < this.addressLower.length; c++) if (this.addressLower[c]!.includes(q)) addrMatch[c] = 1;
    }
    const pr = f.priority === 'safeguarding' ? 1 : f.priority === 'standard' ? 0 : -1;
    const allowed = new Uint8Array(128);
    for (let t = 0; t < 4; t++)
      for (let st = 0; st < 8; st++)
        for (let p = 0; p < 2; p++)
          if ((typeMask >> t) & 1 && (statusMask >> st) & 1 && (pr < 0 || pr === p)) allowed[64 | t | (st << 2) | (p << 5)] = 1;
    return {
      allowed,
      forces,
      box,
      fromMs: f.from ? f.from.getTime() : -Infinity,
      toMs: f.to ? f.to.getTime() : Infinity,
      indMask: indMask >>> 0,
      typeMask,
      statusMask,
      priority: f.priority === 'safeguarding' ? 1 : f.priority === 'standard' ? 0 : -1,
      addrMatch,
    };
  }

  /** Slots of every alive report matching the filter, ascending. */
  select(f: CompiledFilter): Int32Array {
    if (f.forces && f.forces.length === 0) return new Int32Array(0);
    this.ensureSpatial();
    const n = this.n;
    let candidates: ArrayLike<number> | null = null;
    if (f.box && this.kd) {
      const [minX, minY, maxX, maxY] = f.box;
      // A small viewport: ask the KD-tree; a large one: a linear scan is cheaper than materialising ids.
      const area = (maxX - minX) * (maxY - minY);
      const ext = this.extentArea();
      if (ext > 0 && area < ext * 0.2) {
        const hits = this.kd.range(minX, minY, maxX, maxY);
        const tail = n - this.kdCount;
        const all = new Int32Array(hits.length + tail);
        for (let k = 0; k < hits.length; k++) all[k] = hits[k]!;
        for (let k = 0; k < tail; k++) all[hits.length + k] = this.kdCount + k;
        all.sort();
        candidates = all;
      }
    }
    const out = new Int32Array(candidates ? candidates.length : n);
    let m = 0;
    const single = f.forces && f.forces.length === 1 ? f.forces[0]! : -1;
    const multi = f.forces && f.forces.length > 1 ? new Set(f.forces) : null;
    const box = f.box;
    const hasBox = box !== null;
    const bx0 = box ? box[0] : 0;
    const by0 = box ? box[1] : 0;
    const bx1 = box ? box[2] : 0;
    const by1 = box ? box[3] : 0;
    const { fromMs, toMs, indMask, addrMatch, allowed } = f;
    // Typed arrays in locals: property loads stay out of the hot loop.
    const { code, force, x, y, ind, addr } = this;
    const from = this.fromMs;
    const to = this.toMs;
    const ok = (i: number): boolean => {
      if (allowed[code[i]!] === 0) return false;
      if (single >= 0 && force[i] !== single) return false;
      if (multi !== null && !multi.has(force[i]!)) return false;
      if (hasBox) {
        const xi = x[i]!;
        const yi = y[i]!;
        if (xi < bx0 || xi > bx1 || yi < by0 || yi > by1) return false;
      }
      if (from[i]! > toMs || to[i]! < fromMs) return false;
      if (indMask !== 0 && (ind[i]! & indMask) === 0) return false;
      if (addrMatch !== null && addrMatch[addr[i]!] !== 1) return false;
      return true;
    };
    if (candidates) {
      for (let k = 0; k < candidates.length; k++) {
        const i = candidates[k]!;
        if (ok(i)) out[m++] = i;
      }
    } else if (multi === null && !hasBox && addrMatch === null) {
      // The common whole-force case, written out flat (no per-slot call).
      for (let i = 0; i < n; i++) {
        if (allowed[code[i]!] === 0) continue;
        if (single >= 0 && force[i] !== single) continue;
        if (from[i]! > toMs || to[i]! < fromMs) continue;
        if (indMask !== 0 && (ind[i]! & indMask) === 0) continue;
        out[m++] = i;
      }
    } else if (multi === null && addrMatch === null) {
      for (let i = 0; i < n; i++) {
        if (allowed[code[i]!] === 0) continue;
        if (single >= 0 && force[i] !== single) continue;
        const xi = x[i]!;
        const yi = y[i]!;
        if (xi < bx0 || xi > bx1 || yi < by0 || yi > by1) continue;
        if (from[i]! > toMs || to[i]! < fromMs) continue;
        if (indMask !== 0 && (ind[i]! & indMask) === 0) continue;
        out[m++] = i;
      }
    } else {
      for (let i = 0; i < n; i++) if (ok(i)) out[m++] = i;
    }
    return out.subarray(0, m);
  }

  private extent: [number, number, number, number] | null = null;
  private extentAt = -1;
  private extentArea(): number {
    if (this.extentAt !== this.n) {
      let x0 = 1;
      let y0 = 1;
      let x1 = 0;
      let y1 = 0;
      for (let i = 0; i < this.n; i++) {
        const x = this.x[i]!;
        const y = this.y[i]!;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
      this.extent = [x0, y0, x1, y1];
      this.extentAt = this.n;
    }
    const e = this.extent!;
    return Math.max(0, e[2] - e[0]) * Math.max(0, e[3] - e[1]);
  }

  /**
   * The `limit` matching slots that come first in queue order (safeguarding first, then newest created,
   * then id), strictly after `after` (a slot) when given. Uses a bounded insertion list: O(n · limit)
   * worst case, O(n) typical since most slots are rejected by the first comparison.
   */
  topInQueueOrder(slots: Int32Array, limit: number, after: { prio: number; created: number; id: string } | null): number[] {
    const best: number[] = [];
    const cmp = (a: number, b: number): number => {
      // negative: a comes before b
      const pa = this.prio[a]!;
      const pb = this.prio[b]!;
      if (pa !== pb) return pb - pa;
      const ca = this.createdMs[a]!;
      const cb = this.createdMs[b]!;
      if (ca !== cb) return cb - ca;
      const ia = this.idAt(a);
      const ib = this.idAt(b);
      return ia < ib ? 1 : ia > ib ? -1 : 0;
    };
    const afterCursor = (a: number): boolean => {
      if (!after) return true;
      const pa = this.prio[a]!;
      if (pa !== after.prio) return pa < after.prio;
      const ca = this.createdMs[a]!;
      if (ca !== after.created) return ca < after.created;
      return this.idAt(a) < after.id;
    };
    for (let k = 0; k < slots.length; k++) {
      const s = slots[k]!;
      if (best.length === limit && cmp(s, best[limit - 1]!) >= 0) continue;
      if (!afterCursor(s)) continue;
      let pos = best.length;
      while (pos > 0 && cmp(s, best[pos - 1]!) < 0) pos--;
      best.splice(pos, 0, s);
      if (best.length > limit) best.pop();
    }
    return best;
  }

  /** Approximate bytes held by the typed arrays (for benchmarks and logs). */
  bytes(): number {
    const arrays = [
      this.lat,
      this.lng,
      this.x,
      this.y,
      this.fromMs,
      this.toMs,
      this.role,
      this.released,
      this.assignee,
      this.createdMs,
      this.ind,
      this.type,
      this.status,
      this.prio,
      this.force,
      this.alive,
      this.addr,
      this.ids,
      this.refs,
      this.table,
    ];
    return arrays.reduce((s, a) => s + a.byteLength, 0) + (this.kd ? this.kd.data.byteLength : 0);
  }
}
