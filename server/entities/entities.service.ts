import { keyFromQuery, linkReason, normaliseLineName, normaliseVehicle } from '../../shared/entities';
import type {
  EntityDetail,
  EntityHit,
  EntityNetwork,
  EntityReport,
  EntitySearchResult,
  ReportEntities,
} from '../../shared/schemas/entities';
import { ukIsoWithOffset, ukSummerTime } from '../../shared/time';
import type { AuthContext } from '../accounts/session.types';
import { errors } from '../http/errors';
import { seesForce } from '../http/policy';
import type { MapIndex } from '../map/map-index';
import type { FilterInput, ReportIndex } from '../map/report-index';
import { appendAudit, auditEntry } from '../triage/audit-log';
import { presentEntityReport } from './entities.presenter';
import { type EntityIndex, placeKeyOf, type ReportList } from './entity-index';
import type { PackInput } from './pack';

const iso = (ms: number) => new Date(ms).toISOString();

const DAY = 86_400_000;

/** Linked reports and entity reports are paged: this many by default, at most PAGE_MAX. */
export const PAGE = 50;
export const PAGE_MAX = 200;
/** Per row of an evidence pack, at most this many references of the reports sharing each other entity. */
export const PACK_LINKS = 5;

/** A page request: `cursor` is the opaque position the previous page answered as `next`. */
export interface PageInput {
  limit?: number;
  cursor?: string;
}
const pageOf = (p: PageInput = {}) => ({
  limit: Math.max(1, Math.min(PAGE_MAX, p.limit ?? PAGE)),
  offset: p.cursor && /^\d{1,9}$/.test(p.cursor) ? Number(p.cursor) : 0,
});

/** A report as the entity views see it: its slot in the live map index (alive), or -1. */
function slotOf(ix: ReportIndex, id: string): number {
  const slot = ix.slotOf(id);
  return slot >= 0 && ix.alive[slot] ? slot : -1;
}

/** Force codes (of the entity index) the caller sees (1), as a table indexed by code (a police_admin may narrow). */
function visibleForces(auth: AuthContext, forceIds: readonly string[], only?: string): Uint8Array {
  const out = new Uint8Array(256);
  forceIds.forEach((force, code) => {
    if (seesForce(auth.user, force) && (!only || auth.user.role !== 'police_admin' || force === only)) out[code] = 1;
  });
  return out;
}

/** An entity's reports as one viewer sees them, summarised (see EntityService.summary). */
interface Summary {
  count: number;
  otherForce: boolean;
  first: number;
  last: number;
  indicators: Array<{ id: number; count: number }>;
  timeline: Array<{ day: string; count: number }>;
  properties: number;
}
/** "YYYY-MM-DD" of UK day numbers (days since 1970-01-01 in UK local time), cached: a few thousand at most. */
const dayKeys = new Map<number, string>();

/**
 * Reports per UK calendar day, fed instants in ascending order (an entity's list order): runs of equal day numbers,
 * with the GMT/BST span of the last instant kept, so an instant costs a few comparisons (no Date, no map).
 */
class DayRuns {
  readonly runs: Array<{ day: string; count: number }> = [];
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  private offset = 0;
  private day = Number.NaN;
  private run: { day: string; count: number } | null = null;

  add(ms: number): void {
    if (ms < this.lo || ms >= this.hi) {
      const year = new Date(ms).getUTCFullYear();
      const [start, end] = ukSummerTime(year);
      if (ms < start) [this.lo, this.hi, this.offset] = [Date.UTC(year, 0, 1), start, 0];
      else if (ms < end) [this.lo, this.hi, this.offset] = [start, end, 3_600_000];
      else [this.lo, this.hi, this.offset] = [end, Date.UTC(year + 1, 0, 1), 0];
    }
    const day = Math.floor((ms + this.offset) / DAY);
    if (day === this.day) {
      this.run!.count++;
      return;
    }
    this.day = day;
    let key = dayKeys.get(day);
    if (key === undefined) {
      key = new Date(day * DAY).toISOString().slice(0, 10);
      dayKeys.set(day, key);
    }
    if (this.run?.day === key) this.run.count++;
    else {
      this.run = { day: key, count: 1 };
      this.runs.push(this.run);
    }
  }
}

