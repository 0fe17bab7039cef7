import zlib from 'node:zlib';
import type { EntityKind, EntityMention, EntitySource } from '../../shared/entities';
import { kindOfKey } from '../../shared/entities';
import type { IndexFollower } from '../map/map-index';
import type { IndexRecord, ReportIndex } from '../map/report-index';
import { hexToBytes, ID_BYTES } from '../map/index/object-ids';

/** One report's mention of an entity as the index keeps it (the label lives once per entity). */
export interface HeldMention {
  key: string;
  raw: string;
  source: EntitySource;
  partial?: boolean;
}

/**
 * An entity's reports, oldest observation first, as parallel arrays (read `[0..n)` only): report numbers (see
 * EntityIndex) and the facts an entity's summary needs, side by side so a summary is one sequential walk: observed
 * from (ms), force (EntityIndex.forceIds code), indicator bits, place (EntityIndex place code).
 */
export interface ReportList {
  rids: Int32Array;
  from: Float64Array;
  force: Uint8Array;
  ind: Uint32Array;
  place: Int32Array;
  n: number;
}

/** What a report is, for entity summaries: its force, indicators and place. */
export interface ReportFacts {
  forceId: string;
  indicators: readonly number[];
  address: string | null;
  lat: number;
  lng: number;
}

/** One property: the address when given (trimmed, any case), else the position to ~10 m. */
export function placeKeyOf(address: string | null | undefined, lat: number, lng: number): string {
  return address?.trim() ? address.trim().toLowerCase() : `${(lat ?? 0).toFixed(4)},${(lng ?? 0).toFixed(4)}`;
}

const newList = (cap: number): ReportList => ({
  rids: new Int32Array(cap),
  from: new Float64Array(cap),
  force: new Uint8Array(cap),
  ind: new Uint32Array(cap),
  place: new Int32Array(cap),
  n: 0,
});
const EMPTY: ReportList = newList(0);

/** 3: each report carries its observed-from and created times (the lists' order) and its facts (force, indicators, place). */
const FORMAT = 3;
/** A report in the snapshot section: id, mentions, observed from, created, force code, indicator bits, place code. */
type SectionReport = [string, HeldMention[], number, number, number, number, number];

const toMs = (v: unknown): number => (v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(String(v)));

/**
 * Every entity mention of every report, in memory, kept like the map index (it follows MapIndex: every record the
 * map index applies, removes or replays reaches it, and it travels in the map index snapshot as its `entities`
 * section), so lookups never touch the reports collection:
 * - each report holding a mention gets a small report number (`rid`), its id, its mentions and its observed-from and
 *   created times in typed columns;
 * - each entity key holds its reports as parallel typed arrays (rid, observed from, force, indicators, place; see
 *   ReportList) kept sorted by (observed from, created, rid): a report is inserted at its place by binary search, so
 *   no request ever sorts a hot entity's list, "newest first" is a walk from the end, and an entity's summary is one
 *   sequential walk (the facts come with every record the map index applies, and travel in the snapshot);
 * - `sortedKeys`: every key in order, rebuilt lazily after changes, for prefix search;
 * - a per-ReportIndex cache rid → slot (checked against the slot's id bytes), so reading a hot entity's reports'
 *   facts costs a few array reads per report instead of an id hash lookup.
 * The reports a request shows (a page) are read from the map index's ReportIndex by slot, so a report the map index
 * no longer holds is never shown even if a mention of it lingers; counts and summaries come from the lists' facts.
 */
