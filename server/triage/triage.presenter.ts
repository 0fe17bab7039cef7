import type { Types } from 'mongoose';
import type { AuditList, ReportDetail, ReportSummary, UserRef } from '../../shared/schemas/police';
import type { ReportStatus } from '../../shared/taxonomy';
import type { ReportIndex } from '../map/report-index';
import type { Report } from '../reports/report.model';
import type { AuditEntry } from './audit-log';
import type { UserNames } from './user-names';

type Lean<T> = T & { _id: Types.ObjectId };

const iso = (d: Date | string) => new Date(d).toISOString();

function userRef(id: Types.ObjectId | string | null | undefined, names: UserNames): UserRef | null {
  if (!id) return null;
  const key = id.toString();
  return { id: key, name: names.get(key) ?? 'Unknown user' };
}

/** What the triage queue shows for one report (police only). */
export function presentSummary(r: Lean<Report>, names: UserNames): ReportSummary {
  return {
    id: r._id.toString(),
    reference: r.reference,
    createdAt: iso(r.createdAt),
    observedFrom: iso(r.observedFrom),
    observedTo: iso(r.observedTo),
    lat: r.lat,
    lng: r.lng,
    address: r.address ?? null,
    propertyType: r.propertyType,
    indicators: [...r.indicators],
    priority: r.priority,
    status: r.status,
    forceId: r.forceId,
    assignedTo: userRef(r.assignedTo, names),
    ownerAlert: r.ownerAlert ?? 'withheld',
    unread: r.unread === true,
  };
}

/** Full report for police: contact, history, notes, links, audit; never the passphrase hash. */
export function presentDetail(
  r: Lean<Report>,
  names: UserNames,
  extra: {
    linked: Array<Lean<Report>>;
    suggested: ReportDetail['suggestedProperty'];
    audit: AuditEntry[];
    allowed: ReportStatus[];
  },
): ReportDetail {
  const contact = r.contact
    ? {
        ...(r.contact.name ? { name: r.contact.name } : {}),
        ...(r.contact.phone ? { phone: r.contact.phone } : {}),
        ...(r.contact.email ? { email: r.contact.email } : {}),
      }
    : null;
  return {
    ...presentSummary(r, names),
    description: r.description ?? '',
    reporterRole: r.reporterRole,
    contact,
    listingUrl: r.listingUrl ?? null,
    statusHistory: (r.statusHistory ?? []).map((h) => ({
      status: h.status,
      at: iso(h.at),
      by: userRef(h.by, names),
      ...(h.note ? { note: h.note } : {}),
    })),
    notes: (r.notes ?? []).map((n) => ({ text: n.text, at: iso(n.at), by: userRef(n.by, names) })),
    questions: (r.questions ?? []).map((n) => ({ text: n.text, at: iso(n.at), by: userRef(n.by, names) })),
    addenda: (r.addenda ?? []).map((a) => ({ text: a.text, at: iso(a.at), answers: a.answers ?? null })),
    linkedReports: extra.linked.map((l) => ({ id: l._id.toString(), reference: l.reference, status: l.status })),
    suggestedProperty: extra.suggested,
    audit: extra.audit.map((a) => ({ action: a.action, at: iso(a.at), by: userRef(a.userId, names) })),
    allowedTransitions: extra.allowed,
  };
}

/** What every view of a report read from an in-memory index slot shows (the summary below, an entity's reports). */
export function reportFieldsAt(ix: ReportIndex, slot: number) {
  return {
    id: ix.idAt(slot),
    reference: ix.referenceAt(slot),
    createdAt: iso(new Date(ix.createdMs[slot]!)),
    observedFrom: iso(new Date(ix.fromMs[slot]!)),
    observedTo: iso(new Date(ix.toMs[slot]!)),
    lat: ix.lat[slot]!,
    lng: ix.lng[slot]!,
    address: ix.addressAt(slot),
    propertyType: ix.typeAt(slot),
    indicators: ix.indicatorsAt(slot),
    priority: ix.priorityAt(slot),
    status: ix.statusAt(slot),
  };
}

/** The same summary, read from the in-memory index slot. */
export function summaryFromIndex(ix: ReportIndex, slot: number, names: UserNames): ReportSummary {
  const assignee = ix.assigneeAt(slot);
  return {
    ...reportFieldsAt(ix, slot),
    forceId: ix.forceAt(slot),
    assignedTo: assignee ? { id: assignee, name: names.get(assignee) ?? 'Unknown user' } : null,
    ownerAlert: ix.released[slot] === 1 ? 'released' : 'withheld',
    unread: ix.unread[slot] === 1,
  };
}

/** One entry of the audit trail, with the name of who did it. */
export function presentAuditEntry(e: AuditEntry, names: UserNames): AuditList['items'][number] {
  return {
    id: e.id,
    action: e.action,
    reportId: e.reportId,
    userId: e.userId,
    userName: names.get(e.userId) ?? null,
    at: new Date(e.at).toISOString(),
    details: e.details ?? null,
  };
}
