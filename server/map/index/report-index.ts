import { PROPERTY_TYPE_IDS, REPORT_STATUSES, REPORTER_ROLE_IDS } from '../../../shared/taxonomy';
import { argsortKeys, mortonKey, toQ } from '../morton';
import { type BitmapPlan, SlotBitmaps } from './bitmaps';
import { type CellAggregate, clusterCells } from './clustering';
import { allocColumns, COLUMNS, type ColumnName, type Columns, growColumns, REF_BYTES } from './columns';
import {
  BM_CHUNK,
  type Box,
  type CompiledFilter,
  chunkEnd,
  compileFilter,
  type FilterInput,
  matchCandidates,
  matchRange,
  slotRuns,
  WORLD,
} from './filter';
import { Interner } from './interner';
import { bytesToHex, hexToBytes, ID_BYTES, IdTable } from './object-ids';
import { latToY, lngToX, minutes, time } from './projection';
import { type IndexRecord, ROLE_CODE, STATUS_CODE, slotCode, TYPE_CODE } from './record';
import { reorderColumns } from './reorder';

/**
 * Compact in-memory index of every report: one typed array per column (see `COLUMNS`), one slot per
 * report. The first `sortedN` slots are in Morton order of position (`mk` holds their keys), so a
 * viewport or a cluster cell is a few contiguous runs of slots; reports added later are appended
 * and scanned linearly until `compacted()` sorts them in (MapIndex swaps the new index in, so a
 * request holding the old one keeps consistent slots). Slot bitmaps (`bitmaps.ts`) let selective
 * filters visit only their candidate slots instead of every slot in view. The database stays the
 * source of truth: the index is rebuilt at start (from a snapshot or a stream), updated on events,
 * and reconciled from the change log.
 */

const UNSORTED_MAX = 20_000;

// The columns (lat, lng, x, y, ...) are own properties of every index: `COLUMNS` declares them once.
export interface ReportIndex extends Columns {}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface only types the column properties the constructor sets from COLUMNS
export class ReportIndex {
  /** Number of slots used (alive or dead). */
  n = 0;
  private cap = 0;
  /** Morton keys of the first `sortedN` slots, ascending. */
  mk = new Float64Array(0);
  sortedN = 0;
  private ids_ = new IdTable();
  private aliveCount = 0;
  /** Per-attribute slot bitmaps. */
  readonly bitmaps = new SlotBitmaps();
  /** Reused buffer of the matching slots of one chunk (`matchChunk`). */
  readonly hits = new Int32Array(BM_CHUNK);

  private readonly forces = new Interner({ nullCode: false, max: 255, what: 'forces' });
  /** Interned addresses; code 0 is "no address". */
  private readonly addressTable = new Interner({ nullCode: true, lower: true });
  private readonly assigneeTable = new Interner({ nullCode: true });

  constructor(capacity = 1024) {
    Object.assign(this, allocColumns(0));
    this.grow(Math.max(16, capacity));
  }

  get size(): number {
    return this.aliveCount;
  }
  get forceIds(): string[] {
    return this.forces.values as string[];
  }
  get addresses(): Array<string | null> {
    return this.addressTable.values;
  }
  get assignees(): Array<string | null> {
    return this.assigneeTable.values;
  }

  private grow(cap: number): void {
    growColumns(this, this, this.n, cap);
    this.cap = cap;
    this.rehash();
    this.rebuildBitmaps();
  }

  /** Builds every slot bitmap from the columns in one pass (after bulk writes: sort, snapshot, growth). */
  private rebuildBitmaps(): void {
    this.bitmaps.rebuild(this, this.n, this.cap);
  }

  /**
   * Rebuild the id table. A repeated id keeps one slot: the latest, i.e. the highest slot, or the
   * highest `origin[slot]` (its slot before a reorder); the others die.
   */
  private rehash(origin?: Uint32Array): void {
    this.ids_.reset(this.cap);
    for (let i = 0; i < this.n; i++) {
      const prev = this.ids_.put(this.ids, i);
      if (prev < 0 || !this.alive[prev]) continue;
      let loser = prev;
      if (origin && origin[prev]! > origin[i]!) {
        this.ids_.put(this.ids, prev);
        loser = i;
      }
      this.alive[loser] = 0;
      this.code[loser] = 0;
      this.aliveCount--;
    }
  }

  /** Slot of an id (alive or not), or -1. */
  slotOf(id: string): number {
    return this.ids_.find(this.ids, id);
  }

  idAt(slot: number): string {
    return bytesToHex(this.ids, slot);
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
    return this.addressTable.at(this.addr[slot]!);
  }
  forceAt(slot: number): string {
    return this.forces.at(this.force[slot]!) ?? '';
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
    return this.assigneeTable.at(this.assignee[slot]!);
  }
  roleAt(slot: number): (typeof REPORTER_ROLE_IDS)[number] {
    return REPORTER_ROLE_IDS[this.role[slot]!]!;
  }

  forceCode(id: string): number {
    return this.forces.code(id);
  }

  /** Restores string tables (snapshots): codes are positions. */
  setTables(t: { forceIds: string[]; addresses: Array<string | null>; assignees: Array<string | null> }): void {
    this.forces.restore(t.forceIds);
    this.addressTable.restore(t.addresses);
    this.assigneeTable.restore(t.assignees);
  }