export class EntityIndex implements IndexFollower {
  readonly name = 'entities';
  private lists = new Map<string, ReportList>();
  private labels = new Map<string, string>();
  private sortedKeys: string[] | null = null;
  private ridOf = new Map<string, number>();
  private ids: string[] = [];
  private held: Array<HeldMention[] | null> = [];
  private freeRids: number[] = [];
  private cap = 0;
  private from = new Float64Array(0);
  private created = new Float64Array(0);
  private forceOf = new Uint8Array(0);
  private indOf = new Uint32Array(0);
  private placeOf = new Int32Array(0);
  private forces: string[] = [''];
  private forceCodes = new Map<string, number>([['', 0]]);
  private placeNames: string[] = [];
  private placeCodes = new Map<string, number>();
  private marks = new Uint32Array(0);
  private stamp = 0;
  private idBytes = new Uint8Array(0);
  private slotCache = new Int32Array(0);
  private cacheIx: ReportIndex | null = null;
  /** True when loaded from a snapshot without an entities section: a background backfill is due. */
  needsBackfill = false;

  constructor() {
    this.grow(1024);
  }

  get entityCount(): number {
    return this.lists.size;
  }
  get reportCount(): number {
    return this.ridOf.size;
  }

  private grow(cap: number): void {
    const grown = <T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(
      a: T,
      make: (n: number) => T,
      per = 1,
    ): T => {
      const b = make(cap * per);
      b.set(a);
      return b;
    };
    this.from = grown(this.from, (n) => new Float64Array(n));
    this.created = grown(this.created, (n) => new Float64Array(n));
    this.forceOf = grown(this.forceOf, (n) => new Uint8Array(n));
    this.indOf = grown(this.indOf, (n) => new Uint32Array(n));
    this.placeOf = grown(this.placeOf, (n) => new Int32Array(n));
    this.idBytes = grown(this.idBytes, (n) => new Uint8Array(n), ID_BYTES);
    const cache = new Int32Array(cap).fill(-1);
    cache.set(this.slotCache);
    this.slotCache = cache;
    this.cap = cap;
  }

  /** Force ids by code (code 0: unknown). */
  get forceIds(): readonly string[] {
    return this.forces;
  }
  private forceCode(id: string): number {
    let c = this.forceCodes.get(id);
    if (c === undefined) {
      c = this.forces.length;
      if (c > 255) throw new Error('too many forces for the entity index');
      this.forces.push(id);
      this.forceCodes.set(id, c);
    }
    return c;
  }
  private placeCode(key: string): number {
    let c = this.placeCodes.get(key);
    if (c === undefined) {
      c = this.placeNames.length;
      this.placeNames.push(key);
      this.placeCodes.set(key, c);
      if (c >= this.marks.length) {
        const grown = new Uint32Array(Math.max(1024, this.marks.length * 2));
        grown.set(this.marks);
        this.marks = grown;
      }
    }
    return c;
  }

