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

/** What the audit trail can be filtered by (see AuditFilterShape): a person, a report, an action prefix, UTC days. */
export interface AuditFilter {
  reportId?: string;
  userId?: string;
  action?: string;
  /** First and last UTC day, `YYYY-MM-DD`, both included. */
  from?: string;
  to?: string;
}

const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The entry test for the filters a log does not answer by itself (null: keep every entry). */
function entryTest(q: AuditFilter, opts: { user: boolean; time: boolean }): ((e: AuditEntry) => boolean) | undefined {
  const tests: Array<(e: AuditEntry) => boolean> = [];
  const { userId, action, from, to } = q;
  if (opts.user && userId) tests.push((e) => e.userId === userId);
  if (action) tests.push((e) => e.action === action || e.action.startsWith(action.endsWith('.') ? action : `${action}.`));
  if (opts.time && from) tests.push((e) => new Date(e.at).getTime() >= dayStart(from));
  if (opts.time && to) tests.push((e) => new Date(e.at).getTime() < dayStart(to) + DAY_MS);
  return tests.length ? (e) => tests.every((t) => t(e)) : undefined;
}

/**
 * A page of the audit trail, newest first, filtered: a report's log (by person, action and time too), a person's
 * log (by action and time too), or else the day logs from `to` (or today) back to `from` (or until MAX_EMPTY_DAYS
 * days in a row are empty), by action too. Every read is of one log page by `_id`; a sparse filter answers with a
 * cursor after a bounded number of pages instead of reading on.
 */
export async function listAudit(
  q: AuditFilter & { cursor?: string; limit: number },
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const before = q.cursor ?? null;
  if (q.reportId) return readOne(auditReportKey(q.reportId), q.limit, before, entryTest(q, { user: true, time: true }));
  if (q.userId) return readOne(auditUserKey(q.userId), q.limit, before, entryTest(q, { user: false, time: true }));

  const keep = entryTest(q, { user: false, time: false });
  const today = dayStart(dayOf(new Date()));
  const last = q.to ? Math.min(today, dayStart(q.to)) : today;
  const first = q.from ? dayStart(q.from) : null;
  const start = before ? parseDayCursor(before) : { day: last, before: null, empty: 0 };
  let { day, before: within, empty } = start;
  const items: AuditEntry[] = [];
  for (let walked = 0; walked < MAX_DAYS_PER_CALL; walked++) {
    if (first !== null && day < first) return { items, nextCursor: null };
    const page = await readOne(auditDayKey(new Date(day)), q.limit - items.length, within, keep);
    items.push(...page.items);
    empty = page.items.length || within ? 0 : empty + 1;
    if (page.nextCursor) {
      if (items.length >= q.limit) return { items, nextCursor: `${dayOf(new Date(day))}_${page.nextCursor}` };
      // A page that ended early (the log's page limit): carry on in the same day.
      within = page.nextCursor;
      continue;
    }
    if (first === null && empty >= MAX_EMPTY_DAYS) return { items, nextCursor: null };
    day -= DAY_MS;
    within = null;
    if (items.length >= q.limit) break;
  }
  if (first !== null && day < first) return { items, nextCursor: null };
  return { items, nextCursor: `${dayOf(new Date(day))}_${within ?? `e${empty}`}` };
}
