import { INDICATOR_IDS, PROPERTY_TYPE_IDS, REPORT_STATUSES, REPORTER_ROLE_IDS } from '../../shared/taxonomy';
import { argsortKeys, lowerBound, mortonKey, toQ } from './morton';

/**
 * Compact in-memory index of every report: typed arrays per field, one slot per report.
 * Position (lat/lng and Web-Mercator x/y in 0..1), observation window (minutes since epoch),
 * creation time, indicator bits, type/status/priority/force codes, 12-byte ids, references, and
 * interned addresses. The first `sortedN` slots are in Morton order of position (`mk` holds their keys),
 * so a viewport or a cluster cell is a few contiguous runs of slots; reports added later are appended
 * and scanned linearly until `compacted()` sorts them in (MapIndex swaps the new index in, so a
 * request holding the old one keeps consistent slots). Per-attribute slot bitmaps (indicator, type, status, priority,
 * force, alive) let selective filters visit only their candidate slots instead of every slot in view.
 * The database stays the source of truth: the index is rebuilt at start,
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
  /** New information from the reporter the assigned officer has not opened yet. */
  unread?: boolean;
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
  unread: 1,
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
  /** Indexed by slot code (force, type, status, priority, alive): 1 if allowed. */
  allowed: Uint8Array;
  /** A time window is set; fromMin/toMin are its bounds in whole minutes (floor). */
  hasTime: boolean;
  fromMin: number;
  toMin: number;
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
/** Whole minutes since the epoch, clamped to a Uint32. */
const minutes = (ms: number): number => Math.min(0xffffffff, Math.max(0, Math.floor(ms / 60_000)));
const time = (d: Date | string | number): number => (d instanceof Date ? d.getTime() : new Date(d).getTime());
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const UNSORTED_MAX = 20_000;

/**
 * Per-attribute slot bitmaps (one bit per slot, 32 slots a word), kept in one Uint32Array of
 * `BM_FIXED` maps plus one map per force code. A bit is set iff the slot is alive and has that value.
 */
const IND_MAPS = Math.max(...INDICATOR_IDS);
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
/** Slots are narrowed by bitmap in aligned chunks of this many (a power of two), each dense or sparse. */
const BM_CHUNK = 8192;
/** End of the aligned chunk that starts at `lo`, within `hi`. */
const chunkEnd = (lo: number, hi: number) => Math.min(hi, (lo | (BM_CHUNK - 1)) + 1);
type Box = readonly [number, number, number, number];
/** Per attribute a filter restricts, the slot bitmaps of its allowed values (see `bitmapPlan`). */
type BitmapPlan = Uint32Array[][] | null;
/** The whole world in Web-Mercator x/y (a filter without a box). */
const WORLD = [0, 0, 1, 1] as const;

/** A run of slots [lo, hi) and whether its reports are certainly inside the filter box. */
type Run = { lo: number; hi: number; inside: boolean };

