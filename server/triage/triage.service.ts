import { Types, trusted } from 'mongoose';
import {
  type AuditList,
  type AuditQuery,
  type ReportDetail,
  type ReportList,
  type ReportListQuery,
  type ReportPatch,
  STATUS_TRANSITIONS,
} from '../../shared/schemas/police';
import type { ReportStatus } from '../../shared/taxonomy';
import type { AuthContext } from '../accounts/session.types';
import { UserModel } from '../accounts/user.model';
import type { EventBus, StoredReport } from '../events';
import { distanceM } from '../geo/geohash';
import { HttpError, notFound } from '../http/errors';
import type { MapIndex } from '../map/map-index';
import type { FilterInput } from '../map/report-index';
import { canSeeForce } from '../map/scope';
import { PropertyModel } from '../properties/property.model';
import { type Report, ReportModel } from '../reports/report.model';
import { AuditModel } from './audit.model';
import { presentDetail, summaryFromIndex, type UserNames } from './triage.presenter';

type LeanReport = Report & { _id: Types.ObjectId };

const conflict = (message: string) => new HttpError(409, 'conflict', message);
const invalid = (path: string, message: string) => new HttpError(400, 'validation_failed', message, [{ path, message }]);

interface QueueCursor {
  prio: number;
  created: number;
  id: string;
}
function encodeCursor(c: QueueCursor): string {
  return Buffer.from(JSON.stringify([c.prio, c.created, c.id])).toString('base64url');
}
function decodeCursor(s: string | undefined): QueueCursor | null {
  if (!s) return null;
  try {
    const [prio, created, id] = JSON.parse(Buffer.from(s, 'base64url').toString()) as [number, number, string];
    if (typeof prio === 'number' && typeof created === 'number' && typeof id === 'string' && /^[a-f0-9]{24}$/.test(id))
      return { prio, created, id };
  } catch {
    /* fall through */
  }
  throw invalid('query.cursor', 'Invalid cursor');
}

/** Loads documents one `_id` at a time (the only indexed lookup on every engine), a few in parallel. */
export async function loadByIds(ids: string[], concurrency = 16): Promise<Map<string, LeanReport>> {
  const out = new Map<string, LeanReport>();
  for (let k = 0; k < ids.length; k += concurrency) {
    const docs = await Promise.all(ids.slice(k, k + concurrency).map((id) => ReportModel.findById(id).lean<LeanReport>()));
    for (const d of docs) if (d) out.set(d._id.toString(), d);
  }
  return out;
}

async function userNames(ids: Array<Types.ObjectId | string | null | undefined>): Promise<UserNames> {
  const unique = [...new Set(ids.filter((x): x is Types.ObjectId | string => !!x).map(String))];
  const names: UserNames = new Map();
  if (!unique.length) return names;
  const users = await UserModel.find({ _id: trusted({ $in: unique.map((id) => new Types.ObjectId(id)) }) }, { name: 1 }).lean();
  for (const u of users) names.set(u._id.toString(), u.name);
  return names;
}

/** Police triage: queue, detail, changes, audit. Filtering uses the in-memory index; documents come from the database. */
export class TriageService {
  constructor(private readonly deps: { mapIndex: MapIndex; events: EventBus }) {}

  async audit(auth: AuthContext, action: string, reportId: string | null, details: Record<string, unknown> | null = null) {
    await AuditModel.create({
      action,
      reportId: reportId ? new Types.ObjectId(reportId) : null,
      userId: new Types.ObjectId(auth.user.id),
      at: new Date(),
      details,
    });
  }

  /** Slots matching the filters, in queue order (safeguarding first, newest created first). */
  selectInQueueOrder(f: FilterInput, limit: number, cursor: QueueCursor | null): { slots: number[]; total: number } {
    const ix = this.deps.mapIndex.index;
    const matched = ix.select(ix.compile(f));
    return { slots: ix.topInQueueOrder(matched, limit, cursor), total: matched.length };
  }

  /** Every matching slot in queue order (for exports). */
  allInQueueOrder(f: FilterInput): number[] {
    const ix = this.deps.mapIndex.index;
    const matched = Array.from(ix.select(ix.compile(f)));
    return matched.sort((a, b) => {
      const p = ix.prio[b]! - ix.prio[a]!;
      if (p !== 0) return p;
      const c = ix.createdMs[b]! - ix.createdMs[a]!;
      if (c !== 0) return c;
      const ia = ix.idAt(a);
      const ib = ix.idAt(b);
      return ia < ib ? 1 : ia > ib ? -1 : 0;
    });
  }

  get index() {
    return this.deps.mapIndex.index;
  }