  /**
   * Counting distinct places without a set: `marks[place] === stamp` once a place was seen in this count. Call
   * `placeStamp()` for a fresh stamp per count (synchronous use only), then read `placeMarks`.
   */
  placeStamp(): number {
    if (this.stamp === 0xffffffff) {
      this.marks.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
  get placeMarks(): Uint32Array {
    return this.marks;
  }

  upsert(r: IndexRecord & { entities?: EntityMention[] | null }): void {
    const id = typeof r._id === 'string' ? r._id : r._id.toString();
    this.set(id, r.entities ?? [], toMs(r.observedFrom), toMs(r.createdAt), r);
  }

  /**
   * Replace one report's mentions, times and facts (no mentions: forget it). Without times (0), an entity's reports
   * are in report-number order, not observation order, and without facts they count as no force's: for benches and
   * tools only; the index itself always passes them.
   */
  set(
    id: string,
    mentions: readonly (EntityMention | HeldMention)[],
    fromMs = 0,
    createdMs = 0,
    facts?: ReportFacts,
  ): void {
    // Most reports mention nothing: forget any earlier mentions without interning their place (the place table is
    // kept in memory and in the snapshot, so it must hold only places of reports that mention something).
    if (mentions.length === 0) {
      this.remove(id);
      return;
    }
    const force = facts ? this.forceCode(facts.forceId) : 0;
    let bits = 0;
    for (const i of facts?.indicators ?? []) if (i >= 1 && i <= 32) bits |= 1 << (i - 1);
    bits >>>= 0;
    const place = this.placeCode(facts ? placeKeyOf(facts.address, facts.lat, facts.lng) : '');
    this.put(id, mentions, fromMs, createdMs, force, bits, place);
  }

  private put(
    id: string,
    mentions: readonly (EntityMention | HeldMention)[],
    fromMs: number,
    createdMs: number,
    force: number,
    bits: number,
    place: number,
  ): void {
    const had = this.ridOf.get(id);
    if (had !== undefined) {
      const old = this.held[had]!;
      if (
        this.from[had] === fromMs &&
        this.created[had] === createdMs &&
        this.forceOf[had] === force &&
        this.indOf[had] === bits &&
        this.placeOf[had] === place &&
        mentions.length === old.length &&
        mentions.every((m, i) => m.key === old[i]!.key)
      )
        return;
      this.remove(id);
    }
    if (mentions.length === 0) return;
    const rid = this.freeRids.pop() ?? this.ids.length;
    if (rid >= this.cap) this.grow(Math.max(1024, Math.ceil(this.cap * 1.5)));
    this.ridOf.set(id, rid);
    this.ids[rid] = id;
    this.from[rid] = fromMs;
    this.created[rid] = createdMs;
    this.forceOf[rid] = force;
    this.indOf[rid] = bits;
    this.placeOf[rid] = place;
    this.slotCache[rid] = -1;
    if (!hexToBytes(id, this.idBytes, rid * ID_BYTES)) this.idBytes.fill(0, rid * ID_BYTES, (rid + 1) * ID_BYTES);
    const held: HeldMention[] = [];
    const keys = new Set<string>();
    for (const m of mentions) {
      held.push({ key: m.key, raw: m.raw, source: m.source, ...(m.partial ? { partial: true } : {}) });
      if ('label' in m && !this.labels.has(m.key)) this.labels.set(m.key, m.label);
      // A report naming an entity twice is one report of it.
      if (keys.has(m.key)) continue;
      keys.add(m.key);
      this.insert(m.key, rid);
    }
    this.held[rid] = held;
  }

  /** Position of the first list entry not before (fromMs, createdMs, rid). */
  private lowerBound(list: ReportList, rid: number): number {
    const f = this.from[rid]!;
    const c = this.created[rid]!;
    let lo = 0;
    let hi = list.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = list.rids[mid]!;
      const of = list.from[mid]!;
      const before = of < f || (of === f && (this.created[o]! < c || (this.created[o] === c && o < rid)));
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private insert(key: string, rid: number): void {
    let list = this.lists.get(key);
    if (!list) {
      list = newList(2);
      this.lists.set(key, list);
      this.sortedKeys = null;
    }
    if (list.n === list.rids.length) {
      const bigger = newList(list.rids.length * 2);
      bigger.rids.set(list.rids);
      bigger.from.set(list.from);
      bigger.force.set(list.force);
      bigger.ind.set(list.ind);
      bigger.place.set(list.place);
      bigger.n = list.n;
      list = bigger;
      this.lists.set(key, list);
    }
    const at = this.lowerBound(list, rid);
    const { n } = list;
    list.rids.copyWithin(at + 1, at, n);
    list.from.copyWithin(at + 1, at, n);
    list.force.copyWithin(at + 1, at, n);
    list.ind.copyWithin(at + 1, at, n);
    list.place.copyWithin(at + 1, at, n);
    list.rids[at] = rid;
    list.from[at] = this.from[rid]!;
    list.force[at] = this.forceOf[rid]!;
    list.ind[at] = this.indOf[rid]!;
    list.place[at] = this.placeOf[rid]!;
    list.n++;
  }

  /** True when report `rid` is in `list` (binary search). */
  contains(list: ReportList, rid: number): boolean {
    const at = this.lowerBound(list, rid);
    return at < list.n && list.rids[at] === rid;
  }

  remove(id: string): void {
    const rid = this.ridOf.get(id);
    if (rid === undefined) return;
    const held = this.held[rid]!;
    for (const m of held) {
      const list = this.lists.get(m.key);
      if (!list) continue;
      const at = this.lowerBound(list, rid);
      if (at < list.n && list.rids[at] === rid) {
        const { n } = list;
        list.rids.copyWithin(at, at + 1, n);
        list.from.copyWithin(at, at + 1, n);
        list.force.copyWithin(at, at + 1, n);
        list.ind.copyWithin(at, at + 1, n);
        list.place.copyWithin(at, at + 1, n);
        list.n--;
      }
      if (list.n === 0) {
        this.lists.delete(m.key);
        this.labels.delete(m.key);
        this.sortedKeys = null;
      }
    }
    this.ridOf.delete(id);
    this.ids[rid] = '';
    this.held[rid] = null;
    this.slotCache[rid] = -1;
    this.freeRids.push(rid);
  }

  /** After a build: forget reports the new index does not hold (deleted while no event reached this instance). */
  retain(ix: ReportIndex): void {
    for (const id of [...this.ridOf.keys()]) {
      const slot = ix.slotOf(id);
      if (slot < 0 || !ix.alive[slot]) this.remove(id);
    }
  }

  mentionsOf(reportId: string): readonly HeldMention[] {
    const rid = this.ridOf.get(reportId);
    return rid === undefined ? [] : this.held[rid]!;
  }
  mentionsOfRid(rid: number): readonly HeldMention[] {
    return this.held[rid] ?? [];
  }
  /** How report `rid` wrote entity `key` ('' if it does not mention it). */
  rawOf(rid: number, key: string): string {
    return this.held[rid]?.find((m) => m.key === key)?.raw ?? '';
  }
  ridOfId(reportId: string): number {
    return this.ridOf.get(reportId) ?? -1;
  }
  idOf(rid: number): string {
    return this.ids[rid]!;
  }
  /** Observed-from and created times of report `rid` (ms), the order of the lists. */
  fromOf(rid: number): number {
    return this.from[rid]!;
  }
  createdOf(rid: number): number {
    return this.created[rid]!;
  }
  /** The entity's reports as rids, oldest observation first (read-only; valid until the next change). */
  listOf(key: string): ReportList {
    return this.lists.get(key) ?? EMPTY;
  }
  /** Number of reports mentioning the entity (any force, alive or not in the map index). */
  countOf(key: string): number {
    return this.lists.get(key)?.n ?? 0;
  }
  /** Ids of the reports mentioning `key`, oldest observation first. */
  reportsOf(key: string): string[] {
    const list = this.listOf(key);
    const out: string[] = new Array(list.n);
    for (let i = 0; i < list.n; i++) out[i] = this.ids[list.rids[i]!]!;
    return out;
  }
  has(key: string): boolean {
    return this.lists.has(key);
  }
  labelOf(key: string): string {
    return this.labels.get(key) ?? key.slice(key.indexOf(':') + 1);
  }
  kindOf(key: string): EntityKind {
    return kindOfKey(key) ?? 'line';
  }

  /**
   * The live slot of report `rid` in `ix`, or -1 (not there, or dead). Cached per index: a cached slot is used when
   * it is still alive and holds the same id bytes, else the id is looked up again.
   */
  slotIn(ix: ReportIndex, rid: number): number {
    if (ix !== this.cacheIx) {
      this.cacheIx = ix;
      this.slotCache.fill(-1);
    }
    const cached = this.slotCache[rid]!;
    if (cached >= 0 && cached < ix.n && ix.alive[cached]) {
      const ids = ix.ids;
      const a = cached * ID_BYTES;
      const b = rid * ID_BYTES;
      const bytes = this.idBytes;
      let same = true;
      for (let k = 0; k < ID_BYTES; k++) {
        if (ids[a + k] !== bytes[b + k]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const slot = ix.slotOf(this.ids[rid]!);
    const live = slot >= 0 && ix.alive[slot] ? slot : -1;
    this.slotCache[rid] = live;
    return live;
  }

  /** The live slots in `ix` of every report that mentions something (any order; slots through the cache of `slotIn`). */
  liveSlots(ix: ReportIndex): number[] {
    const out: number[] = [];
    for (const rid of this.ridOf.values()) {
      const s = this.slotIn(ix, rid);
      if (s >= 0) out.push(s);
    }
    return out;
  }

  /**
   * Keys starting with `prefix` (a normalised key prefix like `phone:+44770`, `vehicle:AB12`), in key order: a
   * binary search into the sorted keys, then a walk of at most `limit` matches.
   */
  keysWithPrefix(prefix: string, limit: number): string[] {
    this.sortedKeys ??= [...this.lists.keys()].sort();
    const keys = this.sortedKeys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < keys.length && out.length < limit && keys[i]!.startsWith(prefix); i++) out.push(keys[i]!);
    return out;
  }

  /**
   * The snapshot section: every report's mentions, times and facts (force, indicator bits and place as codes into
   * the section's tables) and every label, as deflated JSON (captured synchronously).
   */
  encode(): Buffer {
    const reports: SectionReport[] = [];
    for (const [id, rid] of this.ridOf)
      reports.push([
        id,
        this.held[rid]!,
        this.from[rid]!,
        this.created[rid]!,
        this.forceOf[rid]!,
        this.indOf[rid]!,
        this.placeOf[rid]!,
      ]);
    const json = JSON.stringify({
      format: FORMAT,
      labels: [...this.labels],
      forces: this.forces,
      places: this.placeNames,
      reports,
    });
    return zlib.deflateRawSync(Buffer.from(json));
  }

  private reset(): void {
    this.lists = new Map();
    this.labels = new Map();
    this.sortedKeys = null;
    this.ridOf = new Map();
    this.ids = [];
    this.held = [];
    this.freeRids = [];
    this.cap = 0;
    this.from = new Float64Array(0);
    this.created = new Float64Array(0);
    this.forceOf = new Uint8Array(0);
    this.indOf = new Uint32Array(0);
    this.placeOf = new Int32Array(0);
    this.forces = [''];
    this.forceCodes = new Map([['', 0]]);
    this.placeNames = [];
    this.placeCodes = new Map();
    this.marks = new Uint32Array(0);
    this.stamp = 0;
    this.idBytes = new Uint8Array(0);
    this.slotCache = new Int32Array(0);
    this.cacheIx = null;
    this.grow(1024);
  }

  /** Replace everything with a snapshot section (null, or an older format: a backfill is due). */
  load(section: Buffer | null): void {
    this.reset();
    this.needsBackfill = section === null;
    if (!section) return;
    const data = JSON.parse(zlib.inflateRawSync(section).toString()) as {
      format: number;
      labels: Array<[string, string]>;
      forces: string[];
      places: string[];
      reports: SectionReport[];
    };
    if (data.format !== FORMAT) {
      this.needsBackfill = true;
      return;
    }
    this.labels = new Map(data.labels);
    // Oldest first, so each list grows at its end (the sort is a no-op insert at the tail).
    data.reports.sort((a, b) => a[2] - b[2] || a[3] - b[3]);
    const forces = data.forces.map((f) => this.forceCode(f));
    const places = data.places.map((p) => this.placeCode(p));
    for (const [id, held, from, created, force, bits, place] of data.reports)
      this.put(id, held, from, created, forces[force] ?? 0, bits, places[place] ?? this.placeCode(''));
  }

  /** Everything forgotten (a full stream rebuild follows and re-adds what exists). */
  clear(): void {
    this.reset();
    this.needsBackfill = false;
  }
}