/** Distinct properties of map index slots (see `placeKeyOf`), as the entity summary counts them. */
export class PlaceCounter {
  private places = new Set<string>();

  add(ix: ReportIndex, s: number): void {
    this.places.add(placeKeyOf(ix.addressAt(s), ix.lat[s]!, ix.lng[s]!));
  }

  get size(): number {
    return this.places.size;
  }
}

/**
 * Linked intelligence for police: a report's entity links, entity search, an entity's reports, the network of a
 * selection, and the evidence pack's rows. Everything is read from memory (the entity index and the map index):
 * no request touches the reports collection. Boundaries (policy `entity.read` / `entity.export`): an officer sees
 * reports of their own force only; of other forces only that the entity is "also reported in another force area";
 * a police_admin sees every force.
 *
 * Cost: an entity's reports are sorted parallel typed arrays in the entity index (report number, observed from,
 * force, indicators, place), so counts, first and last seen, indicators, timeline and places are one sequential walk
 * of a hot entity's list, a few nanoseconds per report, without touching the map index; only the reports of the page
 * answered are resolved to map index slots (through a cache) and built into objects (linked reports and an entity's
 * reports come `PAGE` at a time with their total and a `next` cursor). Nothing sorts a whole list.
 */
export class EntityService {
  constructor(private readonly deps: { mapIndex: MapIndex; entities: EntityIndex }) {}

  private get ix(): ReportIndex {
    return this.deps.mapIndex.index;
  }

