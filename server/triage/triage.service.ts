import { Types } from 'mongoose';
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
import { updateVersioned } from '../db/versioned';
import type { EventBus, StoredReport } from '../events';
import { distanceM } from '../geo/geohash';
import { errors } from '../http/errors';
import { type Action, canOnObject } from '../http/policy';
import type { MapIndex } from '../map/map-index';
import type { FilterInput, ReportIndex } from '../map/report-index';
import { PropertyModel } from '../properties/property.model';
import { verificationOf } from '../properties/verification';
import { type LeanReport, loadByIds, loadReport, reportsCollection } from '../reports/report-reads';
import { appendAudit, auditEntry, InvalidAuditCursor, listAudit, reportAudit } from './audit-log';
import type { ReporterUpdates } from './reporter-updates';
import { presentAuditEntry, presentDetail, summaryFromIndex } from './triage.presenter';
import { userNames } from './user-names';

const CHANGED_MEANWHILE = 'The report changed meanwhile; reload and try again';
/** Newest audit entries shown with a report. */
const DETAIL_AUDIT = 200;

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
  throw errors.invalid('Invalid cursor', 'query.cursor');
}

type AuditNote = { action: string; details: Record<string, unknown> | null };

/**
 * What a patch changes on the report as it is now: the complete `$set` (arrays written whole), the names of the
 * changed fields and the audit entries. Throws 409 for a status change the current status does not allow.
 */
function planPatch(cur: LeanReport, body: ReportPatch, now: Date, by: Types.ObjectId) {
  const set: Record<string, unknown> = {};
  const changes: string[] = [];
  const audits: AuditNote[] = [];
  if (body.status !== undefined) {
    const allowed = STATUS_TRANSITIONS[cur.status] as readonly ReportStatus[];
    if (!allowed.includes(body.status)) throw errors.conflict(`Cannot change status from ${cur.status} to ${body.status}`);
    set.status = body.status;
    const change = { status: body.status, at: now, by, ...(body.statusNote ? { note: body.statusNote } : {}) };
    set.statusHistory = [...(cur.statusHistory ?? []), change];
    changes.push('status');
    audits.push({ action: 'report.status', details: { from: cur.status, to: body.status } });
  }
  if (body.priority !== undefined && body.priority !== cur.priority) {
    set.priority = body.priority;
    changes.push('priority');
    audits.push({ action: 'report.priority', details: { from: cur.priority, to: body.priority, reason: body.priorityReason } });
  }
  if (body.assignTo !== undefined) {
    set.assignedTo = body.assignTo ? new Types.ObjectId(body.assignTo) : null;
    changes.push('assignedTo');
    audits.push({ action: 'report.assign', details: { to: body.assignTo } });
  }
  if (body.note !== undefined) {
    set.notes = [...(cur.notes ?? []), { text: body.note, at: now, by }];
    changes.push('notes');
    audits.push({ action: 'report.note', details: null });
  }
  if (body.question !== undefined) {
    set.questions = [...(cur.questions ?? []), { text: body.question, at: now, by }];
    changes.push('questions');
    audits.push({ action: 'report.question', details: null });
  }
  if (body.link !== undefined || body.unlink !== undefined) {
    let links = (cur.linkedReportIds ?? []).map(String);
    if (body.link !== undefined) {
      if (!links.includes(body.link)) links = [...links, body.link];
      audits.push({ action: 'report.link', details: { other: body.link } });
    }
    if (body.unlink !== undefined) {
      links = links.filter((l) => l !== body.unlink);
      audits.push({ action: 'report.unlink', details: { other: body.unlink } });
    }
    set.linkedReportIds = links.map((l) => new Types.ObjectId(l));
    changes.push('linkedReportIds');
  }
  if (body.ownerAlert !== undefined && body.ownerAlert !== (cur.ownerAlert ?? 'withheld')) {
    set.ownerAlert = body.ownerAlert;
    set.releasedAt = body.ownerAlert === 'released' ? now : null;
    changes.push('ownerAlert');
    audits.push({ action: body.ownerAlert === 'released' ? 'report.release' : 'report.withhold', details: null });
  }
  if (changes.length) set.updatedAt = now;
  return { set, changes, audits };
}

