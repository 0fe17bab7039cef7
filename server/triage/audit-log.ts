import { Types } from 'mongoose';
import { appendLogMany, readLog } from '../db/paged-log';

/**
 * The audit trail of police reads and changes (and exports), kept in paged logs so every read and write is a
 * point operation: each entry is appended to its report's log, its user's log and its day's log (UTC). The report
 * detail and the filtered admin queries read one log; the unfiltered admin list walks the day logs backwards.
 */

/** One police read or change of a report (or an export). Append-only. */
export interface AuditEntry {
  id: string;
  action: string;
  reportId: string | null;
  userId: string;
  at: Date;
  details: Record<string, unknown> | null;
}

/** The unfiltered list stops walking back after this many days in a row without an entry. */
export const MAX_EMPTY_DAYS = 31;
/** Days one unfiltered request may walk back before it answers with a cursor. */
const MAX_DAYS_PER_CALL = 93;
const DAY_MS = 86_400_000;

const dayOf = (d: Date) => d.toISOString().slice(0, 10);
export const auditReportKey = (reportId: string) => `audit:report:${reportId}`;
export const auditUserKey = (userId: string) => `audit:user:${userId}`;
export const auditDayKey = (at: Date) => `audit:day:${dayOf(at)}`;

export class InvalidAuditCursor extends Error {}

export function auditEntry(
  action: string,
  reportId: string | null,
  userId: string,
  details: Record<string, unknown> | null = null,
  at = new Date(),
): AuditEntry {
  return { id: new Types.ObjectId().toHexString(), action, reportId, userId, at, details };
}

/** Appends the entries, in order, to the logs of their report, user and day; different logs in parallel. */
export async function appendAudit(entries: AuditEntry[]): Promise<void> {
  const byKey = new Map<string, AuditEntry[]>();
  for (const e of entries) {
    const keys = [auditUserKey(e.userId), auditDayKey(e.at)];
    if (e.reportId) keys.unshift(auditReportKey(e.reportId));
    for (const k of keys) byKey.set(k, [...(byKey.get(k) ?? []), e]);
  }
  // appendLogMany group-commits per log, so concurrent police reads share one write of the busy day log.
  await Promise.all([...byKey].map(([key, list]) => appendLogMany(key, list)));
}

async function readOne(key: string, limit: number, before: string | null, keep?: (e: AuditEntry) => boolean) {
  try {
    return await readLog<AuditEntry>(key, { limit, before, keep });
  } catch (err) {
    if (err instanceof RangeError) throw new InvalidAuditCursor();
    throw err;
  }
}

/** The newest `limit` entries of one report. */
export async function reportAudit(reportId: string, limit: number): Promise<AuditEntry[]> {
  return (await readOne(auditReportKey(reportId), limit, null)).items;
}

/** Cursor of the day walk: `<day>_<log cursor>` inside a day, `<day>_e<empty days so far>` at the start of one. */
function parseDayCursor(cursor: string): { day: number; before: string | null; empty: number } {
  const m = /^(\d{4}-\d{2}-\d{2})_(?:e(\d{1,2})|(\d{1,9}\.\d{1,4}))$/.exec(cursor);
  const day = m ? Date.parse(`${m[1]}T00:00:00Z`) : Number.NaN;
  if (!m || Number.isNaN(day) || dayOf(new Date(day)) !== m[1]) throw new InvalidAuditCursor();
  return { day, before: m[3] ?? null, empty: m[2] ? Number(m[2]) : 0 };
}

/**
 * A page of the audit trail, newest first: one report's (optionally only one user's entries), one user's, or
 * everything (the day logs, from today backwards, until MAX_EMPTY_DAYS days in a row are empty).
 */
export async function listAudit(q: {
  reportId?: string;
  userId?: string;
  cursor?: string;
  limit: number;
}): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const before = q.cursor ?? null;
  if (q.reportId) {
    const userId = q.userId;
    return readOne(auditReportKey(q.reportId), q.limit, before, userId ? (e) => e.userId === userId : undefined);
  }
  if (q.userId) return readOne(auditUserKey(q.userId), q.limit, before);

  const start = before ? parseDayCursor(before) : { day: Date.parse(`${dayOf(new Date())}T00:00:00Z`), before: null, empty: 0 };
  let { day, before: within, empty } = start;
  const items: AuditEntry[] = [];
  for (let walked = 0; walked < MAX_DAYS_PER_CALL; walked++) {
    const page = await readOne(auditDayKey(new Date(day)), q.limit - items.length, within);
    items.push(...page.items);
    empty = page.items.length || within ? 0 : empty + 1;
    if (page.nextCursor) {
      if (items.length >= q.limit) return { items, nextCursor: `${dayOf(new Date(day))}_${page.nextCursor}` };
      // A page that ended early (the log's page limit): carry on in the same day.
      within = page.nextCursor;
      continue;
    }
    if (empty >= MAX_EMPTY_DAYS) return { items, nextCursor: null };
    day -= DAY_MS;
    within = null;
    if (items.length >= q.limit) break;
  }
  return { items, nextCursor: `${dayOf(new Date(day))}_${within ?? `e${empty}`}` };
}
