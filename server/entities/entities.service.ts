import { keyFromQuery, linkReason, normaliseLineName, normaliseVehicle } from '../../shared/entities';
import type {
  EntityDetail,
  EntityHit,
  EntityNetwork,
  EntityReport,
  EntitySearchResult,
  ReportEntities,
} from '../../shared/schemas/entities';
import { ukDateKey, ukIsoWithOffset } from '../../shared/time';
import type { AuthContext } from '../accounts/session.types';
import { errors } from '../http/errors';
import { seesForce } from '../http/policy';
import type { MapIndex } from '../map/map-index';
import type { FilterInput, ReportIndex } from '../map/report-index';
import { appendAudit, auditEntry } from '../triage/audit-log';
import { presentEntityReport } from './entities.presenter';
import type { EntityIndex } from './entity-index';

const iso = (ms: number) => new Date(ms).toISOString();

/** A report as the entity views see it: its slot in the live map index (alive), or -1. */
function slotOf(ix: ReportIndex, id: string): number {
  const slot = ix.slotOf(id);
  return slot >= 0 && ix.alive[slot] ? slot : -1;
}

/**
 * Linked intelligence for police: a report's entity links, entity search, an entity's reports, the network of a
 * selection, and the evidence pack's rows. Everything is read from memory (the entity index and the map index):
 * no request touches the reports collection. Boundaries (policy `entity.read` / `entity.export`): an officer sees
 * reports of their own force only; of other forces only that the entity is "also reported in another force area";
 * a police_admin sees every force.
 */
export class EntityService {
  constructor(private readonly deps: { mapIndex: MapIndex; entities: EntityIndex }) {}

  private get ix(): ReportIndex {
    return this.deps.mapIndex.index;
  }

  /** The entity's live reports split into the caller's visible slots and whether any other force has one. */
  visibleSlots(
    auth: AuthContext,
    key: string,
    ix = this.ix,
    only?: string,
  ): { slots: number[]; ids: string[]; otherForce: boolean } {
    const slots: number[] = [];
    const ids: string[] = [];
    let otherForce = false;
    for (const id of this.deps.entities.reportsOf(key)) {
      const slot = slotOf(ix, id);
      if (slot < 0) continue;
      const force = ix.forceAt(slot);
      if (seesForce(auth.user, force) && (!only || auth.user.role !== 'police_admin' || force === only)) {
        slots.push(slot);
        ids.push(id);
      } else otherForce = true;
    }
    return { slots, ids, otherForce };
  }