  async list(f: FilterInput, q: Pick<ReportListQuery, 'cursor' | 'limit'>): Promise<ReportList> {
    const ix = this.deps.mapIndex.index;
    const { slots, total } = this.selectInQueueOrder(f, q.limit + 1, decodeCursor(q.cursor));
    const page = slots.slice(0, q.limit);
    // Summaries come from the index (kept in step by events and reconciliation): no database round trip.
    const names = await userNames(page.map((s) => ix.assigneeAt(s)));
    const items = page.map((s) => summaryFromIndex(ix, s, names));
    const last = page.at(-1);
    const nextCursor =
      slots.length > q.limit && last !== undefined
        ? encodeCursor({ prio: ix.prio[last]!, created: ix.createdMs[last]!, id: ix.idAt(last) })
        : null;
    return { items, nextCursor, total };
  }

  private async loadVisible(auth: AuthContext, id: string): Promise<LeanReport> {
    const doc = await ReportModel.findById(id).lean<LeanReport>();
    if (!doc || !canSeeForce(auth, doc.forceId)) throw notFound('Report');
    return doc;
  }

  async detail(auth: AuthContext, id: string, opts: { audit?: boolean } = {}): Promise<ReportDetail> {
    const doc = await this.loadVisible(auth, id);
    if (opts.audit !== false) await this.audit(auth, 'report.read', id);
    return this.present(doc);
  }

  private async present(doc: LeanReport): Promise<ReportDetail> {
    const linked = await loadByIds(doc.linkedReportIds.map(String));
    const audit = await AuditModel.find({ reportId: doc._id }).sort({ at: -1 }).limit(200).lean();
    const names = await userNames([
      doc.assignedTo,
      ...doc.statusHistory.map((h) => h.by),
      ...doc.notes.map((n) => n.by),
      ...doc.questions.map((n) => n.by),
      ...audit.map((a) => a.userId),
    ]);
    let suggested: ReportDetail['suggestedProperty'] = null;
    if (doc.propertyId) {
      const p = await PropertyModel.findById(doc.propertyId).lean();
      if (p)
        suggested = {
          id: p._id.toString(),
          address: p.address,
          distanceM: Math.round(distanceM(doc.lat, doc.lng, p.lat, p.lng)),
        };
    }
    return presentDetail(doc, names, {
      linked: [...linked.values()].filter((l) => l.forceId === doc.forceId),
      suggested,
      audit,
      allowed: [...STATUS_TRANSITIONS[doc.status]],
    });
  }

  async patch(auth: AuthContext, id: string, body: ReportPatch): Promise<ReportDetail> {
    for (let attempt = 0; ; attempt++) {
      const doc = await this.loadVisible(auth, id);
      try {
        return await this.applyPatch(auth, doc, body);
      } catch (err) {
        // Someone else changed the report between our read and write: re-read and re-check once more.
        if (err instanceof StaleWrite && attempt < 2) continue;
        if (err instanceof StaleWrite) throw conflict('The report changed meanwhile; reload and try again');
        throw err;
      }
    }
  }

