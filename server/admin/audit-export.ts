import { stringify } from 'csv-stringify/sync';
import { type AuditEntry, type AuditFilter, listAudit } from '../triage/audit-log';
import { userNames } from '../triage/user-names';

/** Entries one export holds at most, and log reads (pages of up to 200) it may make to find them. */
export const AUDIT_EXPORT_MAX = 10_000;
const MAX_CALLS = 100;

export const AUDIT_CSV_COLUMNS = ['Time (UTC)', 'Action', 'Report', 'User ID', 'User', 'Details'] as const;

/**
 * The filtered audit trail as CSV, newest first: the same filtered, bounded log reads as the list, page after page
 * up to AUDIT_EXPORT_MAX entries. Text that starts like a formula (= + - @, tab, CR) is prefixed with ' so a
 * spreadsheet shows it instead of running it, as in the report export. `truncated` when the limit cut it short.
 */
export async function auditCsv(filter: AuditFilter): Promise<{ csv: string; rows: number; truncated: boolean }> {
  const entries: AuditEntry[] = [];
  let cursor: string | undefined;
  let more = true;
  for (let calls = 0; more && calls < MAX_CALLS && entries.length < AUDIT_EXPORT_MAX; calls++) {
    const page = await listAudit({ ...filter, cursor, limit: Math.min(200, AUDIT_EXPORT_MAX - entries.length) });
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    more = page.nextCursor !== null;
  }
  const names = await userNames(entries.map((e) => e.userId));
  const rows = entries.map((e) => [
    new Date(e.at).toISOString(),
    e.action,
    e.reportId ?? '',
    e.userId,
    names.get(e.userId) ?? '',
    e.details ? JSON.stringify(e.details) : '',
  ]);
  const csv = stringify(rows, { header: true, columns: [...AUDIT_CSV_COLUMNS], escape_formulas: true });
  return { csv, rows: rows.length, truncated: more };
}
