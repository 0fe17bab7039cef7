import type { PUBLIC_STATUSES, ReportPublicView } from '../../shared/schemas/reports';
import type { ReportStatus } from '../../shared/taxonomy';
import { ukDateKey } from '../../shared/time';
import type { Report } from './report.model';

type PublicStatus = (typeof PUBLIC_STATUSES)[number];

/** Plain words for the reporter. A rejected report reads as closed: the reporter is never told it was judged malicious. */
const PUBLIC: Record<ReportStatus, { status: PublicStatus; text: string }> = {
  new: { status: 'received', text: 'Received — waiting for police to review it' },
  triaged: { status: 'reviewed', text: 'Reviewed by police' },
  under_investigation: { status: 'in_progress', text: 'Police are looking into it' },
  actioned: { status: 'actioned', text: 'Police have taken action' },
  closed: { status: 'closed', text: 'Closed' },
  rejected: { status: 'closed', text: 'Closed' },
};

/** The UK calendar day (reporters see dates, not times). */
const day = (d: Date) => ukDateKey(new Date(d).getTime());

/** What the reporter sees: status, questions from police and their own additions. Dates only, nothing police-only. */
export function presentPublic(r: Pick<Report, 'reference' | 'status' | 'createdAt' | 'questions' | 'addenda'>): ReportPublicView {
  const s = PUBLIC[r.status] ?? PUBLIC.new;
  return {
    reference: r.reference,
    status: s.status,
    statusText: s.text,
    createdOn: day(r.createdAt),
    questions: (r.questions ?? []).map((q) => ({ text: q.text, on: day(q.at) })),
    addenda: (r.addenda ?? []).map((a) => ({ text: a.text, on: day(a.at), answers: a.answers ?? null })),
  };
}