  /** Writes a record's fields into a slot (no id table work). */
  private fill(slot: number, r: IndexRecord): void {
    if (this.alive[slot]) this.bitmaps.set(this, slot, false);
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
    this.assignee[slot] = this.assigneeTable.code(r.assignedTo ? String(r.assignedTo) : null);
    this.createdMs[slot] = time(r.createdAt);
    let bits = 0;
    for (const i of r.indicators) if (i >= 1 && i <= 32) bits |= 1 << (i - 1);
    this.ind[slot] = bits >>> 0;
    const type = TYPE_CODE.get(r.propertyType) ?? 0;
    const status = STATUS_CODE.get(r.status) ?? 0;
    const prio = r.priority === 'safeguarding' ? 1 : 0;
    const force = this.forces.code(r.forceId);
    this.type[slot] = type;
    this.status[slot] = status;
    this.prio[slot] = prio;
    this.force[slot] = force;
    this.code[slot] = slotCode(force, type, status, prio);
    this.addr[slot] = this.addressTable.code(r.address);
    this.bitmaps.set(this, slot, true);
    const ref = r.reference;
    const ra = slot * REF_BYTES;
    for (let k = 0; k < REF_BYTES; k++) this.refs[ra + k] = k < ref.length ? ref.charCodeAt(k) & 0x7f : 0;
  }

  /** Writes an id's 12 bytes at a slot. */
  private putId(r: IndexRecord, slot: number): void {
    const raw = (r._id as { id?: unknown }).id;
    if (raw instanceof Uint8Array && raw.length === ID_BYTES) {
      this.ids.set(raw, slot * ID_BYTES);
      return;
    }
    const id = typeof r._id === 'string' ? r._id : r._id.toString();
    if (!hexToBytes(id, this.ids, slot * ID_BYTES)) throw new Error(`not an ObjectId: ${id}`);
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
        this.bitmaps.set(this, slot, false);
        this.aliveCount--;
      }
      this.alive[slot] = 0;
      this.code[slot] = 0;
      slot = -1;
    }
    if (slot < 0) {
      if (this.n >= this.cap) this.grow(Math.ceil(this.cap * 1.25) + 1024);
      slot = this.n++;
      if (!hexToBytes(id, this.ids, slot * ID_BYTES)) throw new Error(`not an ObjectId: ${id}`);
      this.ids_.put(this.ids, slot);
    }
    this.fill(slot, r);
    return slot;
  }

  remove(id: string): void {
    const slot = this.slotOf(id);
    if (slot >= 0 && this.alive[slot]) {
      this.bitmaps.set(this, slot, false);
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
    this.sortInto(next);
    return next;
  }

  /** Alive slots of this index in Morton order, into `dst` (this index itself, or a new one). */
  private sortInto(dst: ReportIndex): void {
    // The sorted part keeps its order: only the appended tail is sorted, then merged in (the reorder
    // then reads the old columns almost sequentially, which matters at a million slots).
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
    const release = dst === this ? () => Object.assign(this, allocColumns(0)) : undefined;
    Object.assign(dst, reorderColumns(this, this.n, perm, m, cap, release));
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
   * After a snapshot filled the columns of slots [0, n) (this index was made with capacity n and
   * its string tables set): recompute Morton keys for the `sortedN` sorted slots, count the alive
   * ones and build the id table. Throws if the sorted part is not in order.
   */
  restored(n: number, sortedN: number): void {
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
    this.rehash();
    this.rebuildBitmaps();
    this.extentAt = -1;
  }

  compile(f: FilterInput): CompiledFilter {
    return compileFilter(f, this.forces, this.addressTable);
  }

  /** The slot bitmaps that narrow `f` (null: none narrows it). */
  bitmapPlan(f: CompiledFilter): BitmapPlan {
    return this.bitmaps.plan(f);
  }

  /**
   * The slots of [lo, hi) — at most one aligned chunk of BM_CHUNK slots — that pass `f`, ascending, into
   * `this.hits`; returns how many. With a bitmap plan only the slots whose bits survive the attribute maps are
   * tested (unless the chunk is dense); `testBox` adds the box test, for runs not known to lie inside `box`.
   */
  matchChunk(f: CompiledFilter, plan: BitmapPlan, lo: number, hi: number, testBox: boolean, box: Box): number {
    const len = plan ? this.bitmaps.candidates(plan, lo, hi) : -1;
    return len < 0 ? matchRange(this, f, lo, hi, testBox, box, this.hits) : this.matchCandidates(f, len, lo, testBox, box);
  }

  /** `matchChunk` over the `len` candidate words the last `bitmaps.candidates` call left for the chunk at `lo`. */
  matchCandidates(f: CompiledFilter, len: number, lo: number, testBox: boolean, box: Box): number {
    return matchCandidates(this, f, this.bitmaps.candBuf, len, lo, testBox, box, this.hits);
  }

  /** Slots of every alive report matching the filter, ascending. */
  select(f: CompiledFilter): Int32Array {
    if (f.forces && f.forces.length === 0) return new Int32Array(0);
    const runs = slotRuns(this.mk, this.sortedN, this.n, f.box);
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

  /** Cluster cells of the matching reports in a box at a zoom (see `clustering.ts`). */
  clusterCells(
    f: CompiledFilter,
    box: [number, number, number, number],
    zoom: number,
    maxCells: number,
  ): { cells: CellAggregate[]; total: number } | null {
    return clusterCells(this, f, box, zoom, maxCells);
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

  /** The columns by name (snapshots). */
  fields(): Record<ColumnName, ArrayBufferView> {
    return this;
  }

  /** Approximate bytes held by the typed arrays (for benchmarks and logs). */
  bytes(): number {
    let b = this.ids_.byteLength + this.bitmaps.byteLength + this.mk.byteLength;
    for (const c of COLUMNS) b += this[c.name].byteLength;
    return b;
  }
}