  /**
   * The entity's summary as the caller sees it: one sequential walk of its list's fact arrays (force, observed from,
   * indicators, place), a few nanoseconds per report, without touching the map index.
   */
  private summary(vis: Uint8Array, key: string): Summary {
    const list = this.deps.entities.listOf(key);
    const indicators = new Uint32Array(32);
    const days = new DayRuns();
    const stamp = this.deps.entities.placeStamp();
    const marks = this.deps.entities.placeMarks;
    let properties = 0;
    let count = 0;
    let otherForce = false;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    const { force, from, ind, place } = list;
    for (let i = 0; i < list.n; i++) {
      if (!vis[force[i]!]) {
        otherForce = true;
        continue;
      }
      count++;
      const f = from[i]!;
      if (f < first) first = f;
      if (f > last) last = f;
      let bits = ind[i]!;
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits);
        indicators[b]!++;
        bits &= ~(1 << b);
      }
      days.add(f);
      const p = place[i]!;
      if (marks[p] !== stamp) {
        marks[p] = stamp;
        properties++;
      }
    }
    const byCount: Summary['indicators'] = [];
    indicators.forEach((n, b) => {
      if (n) byCount.push({ id: b + 1, count: n });
    });
    byCount.sort((x, y) => y.count - x.count || x.id - y.id);
    return { count, otherForce, first, last, indicators: byCount, timeline: days.runs, properties };
  }

  /** How many of the entity's reports (other than `skipRid`) the caller sees, the newest seen, and others'. */
  private scan(vis: Uint8Array, key: string, skipRid = -1): { count: number; otherForce: boolean; lastFrom: number } {
    const list = this.deps.entities.listOf(key);
    let count = 0;
    let otherForce = false;
    let lastFrom = 0;
    for (let i = 0; i < list.n; i++) {
      if (list.rids[i] === skipRid) continue;
      if (vis[list.force[i]!]) {
        count++;
        if (list.from[i]! > lastFrom) lastFrom = list.from[i]!;
      } else otherForce = true;
    }
    return { count, otherForce, lastFrom };
  }

  /** Newer first: observed from, then created, then report number (the lists' order, reversed). */
  private newerFirst = (a: number, b: number): number => {
    const E = this.deps.entities;
    return E.fromOf(b) - E.fromOf(a) || E.createdOf(b) - E.createdOf(a) || b - a;
  };

  /**
   * Other visible reports sharing an entity with report `id`, with why; 404 when the caller may not see it. Linked
   * reports come most reasons first, then most recently observed first, a page at a time: with more than a page,
   * `linkedTotal` says how many and `next` is the cursor of the next page.
   */
  linksFor(auth: AuthContext, id: string, page?: PageInput): ReportEntities {
    const ix = this.ix;
    const E = this.deps.entities;
    const slot = slotOf(ix, id);
    if (slot < 0 || !seesForce(auth.user, ix.forceAt(slot))) throw errors.notFound('Report');
    const admin = auth.user.role === 'police_admin';
    const vis = visibleForces(auth, this.deps.entities.forceIds);
    const self = E.ridOfId(id);
    const mentions = E.mentionsOf(id);
    const keys = [...new Set(mentions.map((m) => m.key))];
    const scans = new Map(keys.map((k) => [k, this.scan(vis, k, self)]));
    const entities: ReportEntities['entities'] = mentions.map((m) => ({
      key: m.key,
      kind: E.kindOf(m.key),
      label: E.labelOf(m.key),
      raw: m.raw,
      partial: m.partial === true,
      reports: scans.get(m.key)!.count,
      otherForce: scans.get(m.key)!.otherForce,
    }));
    if (keys.length === 0) return { entities, linked: [] };

    // The largest list is only walked; every report of the smaller lists is tallied (its number of shared entities).
    const lists: ReportList[] = keys.map((k) => E.listOf(k));
    let big = 0;
    for (let j = 1; j < lists.length; j++) if (lists[j]!.n > lists[big]!.n) big = j;
    const tally = new Map<number, number>();
    let tallyInBig = 0;
    lists.forEach((list, j) => {
      if (j === big) return;
      for (let i = 0; i < list.n; i++) {
        const rid = list.rids[i]!;
        if (rid === self || tally.has(rid) || !vis[list.force[i]!]) continue;
        let c = 0;
        for (const other of lists) if (E.contains(other, rid)) c++;
        tally.set(rid, c);
        if (E.contains(lists[big]!, rid)) tallyInBig++;
      }
    });
    const total = tally.size + scans.get(keys[big]!)!.count - tallyInBig;
    const multi: number[] = [];
    const singles: number[] = [];
    for (const [rid, c] of tally) (c > 1 ? multi : singles).push(rid);
    multi.sort((a, b) => tally.get(b)! - tally.get(a)! || this.newerFirst(a, b));
    singles.sort(this.newerFirst);

    const { limit, offset } = pageOf(page);
    const taken: number[] = [];
    let position = 0;
    const take = (rid: number) => {
      if (position++ >= offset && taken.length < limit) taken.push(rid);
      return taken.length >= limit;
    };
    let full = false;
    for (const rid of multi) {
      full = take(rid);
      if (full) break;
    }
    // The singles: the tallied ones and the largest list's (walked newest first), merged by recency.
    const bigList = lists[big]!;
    let i = bigList.n - 1;
    let k = 0;
    const nextOfBig = (): number => {
      for (; i >= 0; i--) {
        const rid = bigList.rids[i]!;
        if (rid !== self && !tally.has(rid) && vis[bigList.force[i]!]) return rid;
      }
      return -1;
    };
    let fromBig = full ? -1 : nextOfBig();
    while (!full && (fromBig >= 0 || k < singles.length)) {
      if (fromBig >= 0 && (k >= singles.length || this.newerFirst(fromBig, singles[k]!) < 0)) {
        full = take(fromBig);
        i--;
        fromBig = full ? -1 : nextOfBig();
      } else full = take(singles[k++]!);
    }

    const rawOf = new Map<string, string>();
    for (const m of mentions) if (!rawOf.has(m.key)) rawOf.set(m.key, m.raw);
    const linked = taken.flatMap((rid) => {
      const s = E.slotIn(ix, rid);
      if (s < 0) return [];
      const reasons: ReportEntities['linked'][number]['reasons'] = [];
      keys.forEach((key, j) => {
        if (!E.contains(lists[j]!, rid)) return;
        const raw = rawOf.get(key)!;
        reasons.push({ key, label: E.labelOf(key), why: linkReason(E.kindOf(key), raw, E.rawOf(rid, key) || raw) });
      });
      return {
        id: E.idOf(rid),
        reference: ix.referenceAt(s),
        status: ix.statusAt(s),
        createdAt: iso(ix.createdMs[s]!),
        address: ix.addressAt(s),
        ...(admin ? { forceId: ix.forceAt(s) } : {}),
        reasons,
      };
    });
    const paged = offset > 0 || offset + linked.length < total;
    return {
      entities,
      linked,
      ...(paged ? { linkedTotal: total } : {}),
      ...(offset + linked.length < total ? { next: String(offset + linked.length) } : {}),
    };
  }

  /** Key prefixes a search text may start: a number typed so far, a registration, a line name, a listing id. */
  private prefixesFor(q: string): string[] {
    const out: string[] = [];
    const digits = q.replace(/[^\d+]/g, '');
    if (/^[\d+][\d\s()+-]*$/.test(q.trim()) && digits.replace('+', '').length >= 4) {
      let national = digits;
      if (national.startsWith('+44')) national = national.slice(3);
      else if (national.startsWith('0044')) national = national.slice(4);
      if (national.startsWith('0')) national = national.slice(1);
      if (/^\d+$/.test(national)) out.push(`phone:+44${national}`);
      if (/^\d{3,}$/.test(digits)) out.push(`listing:airbnb:${digits}`, `listing:vrbo:${digits}`);
    }
    const v = normaliseVehicle(q);
    if (v && /\d/.test(v.mark) && /[A-Z]/.test(v.mark)) out.push(`vehicle:${v.mark}`);
    const line = normaliseLineName(q);
    if (line) out.push(`line:${line}`);
    return out;
  }

  private hit(vis: Uint8Array, key: string, matchedBy: EntityHit['matchedBy']): EntityHit | null {
    const { count, otherForce, lastFrom } = this.scan(vis, key);
    if (count === 0) return null;
    return {
      key,
      kind: this.deps.entities.kindOf(key),
      label: this.deps.entities.labelOf(key),
      reports: count,
      lastSeen: iso(lastFrom),
      otherForce,
      matchedBy,
    };
  }

  /**
   * Entities the text names (exactly, however written) or starts (a key prefix), that have at least one report the
   * caller may see (a police_admin may narrow to one force with `only`). For the workspace search box (`matchedBy`).
   */
  search(auth: AuthContext, q: string, limit: number, only?: string): EntitySearchResult {
    const vis = visibleForces(auth, this.deps.entities.forceIds, only);
    const items: EntityHit[] = [];
    const seen = new Set<string>();
    const exact = keyFromQuery(q);
    if (exact && this.deps.entities.has(exact)) {
      const h = this.hit(vis, exact, 'exact');
      seen.add(exact);
      if (h) items.push(h);
    }
    for (const prefix of this.prefixesFor(q)) {
      for (const key of this.deps.entities.keysWithPrefix(prefix, limit * 4)) {
        if (items.length >= limit) break;
        if (seen.has(key)) continue;
        seen.add(key);
        const h = this.hit(vis, key, 'prefix');
        if (h) items.push(h);
      }
    }
    return { items: items.slice(0, limit) };
  }

  /**
   * Every visible report of the entity (oldest observation first: the list's own order) as the evidence pack reads
   * them, with their report numbers; 404 when the caller sees none.
   */
  reportsOf(auth: AuthContext, key: string): { ix: ReportIndex; slots: number[]; rids: number[]; otherForce: boolean } {
    const ix = this.ix;
    const E = this.deps.entities;
    const vis = visibleForces(auth, this.deps.entities.forceIds);
    const list = E.listOf(key);
    const slots: number[] = [];
    const rids: number[] = [];
    let otherForce = false;
    for (let i = 0; i < list.n; i++) {
      const rid = list.rids[i]!;
      if (!vis[list.force[i]!]) {
        otherForce = true;
        continue;
      }
      const s = E.slotIn(ix, rid);
      if (s < 0) continue;
      slots.push(s);
      rids.push(rid);
    }
    if (slots.length === 0) throw errors.notFound('Entity');
    return { ix, slots, rids, otherForce };
  }

  /**
   * The evidence pack of one entity as the caller may see it (see `reportsOf` and `packLinks`), ready for packCsv or
   * packHtml; 404 when the caller sees none of its reports.
   */
  packInput(auth: AuthContext, key: string, opts: { forceName: (id: string) => string; generatedBy: string }): PackInput {
    const E = this.deps.entities;
    const { ix, slots, rids, otherForce } = this.reportsOf(auth, key);
    const ridAt = new Map(slots.map((s, i) => [s, rids[i]!]));
    const linked = this.packLinks(auth, key, ix);
    return {
      key,
      kind: E.kindOf(key),
      label: E.labelOf(key),
      ix,
      slots,
      otherForce,
      forceName: opts.forceName,
      linked: (s) => linked(ridAt.get(s)!),
      raw: (s) => E.rawOf(ridAt.get(s)!, key),
      generatedBy: opts.generatedBy,
    };
  }

  /**
   * One entity: the summary over every report the caller sees (first and last seen, indicators, UK-time timeline,
   * properties), and its reports oldest first a page at a time (`total`, and `next` while more follow).
   */
  detail(auth: AuthContext, key: string, page?: PageInput): EntityDetail {
    const ix = this.ix;
    const E = this.deps.entities;
    const vis = visibleForces(auth, this.deps.entities.forceIds);
    const sum = this.summary(vis, key);
    if (sum.count === 0) throw errors.notFound('Entity');
    const { limit, offset } = pageOf(page);
    // The page: a walk to its first report (skipping reports the caller may not see) and along it.
    const list = E.listOf(key);
    const pageSlots: number[] = [];
    const pageRids: number[] = [];
    let seen = 0;
    for (let i = 0; i < list.n && pageSlots.length < limit; i++) {
      const rid = list.rids[i]!;
      if (!vis[list.force[i]!] || seen++ < offset) continue;
      const s = E.slotIn(ix, rid);
      if (s < 0) continue;
      pageSlots.push(s);
      pageRids.push(rid);
    }
    const admin = auth.user.role === 'police_admin';
    const reports: EntityReport[] = pageSlots.map((s, k) => presentEntityReport(ix, s, admin, E.rawOf(pageRids[k]!, key)));
    const total = sum.count;
    return {
      key,
      kind: E.kindOf(key),
      label: E.labelOf(key),
      reports,
      total,
      ...(offset + reports.length < total ? { next: String(offset + reports.length) } : {}),
      firstSeen: iso(sum.first),
      lastSeen: iso(sum.last),
      firstSeenUk: ukIsoWithOffset(sum.first),
      lastSeenUk: ukIsoWithOffset(sum.last),
      indicators: sum.indicators.map((i) => ({ ...i })),
      timeline: sum.timeline.map((d) => ({ ...d })),
      properties: sum.properties,
      otherForce: sum.otherForce,
    };
  }

  /**
   * The evidence pack's "linked reports" for each of its rows: per other entity the row mentions, its label, the
   * references of up to PACK_LINKS other visible reports (newest first) and how many more. Reports linked only by
   * the pack's own entity are left out (they are all in the pack). Each entity is walked once per pack.
   */
  packLinks(auth: AuthContext, key: string, ix: ReportIndex): (rid: number) => string {
    const E = this.deps.entities;
    const vis = visibleForces(auth, this.deps.entities.forceIds);
    const seen = new Map<string, { refs: Array<[number, string]>; count: number }>();
    const summary = (k: string) => {
      let sum = seen.get(k);
      if (sum) return sum;
      sum = { refs: [], count: 0 };
      const list = E.listOf(k);
      for (let i = list.n - 1; i >= 0; i--) {
        const rid = list.rids[i]!;
        if (!vis[list.force[i]!]) continue;
        sum.count++;
        if (sum.refs.length > PACK_LINKS) continue;
        const s = E.slotIn(ix, rid);
        if (s >= 0) sum.refs.push([rid, ix.referenceAt(s)]);
      }
      seen.set(k, sum);
      return sum;
    };
    return (rid) => {
      const parts: string[] = [];
      const done = new Set<string>([key]);
      for (const m of E.mentionsOfRid(rid)) {
        if (done.has(m.key)) continue;
        done.add(m.key);
        const sum = summary(m.key);
        const refs = sum.refs.filter(([r]) => r !== rid).slice(0, PACK_LINKS);
        const others = sum.count - 1;
        if (others <= 0) continue;
        const more = others > refs.length ? ` (+${others - refs.length} more)` : '';
        parts.push(`${E.labelOf(m.key)}: ${refs.map(([, ref]) => ref).join(' ')}${more}`);
      }
      return parts.join('; ');
    };
  }

  /** Reports of the selection (newest `limit`) and the entities they mention, each with its reports in the selection. */
  network(auth: AuthContext, f: FilterInput, limit: number): EntityNetwork {
    const ix = this.ix;
    const E = this.deps.entities;
    const vis = visibleForces(auth, this.deps.entities.forceIds);
    // Only reports that mention something take part: those of the entity index that are in the selection (not every
    // selected report's id looked up, which cost ~1 µs a report: about a second for a force-wide selection at 1M).
    const inSelection = new Uint8Array(ix.n);
    for (const s of ix.select(ix.compile(f))) inSelection[s] = 1;
    const withEntities = E.liveSlots(ix).filter((s) => inSelection[s] === 1);
    // Newest first; equal times in slot order (the selection's own order).
    withEntities.sort((a, b) => ix.createdMs[b]! - ix.createdMs[a]! || a - b);
    const taken = withEntities.slice(0, limit);
    const byKey = new Map<string, string[]>();
    const reports = taken.map((s) => {
      const id = ix.idAt(s);
      for (const m of E.mentionsOf(id)) {
        const ids = byKey.get(m.key);
        if (!ids) byKey.set(m.key, [id]);
        else if (ids[ids.length - 1] !== id) ids.push(id);
      }
      return {
        id,
        reference: ix.referenceAt(s),
        status: ix.statusAt(s),
        priority: ix.priorityAt(s),
        createdAt: iso(ix.createdMs[s]!),
      };
    });
    const entities = [...byKey]
      .map(([key, reportIds]) => ({
        key,
        kind: E.kindOf(key),
        label: E.labelOf(key),
        reportIds,
        otherForce: this.scan(vis, key).otherForce,
      }))
      .sort((a, b) => b.reportIds.length - a.reportIds.length || (a.key < b.key ? -1 : 1));
    return { reports, entities, truncated: withEntities.length > limit };
  }

  /** Entity views and every export are audited (the user's and the day's audit logs). */
  async audit(auth: AuthContext, action: 'entity.read' | 'entity.export', details: Record<string, unknown>): Promise<void> {
    await appendAudit([auditEntry(action, null, auth.user.id, details)]);
  }
}