  /** Other visible reports sharing an entity with report `id`, with why; 404 when the caller may not see it. */
  linksFor(auth: AuthContext, id: string): ReportEntities {
    const ix = this.ix;
    const slot = slotOf(ix, id);
    if (slot < 0 || !seesForce(auth.user, ix.forceAt(slot))) throw errors.notFound('Report');
    const admin = auth.user.role === 'police_admin';
    const entities: ReportEntities['entities'] = [];
    const linked = new Map<string, ReportEntities['linked'][number]>();
    for (const m of this.deps.entities.mentionsOf(id)) {
      const label = this.deps.entities.labelOf(m.key);
      const kind = this.deps.entities.kindOf(m.key);
      const { slots, ids, otherForce } = this.visibleSlots(auth, m.key, ix);
      let others = 0;
      ids.forEach((otherId, k) => {
        if (otherId === id) return;
        others++;
        const s = slots[k]!;
        const theirs = this.deps.entities.mentionsOf(otherId).find((x) => x.key === m.key);
        let entry = linked.get(otherId);
        if (!entry) {
          entry = {
            id: otherId,
            reference: ix.referenceAt(s),
            status: ix.statusAt(s),
            createdAt: iso(ix.createdMs[s]!),
            address: ix.addressAt(s),
            ...(admin ? { forceId: ix.forceAt(s) } : {}),
            reasons: [],
          };
          linked.set(otherId, entry);
        }
        entry.reasons.push({ key: m.key, label, why: linkReason(kind, m.raw, theirs?.raw ?? m.raw) });
      });
      entities.push({ key: m.key, kind, label, raw: m.raw, partial: m.partial === true, reports: others, otherForce });
    }
    const list = [...linked.values()].sort((a, b) => b.reasons.length - a.reasons.length || (a.createdAt < b.createdAt ? 1 : -1));
    return { entities, linked: list };
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

  private hit(auth: AuthContext, key: string, matchedBy: EntityHit['matchedBy'], only?: string): EntityHit | null {
    const ix = this.ix;
    const { slots, otherForce } = this.visibleSlots(auth, key, ix, only);
    if (slots.length === 0) return null;
    let last = 0;
    for (const s of slots) last = Math.max(last, ix.fromMs[s]!);
    return {
      key,
      kind: this.deps.entities.kindOf(key),
      label: this.deps.entities.labelOf(key),
      reports: slots.length,
      lastSeen: iso(last),
      otherForce,
      matchedBy,
    };
  }

  /**
   * Entities the text names (exactly, however written) or starts (a key prefix), that have at least one report the
   * caller may see (a police_admin may narrow to one force with `only`). For the workspace search box (`matchedBy`).
   */
  search(auth: AuthContext, q: string, limit: number, only?: string): EntitySearchResult {
    const items: EntityHit[] = [];
    const seen = new Set<string>();
    const exact = keyFromQuery(q);
    if (exact && this.deps.entities.has(exact)) {
      const h = this.hit(auth, exact, 'exact', only);
      seen.add(exact);
      if (h) items.push(h);
    }
    for (const prefix of this.prefixesFor(q)) {
      for (const key of this.deps.entities.keysWithPrefix(prefix, limit * 4)) {
        if (items.length >= limit) break;
        if (seen.has(key)) continue;
        seen.add(key);
        const h = this.hit(auth, key, 'prefix', only);
        if (h) items.push(h);
      }
    }
    return { items: items.slice(0, limit) };
  }

  /** The entity's visible reports (oldest first) as the entity page and the evidence pack read them. */
  reportsOf(auth: AuthContext, key: string): { ix: ReportIndex; slots: number[]; otherForce: boolean } {
    const ix = this.ix;
    const { slots, otherForce } = this.visibleSlots(auth, key, ix);
    if (slots.length === 0) throw errors.notFound('Entity');
    slots.sort((a, b) => ix.fromMs[a]! - ix.fromMs[b]! || ix.createdMs[a]! - ix.createdMs[b]!);
    return { ix, slots, otherForce };
  }

  detail(auth: AuthContext, key: string): EntityDetail {
    const { ix, slots, otherForce } = this.reportsOf(auth, key);
    const admin = auth.user.role === 'police_admin';
    const indicators = new Map<number, number>();
    const days = new Map<string, number>();
    const places = new Set<string>();
    const reports: EntityReport[] = slots.map((s) => {
      const id = ix.idAt(s);
      const from = ix.fromMs[s]!;
      for (const i of ix.indicatorsAt(s)) indicators.set(i, (indicators.get(i) ?? 0) + 1);
      const day = ukDateKey(from);
      days.set(day, (days.get(day) ?? 0) + 1);
      places.add(placeKey(ix, s));
      return presentEntityReport(ix, s, admin, this.deps.entities.mentionsOf(id).find((m) => m.key === key)?.raw ?? '');
    });
    const first = ix.fromMs[slots[0]!]!;
    const last = Math.max(...slots.map((s) => ix.fromMs[s]!));
    return {
      key,
      kind: this.deps.entities.kindOf(key),
      label: this.deps.entities.labelOf(key),
      reports,
      firstSeen: iso(first),
      lastSeen: iso(last),
      firstSeenUk: ukIsoWithOffset(first),
      lastSeenUk: ukIsoWithOffset(last),
      indicators: [...indicators].map(([id, count]) => ({ id, count })).sort((a, b) => b.count - a.count || a.id - b.id),
      timeline: [...days].map(([day, count]) => ({ day, count })).sort((a, b) => (a.day < b.day ? -1 : 1)),
      properties: places.size,
      otherForce,
    };
  }

  /**
   * References of the other visible reports sharing any entity with report `id` (the pack's "linked reports").
   */
  linkedReferences(auth: AuthContext, id: string, ix: ReportIndex): string[] {
    const out = new Set<string>();
    for (const m of this.deps.entities.mentionsOf(id)) {
      for (const other of this.deps.entities.reportsOf(m.key)) {
        if (other === id) continue;
        const s = slotOf(ix, other);
        if (s >= 0 && seesForce(auth.user, ix.forceAt(s))) out.add(ix.referenceAt(s));
      }
    }
    return [...out];
  }

  /** Reports of the selection (newest `limit`) and the entities they mention, each with its reports in the selection. */
  network(auth: AuthContext, f: FilterInput, limit: number): EntityNetwork {
    const ix = this.ix;
    const selected = Array.from(ix.select(ix.compile(f)));
    // Only reports that mention something take part.
    const withEntities = selected.filter((s) => this.deps.entities.mentionsOf(ix.idAt(s)).length > 0);
    withEntities.sort((a, b) => ix.createdMs[b]! - ix.createdMs[a]!);
    const taken = withEntities.slice(0, limit);
    const byKey = new Map<string, string[]>();
    const reports = taken.map((s) => {
      const id = ix.idAt(s);
      for (const m of this.deps.entities.mentionsOf(id)) byKey.set(m.key, [...(byKey.get(m.key) ?? []), id]);
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
        kind: this.deps.entities.kindOf(key),
        label: this.deps.entities.labelOf(key),
        reportIds,
        otherForce: this.visibleSlots(auth, key, ix).otherForce,
      }))
      .sort((a, b) => b.reportIds.length - a.reportIds.length || (a.key < b.key ? -1 : 1));
    return { reports, entities, truncated: withEntities.length > limit };
  }

  /** Entity views and every export are audited (the user's and the day's audit logs). */
  async audit(auth: AuthContext, action: 'entity.read' | 'entity.export', details: Record<string, unknown>): Promise<void> {
    await appendAudit([auditEntry(action, null, auth.user.id, details)]);
  }
}

/** One property: the address when given, else the position to ~10 m. */
export function placeKey(ix: ReportIndex, s: number): string {
  const address = ix.addressAt(s);
  return address ? address.trim().toLowerCase() : `${ix.lat[s]!.toFixed(4)},${ix.lng[s]!.toFixed(4)}`;
}