/** Police triage: queue, detail, changes, audit. Filtering uses the in-memory index; documents come from the database by `_id`. */
export class TriageService {
  constructor(private readonly deps: { mapIndex: MapIndex; events: EventBus; reporterUpdates: ReporterUpdates }) {}

  /** The in-memory report index as it is now (search, queue). */
  get index(): ReportIndex {
    return this.deps.mapIndex.index;
  }

  /** Records a police read, change or export in the audit trail (report, user and day logs). */
  async audit(auth: AuthContext, action: string, reportId: string | null, details: Record<string, unknown> | null = null) {
    await appendAudit([auditEntry(action, reportId, auth.user.id, details)]);
  }

  /** Slots matching the filters, in queue order (safeguarding first, newest created first). */
  selectInQueueOrder(f: FilterInput, limit: number, cursor: QueueCursor | null): { slots: number[]; total: number } {
    const ix = this.deps.mapIndex.index;
    const matched = ix.select(ix.compile(f));
    return { slots: ix.topInQueueOrder(matched, limit, cursor), total: matched.length };
  }

  /**
   * Every matching slot in queue order (for exports), with the index they belong to: the map index may be
   * replaced (rebuild, compaction) while the export is written, and slots only mean something in their own index.
   */
  allInQueueOrder(f: FilterInput): { ix: ReportIndex; slots: number[] } {
    const ix = this.deps.mapIndex.index;
    const matched = Array.from(ix.select(ix.compile(f)));
    const slots = matched.sort((a, b) => {
      const p = ix.prio[b]! - ix.prio[a]!;
      if (p !== 0) return p;
      const c = ix.createdMs[b]! - ix.createdMs[a]!;
      if (c !== 0) return c;
      const ia = ix.idAt(a);
      const ib = ix.idAt(b);
      return ia < ib ? 1 : ia > ib ? -1 : 0;
    });
    return { ix, slots };
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

  /** The report, when the policy lets the caller do `action` to it; 404 otherwise, as if it did not exist. */
  private async loadVisible(auth: AuthContext, id: string, action: Action): Promise<LeanReport> {
    const doc = await loadReport(id);
    if (!doc || !canOnObject(auth.user, action, doc)) throw errors.notFound('Report');
    return doc;
  }

  async detail(auth: AuthContext, id: string, opts: { audit?: boolean } = {}): Promise<ReportDetail> {
    const doc = await this.deps.reporterUpdates.markOpened(await this.loadVisible(auth, id, 'report.read'), auth.user.id);
    return this.present(doc, opts.audit !== false ? this.audit(auth, 'report.read', id) : undefined);
  }

  /** The detail view; `audited` is an audit entry being written for this report, shown once it is stored. */
  private async present(doc: LeanReport, audited?: Promise<void>): Promise<ReportDetail> {
    const [linked, audit, suggested] = await Promise.all([
      loadByIds((doc.linkedReportIds ?? []).map(String)),
      (audited ?? Promise.resolve()).then(() => reportAudit(doc._id.toString(), DETAIL_AUDIT)),
      this.suggestedProperty(doc),
    ]);
    const names = await userNames([
      doc.assignedTo,
      ...(doc.statusHistory ?? []).map((h) => h.by),
      ...(doc.notes ?? []).map((n) => n.by),
      ...(doc.questions ?? []).map((n) => n.by),
      ...audit.map((a) => a.userId),
    ]);
    return presentDetail(doc, names, {
      linked: [...linked.values()].filter((l) => l.forceId === doc.forceId),
      suggested,
      audit,
      allowed: [...STATUS_TRANSITIONS[doc.status]],
    });
  }

  private async suggestedProperty(doc: LeanReport): Promise<ReportDetail['suggestedProperty']> {
    if (!doc.propertyId) return null;
    const p = await PropertyModel.findById(doc.propertyId).lean();
    if (!p) return null;
    return {
      id: p._id.toString(),
      address: p.address,
      distanceM: Math.round(distanceM(doc.lat, doc.lng, p.lat, p.lng)),
      verification: verificationOf(p).status,
    };
  }

  /**
   * Applies a change with a versioned read-modify-write of the report: the rules (status transitions, links) are
   * checked against the report as it is when the change lands, so of two officers changing one report at once
   * neither change is lost; the second is re-checked against the first (409 when it no longer applies).
   */
  async patch(auth: AuthContext, id: string, body: ReportPatch): Promise<ReportDetail> {
    if (body.statusNote !== undefined && body.status === undefined)
      throw errors.invalid('statusNote needs status', 'body.statusNote');
    if (body.link === id) throw errors.invalid('A report cannot be linked to itself', 'body.link');
    if ((body.priority === undefined) !== (body.priorityReason === undefined))
      throw errors.invalid('A priority change needs a reason (and a reason needs a priority)', 'body.priorityReason');
    const doc = await this.loadVisible(auth, id, 'report.change');
    // The force of a report never changes, so what depends only on it is checked once, before the write.
    if (body.assignTo) {
      const u = await UserModel.findById(body.assignTo).lean();
      // An assignee must be someone the policy lets change this report.
      const assignee = u && !u.disabled ? { id: String(u._id), role: u.role, forceId: u.forceId ?? null } : null;
      const ok = assignee && canOnObject(assignee, 'report.change', doc);
      if (!ok) throw errors.invalid('Assign to an officer of this force', 'body.assignTo');
    }
    if (body.link !== undefined) {
      const other = await loadReport(body.link);
      if (!other || other.forceId !== doc.forceId) throw errors.notFound('Linked report');
    }
    let unlinkOther = false;
    if (body.unlink !== undefined) {
      const other = await loadReport(body.unlink);
      unlinkOther = !!other && other.forceId === doc.forceId;
    }

    const now = new Date();
    const by = new Types.ObjectId(auth.user.id);
    let plan: ReturnType<typeof planPatch> = { set: {}, changes: [], audits: [] };
    const updated = await updateVersioned<LeanReport>(
      reportsCollection(),
      doc._id,
      (cur) => {
        if (!cur || !canOnObject(auth.user, 'report.change', cur)) throw errors.notFound('Report');
        plan = planPatch(cur, body, now, by);
        return plan.changes.length ? plan.set : null;
      },
      { conflictMessage: CHANGED_MEANWHILE },
    );
    if (!updated) throw errors.notFound('Report');
    if (plan.changes.length === 0) return this.present(updated);

    await appendAudit(plan.audits.map((a) => auditEntry(a.action, id, auth.user.id, a.details, now)));
    // Listeners get the report as stored: the document read for the write with the change applied.
    await this.deps.events.emit('report.updated', {
      report: updated as StoredReport,
      changes: plan.changes,
      byUserId: auth.user.id,
    });
    // The other side of a link, with its own versioned write (it may be changing at the same moment).
    for (const [otherId, add] of [
      [body.link, true],
      [unlinkOther ? body.unlink : undefined, false],
    ] as const) {
      if (otherId === undefined) continue;
      const other = await this.setLink(otherId, id, add, now);
      if (other)
        await this.deps.events.emit('report.updated', {
          report: other as StoredReport,
          changes: ['linkedReportIds'],
          byUserId: auth.user.id,
        });
    }
    return this.present(updated);
  }

  /** Adds (or removes) `id` in the links of report `otherId`; the report as written, or null when nothing changed. */
  private async setLink(otherId: string, id: string, add: boolean, now: Date): Promise<LeanReport | null> {
    let changed = false;
    const other = await updateVersioned<LeanReport>(
      reportsCollection(),
      new Types.ObjectId(otherId),
      (cur) => {
        changed = false;
        if (!cur) return null;
        const links = (cur.linkedReportIds ?? []).map(String);
        if (links.includes(id) === add) return null;
        changed = true;
        const next = add ? [...links, id] : links.filter((l) => l !== id);
        return { linkedReportIds: next.map((l) => new Types.ObjectId(l)), updatedAt: now };
      },
      { attempts: 16, conflictMessage: CHANGED_MEANWHILE },
    );
    return changed ? other : null;
  }

  async auditList(q: AuditQuery): Promise<AuditList> {
    let page: Awaited<ReturnType<typeof listAudit>>;
    try {
      page = await listAudit(q);
    } catch (err) {
      if (err instanceof InvalidAuditCursor) throw errors.invalid('Invalid cursor', 'query.cursor');
      throw err;
    }
    const names = await userNames(page.items.map((e) => e.userId));
    return {
      items: page.items.map((e) => presentAuditEntry(e, names)),
      nextCursor: page.nextCursor,
    };
  }
}