/** One cluster-grid cell's aggregate. */
export interface CellAggregate {
  count: number;
  safeguarding: number;
  lat: number;
  lng: number;
  bounds: [number, number, number, number];
  firstSlot: number;
}

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
  /** The same window in whole minutes (floor), 4 bytes each: the hot loops test these, then ms only on a tie. */
  fromMin = new Uint32Array(0);
  toMin = new Uint32Array(0);
  /** Reporter role code (index in REPORTER_ROLE_IDS). */
  role = new Uint8Array(0);
  /** 1 when the owner alert is released. */
  released = new Uint8Array(0);
  /** 1 when the reporter added information the assigned officer has not opened yet. */
  unread = new Uint8Array(0);
  /** Interned assignee id; 0 = unassigned. */
  assignee = new Uint32Array(0);
  createdMs = new Float64Array(0);
  ind = new Uint32Array(0);
  type = new Uint8Array(0);
  status = new Uint8Array(0);
  prio = new Uint8Array(0);
  force = new Uint8Array(0);
  alive = new Uint8Array(0);
  /** 0 when dead; else force << 7 | 64 | type | status << 2 | priority << 5: one lookup tests all four. */
  code = new Uint16Array(0);
  addr = new Uint32Array(0);
  /** 12-byte ObjectIds and 16-byte ASCII references, per slot. */
  ids = new Uint8Array(0);
  refs = new Uint8Array(0);
  /** Morton keys of the first `sortedN` slots, ascending. */
  mk = new Float64Array(0);
  sortedN = 0;
  /** Open-addressing hash: id → slot + 1 (0 = empty). */
  private table = new Int32Array(0);
  private aliveCount = 0;
  /** Words per slot bitmap (capacity / 32, rounded up). */
  private bmW = 0;
  /** `BM_FIXED` slot bitmaps back to back: alive, indicators 1.., property types, statuses, priorities. */
  private bm = new Uint32Array(0);
  /** Slot bitmap per force code (undefined: no alive slot of that force yet). */
  private bmForce: Array<Uint32Array | undefined> = [];
  /** Narrow queries with the slot bitmaps; off, every slot in view is tested (tests compare the two). */
  useBitmaps = true;
  /** Reused buffer of candidate words for one run. */
  private candBuf = new Uint32Array(64);

  forceIds: string[] = [];
  private forceCodes = new Map<string, number>();
  /** Interned addresses; code 0 is "no address". */
  addresses: Array<string | null> = [null];
  private addressLower: Array<string | null> = [null];
  private addressCodes = new Map<string, number>();
  assignees: Array<string | null> = [null];
  private assigneeCodes = new Map<string, number>();

  /** Latest `updatedAt` seen (ms), for reconciliation. */
  lastUpdatedMs = 0;

  constructor(capacity = 1024) {
    this.grow(Math.max(16, capacity));
  }

  get size(): number {
    return this.aliveCount;
  }

  private grow(cap: number): void {
    const copy = <T extends Float64Array | Float32Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(
      a: T,
      make: (len: number) => T,
      per = 1,
    ): T => {
      const b = make(cap * per);
      b.set(a.subarray(0, Math.min(this.n, cap) * per));
      return b;
    };
    this.lat = copy(this.lat, (l) => new Float64Array(l));
    this.lng = copy(this.lng, (l) => new Float64Array(l));
    this.x = copy(this.x, (l) => new Float32Array(l));
    this.y = copy(this.y, (l) => new Float32Array(l));
    this.fromMs = copy(this.fromMs, (l) => new Float64Array(l));
    this.toMs = copy(this.toMs, (l) => new Float64Array(l));
    this.fromMin = copy(this.fromMin, (l) => new Uint32Array(l));
    this.toMin = copy(this.toMin, (l) => new Uint32Array(l));
    this.role = copy(this.role, (l) => new Uint8Array(l));
    this.released = copy(this.released, (l) => new Uint8Array(l));
    this.unread = copy(this.unread, (l) => new Uint8Array(l));
    this.assignee = copy(this.assignee, (l) => new Uint32Array(l));
    this.createdMs = copy(this.createdMs, (l) => new Float64Array(l));
    this.ind = copy(this.ind, (l) => new Uint32Array(l));
    this.type = copy(this.type, (l) => new Uint8Array(l));
    this.status = copy(this.status, (l) => new Uint8Array(l));
    this.prio = copy(this.prio, (l) => new Uint8Array(l));
    this.force = copy(this.force, (l) => new Uint8Array(l));
    this.alive = copy(this.alive, (l) => new Uint8Array(l));
    this.code = copy(this.code, (l) => new Uint16Array(l));
    this.addr = copy(this.addr, (l) => new Uint32Array(l));
    this.ids = copy(this.ids, (l) => new Uint8Array(l), 12);
    this.refs = copy(this.refs, (l) => new Uint8Array(l), REF_BYTES);
    this.cap = cap;
    this.rehash();
    this.rebuildBitmaps();
  }

  /** Sets (on) or clears a slot's bits in the maps of its current values. */
  private slotBits(i: number, on: boolean): void {
    const W = this.bmW;
    const w = i >>> 5;
    const b = 1 << (i & 31);
    const set = on ? b : 0;
    const keep = ~b;
    const bm = this.bm;
    let k = BM_ALIVE * W + w;
    bm[k] = (bm[k]! & keep) | set;
    let ind = this.ind[i]! & IND_ALL;
    while (ind !== 0) {
      const t = ind & -ind;
      ind ^= t;
      k = (BM_IND + 31 - Math.clz32(t)) * W + w;
      bm[k] = (bm[k]! & keep) | set;
    }
    const type = this.type[i]!;
    if (type < N_TYPES) {
      k = (BM_TYPE + type) * W + w;
      bm[k] = (bm[k]! & keep) | set;
    }
    const status = this.status[i]!;
    if (status < N_STATUSES) {
      k = (BM_STATUS + status) * W + w;
      bm[k] = (bm[k]! & keep) | set;
    }
    k = (BM_PRIO + (this.prio[i]! & 1)) * W + w;
    bm[k] = (bm[k]! & keep) | set;
    const fc = this.force[i]!;
    let fm = this.bmForce[fc];
    if (fm === undefined) {
      if (!on) return;
      fm = new Uint32Array(W);
      this.bmForce[fc] = fm;
    }
    fm[w] = (fm[w]! & keep) | set;
  }

  /** Builds every slot bitmap from the columns in one pass (after bulk writes: sort, snapshot, growth). */
  private rebuildBitmaps(): void {
    const W = Math.ceil(this.cap / 32);
    this.bmW = W;
    this.bm = new Uint32Array(BM_FIXED * W);
    this.bmForce = [];
    const { alive, ind, type, status, prio, force, bm } = this;
    let fc = -1;
    let fm: Uint32Array | undefined;
    for (let i = 0; i < this.n; i++) {
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
   * Rebuild the id table (power of two ≥ 1.5 × capacity). A repeated id keeps one slot: the latest,
   * i.e. the highest slot, or the highest `origin[slot]` (its slot before a reorder); the others die.
   */
  private rehash(origin?: Uint32Array): void {
    let size = 1;
    while (size < this.cap * 1.5) size <<= 1;
    if (this.table.length !== size) this.table = new Int32Array(size);
    else this.table.fill(0);
    for (let i = 0; i < this.n; i++) {
      const prev = this.tablePut(i);
      if (prev < 0 || !this.alive[prev]) continue;
      let loser = prev;
      if (origin && origin[prev]! > origin[i]!) {
        this.tablePut(prev);
        loser = i;
      }
      this.alive[loser] = 0;
      this.code[loser] = 0;
      this.aliveCount--;
    }
  }

  private hashAt(buf: Uint8Array, at: number): number {
    // FNV-1a over the 12 bytes (the last bytes of an ObjectId vary most).
    let h = 0x811c9dc5;
    for (let k = 0; k < 12; k++) h = Math.imul(h ^ buf[at + k]!, 16777619);
    return h >>> 0;
  }

  /** Puts a slot in the id table; returns the slot it replaced (same id), or -1. */
  private tablePut(slot: number): number {
    const mask = this.table.length - 1;
    let h = this.hashAt(this.ids, slot * 12) & mask;
    for (;;) {
      const v = this.table[h]!;
      if (v === 0) {
        this.table[h] = slot + 1;
        return -1;
      }
      if (this.sameId(v - 1, this.ids, slot * 12)) {
        this.table[h] = slot + 1;
        return v - 1 === slot ? -1 : v - 1;
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
    return this.slotOfBytes(this.scratch, 0);
  }

  private slotOfBytes(buf: Uint8Array, at: number): number {
    const mask = this.table.length - 1;
    let h = this.hashAt(buf, at) & mask;
    for (;;) {
      const v = this.table[h]!;
      if (v === 0) return -1;
      if (this.sameId(v - 1, buf, at)) return v - 1;
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
  assigneeAt(slot: number): string | null {
    return this.assignees[this.assignee[slot]!] ?? null;
  }
  roleAt(slot: number): (typeof REPORTER_ROLE_IDS)[number] {
    return REPORTER_ROLE_IDS[this.role[slot]!]!;
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

  /** Restores string tables (snapshots): codes are positions. */
  setTables(t: { forceIds: string[]; addresses: Array<string | null>; assignees: Array<string | null> }): void {
    this.forceIds = [];
    this.forceCodes.clear();
    for (const f of t.forceIds) this.forceCode(f);
    this.addresses = [null];
    this.addressLower = [null];
    this.addressCodes.clear();
    for (let k = 1; k < t.addresses.length; k++) {
      const a = t.addresses[k] ?? '';
      this.addresses.push(a);
      this.addressLower.push(a.toLowerCase());
      this.addressCodes.set(a, k);
    }
    this.assignees = [null];
    this.assigneeCodes.clear();
    for (let k = 1; k < t.assignees.length; k++) {
      const a = t.assignees[k] ?? '';
      this.assignees.push(a);
      this.assigneeCodes.set(a, k);
    }
  }

  /** Writes a record's fields into a slot (no id table work). */
  private fill(slot: number, r: IndexRecord): void {
    if (this.alive[slot]) this.slotBits(slot, false);
    else this.aliveCount++;
    this.alive[slot] = 1;
    this.lat[slot] = r.lat;
    this.lng[slot] = r.lng;
    this.x[slot] = lngToX(r.lng);
    this.y[slot] = latToY(r.lat);
    const fromMs = time(r.observedFrom);
    const toMs = time(r.observedTo);
    this.fromMs[slot] = fromMs;
    this.toMs[slot] = toMs;
    this.fromMin[slot] = minutes(fromMs);
    this.toMin[slot] = minutes(toMs);
    this.role[slot] = ROLE_CODE.get(r.reporterRole ?? '') ?? 0;
    this.released[slot] = r.ownerAlert === 'released' ? 1 : 0;
    this.unread[slot] = r.unread ? 1 : 0;
    this.assignee[slot] = this.assigneeCode(r.assignedTo ? String(r.assignedTo) : null);
    this.createdMs[slot] = time(r.createdAt);
    let bits = 0;
    for (const i of r.indicators) if (i >= 1 && i <= 32) bits |= 1 << (i - 1);
    this.ind[slot] = bits >>> 0;
    const type = TYPE_CODE.get(r.propertyType) ?? 0;
    const status = STATUS_CODE.get(r.status) ?? 0;
    const prio = r.priority === 'safeguarding' ? 1 : 0;
    const force = this.forceCode(r.forceId);
    this.type[slot] = type;
    this.status[slot] = status;
    this.prio[slot] = prio;
    this.force[slot] = force;
    this.code[slot] = (force << 7) | 64 | type | (status << 2) | (prio << 5);
    this.addr[slot] = this.addressCode(r.address);
    this.slotBits(slot, true);
    const ref = r.reference;
    const ra = slot * REF_BYTES;
    for (let k = 0; k < REF_BYTES; k++) this.refs[ra + k] = k < ref.length ? ref.charCodeAt(k) & 0x7f : 0;
    if (r.updatedAt) {
      const u = time(r.updatedAt);
      if (u > this.lastUpdatedMs) this.lastUpdatedMs = u;
    }
  }

  /** Writes an id's 12 bytes at a slot. */
  private putId(r: IndexRecord, slot: number): void {
    const raw = (r._id as { id?: unknown }).id;
    if (raw instanceof Uint8Array && raw.length === 12) {
      this.ids.set(raw, slot * 12);
      return;
    }
    const id = typeof r._id === 'string' ? r._id : r._id.toString();
    if (!hexToBytes(id, this.ids, slot * 12)) throw new Error(`not an ObjectId: ${id}`);
  }

  /**
   * Bulk path: append a record without touching the id table (the caller promises `sortSpatially()`
   * before any lookup). Builds from a stream or a seed cost a few µs per record.
   */
  append(r: IndexRecord): void {
    if (this.n >= this.cap) this.grow(Math.ceil(this.cap * 1.5));
    const slot = this.n++;
    this.putId(r, slot);
    this.fill(slot, r);
  }

  /** Insert or update one report. Returns its slot. */
  upsert(r: IndexRecord): number {
    const id = typeof r._id === 'string' ? r._id : r._id.toString();
    let slot = this.slotOf(id);
    if (slot >= 0 && slot < this.sortedN && (this.lat[slot] !== r.lat || this.lng[slot] !== r.lng)) {
      // Moved: its Morton position is stale, so retire the slot and append a fresh one.
      if (this.alive[slot]) {
        this.slotBits(slot, false);
        this.aliveCount--;
      }
      this.alive[slot] = 0;
      this.code[slot] = 0;
      slot = -1;
    }
    if (slot < 0) {
      if (this.n >= this.cap) this.grow(Math.ceil(this.cap * 1.25) + 1024);
      slot = this.n++;
      if (!hexToBytes(id, this.ids, slot * 12)) throw new Error(`not an ObjectId: ${id}`);
      this.tablePut(slot);
    }
    this.fill(slot, r);
    return slot;
  }

  remove(id: string): void {
    const slot = this.slotOf(id);
    if (slot >= 0 && this.alive[slot]) {
      this.slotBits(slot, false);
      this.alive[slot] = 0;
      this.code[slot] = 0;
      this.aliveCount--;
    }
  }

  /** Too many appended (unsorted) or dead slots: time for `compacted()`. */
  needsCompaction(): boolean {
    const tail = this.n - this.sortedN;
    const dead = this.n - this.aliveCount;
    return tail > Math.max(UNSORTED_MAX, this.n * 0.02) || dead > Math.max(UNSORTED_MAX, this.n * 0.05);
  }

  /**
   * Sorts every alive slot into Morton order in place, drops dead slots, rebuilds the id table.
   * Only for an index nobody else holds yet (a bulk build); live indexes use `compacted()`.
   */
  sortSpatially(): void {
    this.sortInto(this);
  }

  /** A new index with the same reports, every one in Morton order (the old one stays valid for its holders). */
  compacted(): ReportIndex {
    const next = new ReportIndex(16);
    next.setTables({ forceIds: this.forceIds, addresses: this.addresses, assignees: this.assignees });
    next.lastUpdatedMs = this.lastUpdatedMs;
    this.sortInto(next);
    return next;
  }

  /** Alive slots of this index in Morton order, into `dst` (this index itself, or a new one). */
  private sortInto(dst: ReportIndex): void {
    // The sorted part keeps its order: only the appended tail is sorted, then merged in (the gather
    // below then reads the old arrays almost sequentially, which matters at a million slots).
    const tailKeys = new Float64Array(this.n - this.sortedN);
    const tailSlots = new Uint32Array(this.n - this.sortedN);
    let t = 0;
    for (let i = this.sortedN; i < this.n; i++) {
      if (!this.alive[i]) continue;
      tailKeys[t] = mortonKey(toQ(lngToX(this.lng[i]!)), toQ(latToY(this.lat[i]!)));
      tailSlots[t++] = i;
    }
    const order = argsortKeys(tailKeys, t);
    const m = this.aliveCount;
    const perm = new Uint32Array(m);
    const mk = new Float64Array(m);
    let k = 0;
    let j = 0;
    for (let i = 0; i < this.sortedN; i++) {
      if (!this.alive[i]) continue;
      const key = this.mk[i]!;
      while (j < t && tailKeys[order[j]!]! < key) {
        perm[k] = tailSlots[order[j]!]!;
        mk[k++] = tailKeys[order[j++]!]!;
      }
      perm[k] = i;
      mk[k++] = key;
    }
    while (j < t) {
      perm[k] = tailSlots[order[j]!]!;
      mk[k++] = tailKeys[order[j++]!]!;
    }
    if (k !== m) throw new Error(`map index sort lost slots (${k} of ${m})`);
    const cap = m + Math.max(1024, Math.ceil(m * 0.02));
    this.gatherRows(perm, m, cap, dst);
    dst.mk = mk;
    dst.n = m;
    dst.sortedN = m;
    dst.aliveCount = m;
    dst.cap = cap;
    // Repeated ids (a stream can deliver a document twice) keep their latest copy.
    dst.rehash(perm);
    dst.rebuildBitmaps();
    dst.extentAt = -1;
  }

  /**
   * Reorders the columns so new slot k holds old slot perm[k]. The stored fields of each slot are
   * packed into one 88-byte row first (a sequential pass), rows are read in the new order (one or two
   * cache lines per slot instead of a cache miss per column: the order is random at first) and
   * unpacked into fresh columns; derived columns (x, y, minute windows, codes) are recomputed.
   */
  private gatherRows(perm: Uint32Array, m: number, cap: number, dst: ReportIndex): void {
    const W = 22;
    const n = this.n;
    const w32 = (a: ArrayBufferView) => new Uint32Array(a.buffer, a.byteOffset, a.byteLength >>> 2);
    const rows = new Uint32Array(n * W);
    {
      const lat = w32(this.lat);
      const lng = w32(this.lng);
      const fr = w32(this.fromMs);
      const to = w32(this.toMs);
      const cr = w32(this.createdMs);
      const ids = w32(this.ids);
      const refs = w32(this.refs);
      const { ind, addr, assignee, type, status, prio, force, role, released, unread } = this;
      for (let i = 0; i < n; i++) {
        const o = i * W;
        rows[o] = lat[2 * i]!;
        rows[o + 1] = lat[2 * i + 1]!;
        rows[o + 2] = lng[2 * i]!;
        rows[o + 3] = lng[2 * i + 1]!;
        rows[o + 4] = fr[2 * i]!;
        rows[o + 5] = fr[2 * i + 1]!;
        rows[o + 6] = to[2 * i]!;
        rows[o + 7] = to[2 * i + 1]!;
        rows[o + 8] = cr[2 * i]!;
        rows[o + 9] = cr[2 * i + 1]!;
        rows[o + 10] = ids[3 * i]!;
        rows[o + 11] = ids[3 * i + 1]!;
        rows[o + 12] = ids[3 * i + 2]!;
        rows[o + 13] = refs[4 * i]!;
        rows[o + 14] = refs[4 * i + 1]!;
        rows[o + 15] = refs[4 * i + 2]!;
        rows[o + 16] = refs[4 * i + 3]!;
        rows[o + 17] = ind[i]!;
        rows[o + 18] = addr[i]!;
        rows[o + 19] = assignee[i]!;
        rows[o + 20] = (type[i]! | (status[i]! << 8) | (prio[i]! << 16) | (force[i]! << 24)) >>> 0;
        rows[o + 21] = role[i]! | (released[i]! << 8) | (unread[i]! << 16);
      }
    }
    // Rows hold everything now: when sorting in place the old columns go.
    dst.lat = new Float64Array(cap);
    dst.lng = new Float64Array(cap);
    dst.x = new Float32Array(cap);
    dst.y = new Float32Array(cap);
    dst.fromMs = new Float64Array(cap);
    dst.toMs = new Float64Array(cap);
    dst.fromMin = new Uint32Array(cap);
    dst.toMin = new Uint32Array(cap);
    dst.role = new Uint8Array(cap);
    dst.released = new Uint8Array(cap);
    dst.unread = new Uint8Array(cap);
    dst.assignee = new Uint32Array(cap);
    dst.createdMs = new Float64Array(cap);
    dst.ind = new Uint32Array(cap);
    dst.type = new Uint8Array(cap);
    dst.status = new Uint8Array(cap);
    dst.prio = new Uint8Array(cap);
    dst.force = new Uint8Array(cap);
    dst.alive = new Uint8Array(cap);
    dst.code = new Uint16Array(cap);
    dst.addr = new Uint32Array(cap);
    dst.ids = new Uint8Array(cap * 12);
    dst.refs = new Uint8Array(cap * REF_BYTES);
    const lat = w32(dst.lat);
    const lng = w32(dst.lng);
    const fr = w32(dst.fromMs);
    const to = w32(dst.toMs);
    const cr = w32(dst.createdMs);
    const ids = w32(dst.ids);
    const refs = w32(dst.refs);
    const { ind, addr, assignee, type, status, prio, force, role, released, unread, alive, code, x, y, fromMin, toMin } = dst;
    for (let k = 0; k < m; k++) {
      const o = perm[k]! * W;
      lat[2 * k] = rows[o]!;
      lat[2 * k + 1] = rows[o + 1]!;
      lng[2 * k] = rows[o + 2]!;
      lng[2 * k + 1] = rows[o + 3]!;
      fr[2 * k] = rows[o + 4]!;
      fr[2 * k + 1] = rows[o + 5]!;
      to[2 * k] = rows[o + 6]!;
      to[2 * k + 1] = rows[o + 7]!;
      cr[2 * k] = rows[o + 8]!;
      cr[2 * k + 1] = rows[o + 9]!;
      ids[3 * k] = rows[o + 10]!;
      ids[3 * k + 1] = rows[o + 11]!;
      ids[3 * k + 2] = rows[o + 12]!;
      refs[4 * k] = rows[o + 13]!;
      refs[4 * k + 1] = rows[o + 14]!;
      refs[4 * k + 2] = rows[o + 15]!;
      refs[4 * k + 3] = rows[o + 16]!;
      ind[k] = rows[o + 17]!;
      addr[k] = rows[o + 18]!;
      assignee[k] = rows[o + 19]!;
      const a = rows[o + 20]!;
      const t = a & 0xff;
      const st = (a >>> 8) & 0xff;
      const p = (a >>> 16) & 0xff;
      const fc = a >>> 24;
      type[k] = t;
      status[k] = st;
      prio[k] = p;
      force[k] = fc;
      role[k] = rows[o + 21]! & 0xff;
      released[k] = (rows[o + 21]! >>> 8) & 0xff;
      unread[k] = rows[o + 21]! >>> 16;
      alive[k] = 1;
      code[k] = (fc << 7) | 64 | t | (st << 2) | (p << 5);
    }
    const { lat: la, lng: ln, fromMs, toMs } = dst;
    for (let k = 0; k < m; k++) {
      x[k] = lngToX(ln[k]!);
      y[k] = latToY(la[k]!);
      fromMin[k] = minutes(fromMs[k]!);
      toMin[k] = minutes(toMs[k]!);
    }
  }

  /**
   * After a snapshot filled the per-slot arrays of slots [0, n) (this index was made with capacity n
   * and its string tables set): recompute Morton keys for the `sortedN` sorted slots, count the
   * alive ones and build the id table. Throws if the sorted part is not in order.
   */
  restored(n: number, sortedN: number, lastUpdatedMs: number): void {
    this.n = n;
    this.sortedN = sortedN;
    const mk = new Float64Array(sortedN);
    for (let i = 0; i < sortedN; i++) {
      mk[i] = mortonKey(toQ(lngToX(this.lng[i]!)), toQ(latToY(this.lat[i]!)));
      if (i > 0 && mk[i]! < mk[i - 1]!) throw new Error('snapshot slots are not in Morton order');
    }
    this.mk = mk;
    let alive = 0;
    for (let i = 0; i < n; i++) alive += this.alive[i]!;
    this.aliveCount = alive;
    this.lastUpdatedMs = lastUpdatedMs;
    this.rehash();
    this.rebuildBitmaps();
    this.extentAt = -1;
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
    const codes: number[] = [];
    for (let t = 0; t < 4; t++)
      for (let st = 0; st < 8; st++)
        for (let p = 0; p < 2; p++)
          if ((typeMask >> t) & 1 && (statusMask >> st) & 1 && (pr < 0 || pr === p)) codes.push(64 | t | (st << 2) | (p << 5));
    const allowed = new Uint8Array(256 << 7);
    const forceList = forces ?? Array.from({ length: 256 }, (_, k) => k);
    for (const fc of forceList) for (const c of codes) allowed[(fc << 7) | c] = 1;
    const fromMs = f.from ? f.from.getTime() : -Infinity;
    const toMs = f.to ? f.to.getTime() : Infinity;
    return {
      allowed,
      forces,
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

  /**
   * Runs of slots that may hold reports inside a world box, ascending: the Morton cells of a coarse
   * grid (at most ~16 × 16) over the box, then the unsorted tail. `inside` marks runs whose cell lies
   * strictly inside the box (no per-report box test needed).
   */
  private runs(box: [number, number, number, number] | null): Run[] {
    const tail: Run = { lo: this.sortedN, hi: this.n, inside: false };
    if (!box) return [{ lo: 0, hi: this.n, inside: true }];
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
        const lo = lowerBound(this.mk, this.sortedN, key);
        const hi = lowerBound(this.mk, this.sortedN, key + span);
        if (hi > lo) runs.push({ lo, hi, inside: cellInside(c, r, s, qx0, qy0, qx1, qy1) });
      }
    runs.sort((a, b) => a.lo - b.lo);
    if (tail.hi > tail.lo) runs.push(tail);
    return runs;
  }

  /**
   * The slot bitmaps that narrow a filter down: per attribute it restricts (forces, indicators,
   * types, statuses, priority), the maps of its allowed values, to be ORed within and ANDed across
   * attributes. Null when it restricts none of them (then a plain scan is cheaper).
   */
  private bitmapPlan(f: CompiledFilter): BitmapPlan {
    if (!this.useBitmaps) return null;
    const W = this.bmW;
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
   * Candidate words of slots [lo, hi) into `candBuf` (word k covers slots (lo >>> 5) + k): alive AND,
   * per group, the OR of its maps; bits outside [lo, hi) cleared. Returns the number of words, or -1
   * when more than `BM_DENSE` of the slots are candidates (testing every slot is then cheaper).
   */
  private candidates(groups: Uint32Array[][], lo: number, hi: number): number {
    const w0 = lo >>> 5;
    const w1 = (hi - 1) >>> 5;
    const len = w1 - w0 + 1;
    if (this.candBuf.length < len) this.candBuf = new Uint32Array(Math.max(len, this.candBuf.length * 2));
    const out = this.candBuf;
    const alive = this.bm;
    const a0 = BM_ALIVE * this.bmW + w0;
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

  /** Reused buffer of the matching slots of one chunk (`matchChunk`). */
  private hits = new Int32Array(BM_CHUNK);

  /**
   * The slots of [lo, hi) — at most one aligned chunk of BM_CHUNK slots — that pass `f`, ascending, into
   * `this.hits`; returns how many. With a bitmap plan only the slots whose bits survive the attribute maps are
   * tested (unless the chunk is dense); `testBox` adds the box test, for runs not known to lie inside `box`.
   */
  private matchChunk(f: CompiledFilter, plan: BitmapPlan, lo: number, hi: number, testBox: boolean, box: Box): number {
    const len = plan ? this.candidates(plan, lo, hi) : -1;
    return len < 0 ? this.matchRange(f, lo, hi, testBox, box) : this.matchCandidates(f, len, lo, testBox, box);
  }

  /** `matchChunk` testing every slot of [lo, hi). */
  private matchRange(f: CompiledFilter, lo: number, hi: number, testBox: boolean, box: Box): number {
    const { code, x, y, ind, addr, fromMin, toMin } = this;
    const from = this.fromMs;
    const to = this.toMs;
    const { allowed, fromMs, toMs, indMask, addrMatch, hasTime } = f;
    const qMin = f.fromMin;
    const qMax = f.toMin;
    const [bx0, by0, bx1, by1] = box;
    const hits = this.hits;
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

  /** `matchChunk` testing only the `len` candidate words `candidates` left in `candBuf` for the chunk at `lo`. */
  private matchCandidates(f: CompiledFilter, len: number, lo: number, testBox: boolean, box: Box): number {
    const { code, x, y, ind, addr, fromMin, toMin } = this;
    const from = this.fromMs;
    const to = this.toMs;
    const { allowed, fromMs, toMs, indMask, addrMatch, hasTime } = f;
    const qMin = f.fromMin;
    const qMax = f.toMin;
    const [bx0, by0, bx1, by1] = box;
    const hits = this.hits;
    let m = 0;
    const cand = this.candBuf;
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

  /** Slots of every alive report matching the filter, ascending. */
  select(f: CompiledFilter): Int32Array {
    if (f.forces && f.forces.length === 0) return new Int32Array(0);
    const runs = this.runs(f.box);
    let total = 0;
    for (const r of runs) total += r.hi - r.lo;
    const out = new Int32Array(total);
    let m = 0;
    const box = f.box ?? WORLD;
    const plan = this.bitmapPlan(f);
    for (const run of runs)
      for (let lo = run.lo; lo < run.hi; lo = chunkEnd(lo, run.hi)) {
        const found = this.matchChunk(f, plan, lo, chunkEnd(lo, run.hi), !run.inside, box);
        out.set(this.hits.subarray(0, found), m);
        m += found;
      }
    return out.subarray(0, m);
  }

  /**
   * Cluster cells without materialising slots: the grid of `cellPx = 60` cells at `zoom` (doubled
   * until at most `maxCells` cells cover the box) is a Morton level, so each cell is one run of
   * sorted slots, aggregated with the filter applied on the way; the unsorted tail is added after.
   * Returns null when the grid is finer than the Morton unit (zoom > 18).
   */
  clusterCells(
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
    const { code, x, y, ind, addr, fromMin, toMin } = this;
    const from = this.fromMs;
    const to = this.toMs;
    const { allowed, fromMs, toMs, indMask, addrMatch, hasTime } = f;
    const qMin = f.fromMin;
    const qMax = f.toMin;
    const [bx0, by0, bx1, by1] = box;
    const hits = this.hits;
    const span = 2 ** (2 * s);
    const sortedN = this.sortedN;
    const mk = this.mk;
    const plan = this.bitmapPlan(f);
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
          const len = plan ? this.candidates(plan, clo, chi) : -1;
          if (len >= 0) {
            const found = this.matchCandidates(f, len, clo, testBox, box);
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
    for (let lo = sortedN; lo < this.n; lo = chunkEnd(lo, this.n)) {
      const found = this.matchChunk(f, plan, lo, chunkEnd(lo, this.n), true, box);
      for (let k = 0; k < found; k++) {
        const i = hits[k]!;
        const xi = x[i]!;
        const yi = y[i]!;
        const c = Math.min(cols - 1, Math.max(0, (toQ(lngToX(this.lng[i]!)) >> s) - c0));
        const r = Math.min(rows - 1, Math.max(0, (toQ(latToY(this.lat[i]!)) >> s) - r0));
        const j = r * cols + c;
        if (count[j] === 0) first[j] = i;
        count[j]!++;
        sg[j]! += this.prio[i]!;
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

  private extent: [number, number, number, number] = [0, 0, 0, 0];
  private extentAt = -1;
  /** World box of every slot (cached until the slot count changes). */
  worldExtent(): [number, number, number, number] {
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
      this.extent = x1 >= x0 ? [x0, y0, x1, y1] : [0, 0, 0, 0];
      this.extentAt = this.n;
    }
    return this.extent;
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

  /** The per-slot arrays, by name (snapshots). */
  fields(): Record<SnapshotField, ArrayBufferView> {
    const out = {} as Record<SnapshotField, ArrayBufferView>;
    for (const k of SNAPSHOT_FIELDS) out[k] = this[k];
    return out;
  }

  /** Approximate bytes held by the typed arrays (for benchmarks and logs). */
  bytes(): number {
    let b = this.table.byteLength + this.bm.byteLength + this.candBuf.byteLength;
    for (const m of this.bmForce) b += m?.byteLength ?? 0;
    for (const k of SNAPSHOT_FIELDS) b += this[k].byteLength;
    return b;
  }
}

/** Is Morton cell (c, r) at level s strictly inside the unit box (so every report in it is inside)? */
function cellInside(c: number, r: number, s: number, qx0: number, qy0: number, qx1: number, qy1: number): boolean {
  const cx0 = c * 2 ** s;
  const cy0 = r * 2 ** s;
  return cx0 > qx0 && cx0 + 2 ** s - 1 < qx1 && cy0 > qy0 && cy0 + 2 ** s - 1 < qy1;
}

/** Per-slot arrays that make up a snapshot, in a fixed order. */
export const SNAPSHOT_FIELDS = [
  'lat',
  'lng',
  'x',
  'y',
  'fromMs',
  'toMs',
  'fromMin',
  'toMin',
  'role',
  'released',
  'unread',
  'assignee',
  'createdMs',
  'ind',
  'type',
  'status',
  'prio',
  'force',
  'alive',
  'code',
  'addr',
  'ids',
  'refs',
  'mk',
] as const;
export type SnapshotField = (typeof SNAPSHOT_FIELDS)[number];