  private async applyPatch(auth: AuthContext, doc: LeanReport, body: ReportPatch): Promise<ReportDetail> {
    const now = new Date();
    const by = new Types.ObjectId(auth.user.id);
    const set: Record<string, unknown> = {};
    const push: Record<string, unknown> = {};
    const changes: string[] = [];
    const audits: Array<{ action: string; details: Record<string, unknown> | null }> = [];
    const id = doc._id.toString();

    if (body.statusNote !== undefined && body.status === undefined) throw invalid('body.statusNote', 'statusNote needs status');
    if (body.status !== undefined) {
      const allowed = STATUS_TRANSITIONS[doc.status] as readonly ReportStatus[];
      if (!allowed.includes(body.status)) throw conflict(`Cannot change status from ${doc.status} to ${body.status}`);
      set.status = body.status;
      push.statusHistory = { status: body.status, at: now, by, ...(body.statusNote ? { note: body.statusNote } : {}) };
      changes.push('status');
      audits.push({ action: 'report.status', details: { from: doc.status, to: body.status } });
    }
    if (body.assignTo !== undefined) {
      if (body.assignTo !== null) {
        const u = await UserModel.findById(body.assignTo).lean();
        const ok = u && !u.disabled && (u.role === 'police_admin' || (u.role === 'police' && u.forceId === doc.forceId));
        if (!ok) throw invalid('body.assignTo', 'Assign to an officer of this force');
      }
      set.assignedTo = body.assignTo ? new Types.ObjectId(body.assignTo) : null;
      changes.push('assignedTo');
      audits.push({ action: 'report.assign', details: { to: body.assignTo } });
    }
    if (body.note !== undefined) {
      push.notes = { text: body.note, at: now, by };
      changes.push('notes');
      audits.push({ action: 'report.note', details: null });
    }
    if (body.question !== undefined) {
      push.questions = { text: body.question, at: now, by };
      changes.push('questions');
      audits.push({ action: 'report.question', details: null });
    }
    let links = doc.linkedReportIds.map(String);
    const otherUpdates: Array<{ other: LeanReport; links: string[] }> = [];
    if (body.link !== undefined) {
      if (body.link === id) throw invalid('body.link', 'A report cannot be linked to itself');
      const other = await ReportModel.findById(body.link).lean<LeanReport>();
      if (!other || other.forceId !== doc.forceId) throw notFound('Linked report');
      if (!links.includes(body.link)) links = [...links, body.link];
      const theirs = other.linkedReportIds.map(String);
      otherUpdates.push({ other, links: theirs.includes(id) ? theirs : [...theirs, id] });
      changes.push('linkedReportIds');
      audits.push({ action: 'report.link', details: { other: body.link } });
    }
    if (body.unlink !== undefined) {
      links = links.filter((l) => l !== body.unlink);
      const other = await ReportModel.findById(body.unlink).lean<LeanReport>();
      if (other && other.forceId === doc.forceId)
        otherUpdates.push({ other, links: other.linkedReportIds.map(String).filter((l) => l !== id) });
      if (!changes.includes('linkedReportIds')) changes.push('linkedReportIds');
      audits.push({ action: 'report.unlink', details: { other: body.unlink } });
    }
    if (changes.includes('linkedReportIds')) set.linkedReportIds = links.map((l) => new Types.ObjectId(l));
    if (body.ownerAlert !== undefined && body.ownerAlert !== doc.ownerAlert) {
      set.ownerAlert = body.ownerAlert;
      set.releasedAt = body.ownerAlert === 'released' ? now : null;
      changes.push('ownerAlert');
      audits.push({ action: body.ownerAlert === 'released' ? 'report.release' : 'report.withhold', details: null });
    }
    if (changes.length === 0) return this.present(doc);

    set.updatedAt = now;
    const update: Record<string, unknown> = { $set: set };
    if (Object.keys(push).length) update.$push = push;
    // Optimistic concurrency: only write if nobody changed the report since we read it.
    const res = await ReportModel.collection.updateOne({ _id: doc._id, updatedAt: doc.updatedAt }, update);
    if (res.matchedCount === 0) throw new StaleWrite();
    for (const u of otherUpdates) {
      await ReportModel.collection.updateOne(
        { _id: u.other._id },
        { $set: { linkedReportIds: u.links.map((l) => new Types.ObjectId(l)), updatedAt: now } },
      );
    }
    for (const a of audits) await this.audit(auth, a.action, id, a.details);
    const updated = await ReportModel.findById(doc._id).lean<LeanReport>();
    if (!updated) throw notFound('Report');
    await this.deps.events.emit('report.updated', { report: updated as StoredReport, changes, byUserId: auth.user.id });
    for (const u of otherUpdates) {
      const other = await ReportModel.findById(u.other._id).lean<LeanReport>();
      if (other)
        await this.deps.events.emit('report.updated', {
          report: other as StoredReport,
          changes: ['linkedReportIds'],
          byUserId: auth.user.id,
        });
    }
    return this.present(updated);
  }

  async auditList(q: AuditQuery): Promise<AuditList> {
    const filter: Record<string, unknown> = {};
    if (q.reportId) filter.reportId = new Types.ObjectId(q.reportId);
    if (q.userId) filter.userId = new Types.ObjectId(q.userId);
    if (q.cursor) {
      if (!/^[a-f0-9]{24}$/.test(q.cursor)) throw invalid('query.cursor', 'Invalid cursor');
      filter._id = trusted({ $lt: new Types.ObjectId(q.cursor) });
    }
    const rows = await AuditModel.find(filter)
      .sort({ _id: -1 })
      .limit(q.limit + 1)
      .lean();
    const page = rows.slice(0, q.limit);
    const names = await userNames(page.map((r) => r.userId));
    return {
      items: page.map((r) => ({
        id: r._id.toString(),
        action: r.action,
        reportId: r.reportId ? r.reportId.toString() : null,
        userId: r.userId.toString(),
        userName: names.get(r.userId.toString()) ?? null,
        at: r.at.toISOString(),
      })),
      nextCursor: rows.length > q.limit ? page.at(-1)!._id.toString() : null,
    };
  }
}

class StaleWrite extends Error {}
