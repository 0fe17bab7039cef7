import { appendLog, readLog } from '../db/paged-log';

/**
 * The reports a signed-in host or owner filed: a paged log of report ids per user (`filings:<userId>`), so
 * "My reports" is a few point reads instead of a scan of every report for `filedBy`. The id is noted before the
 * report is inserted (a crash in between leaves an id with no report, which readers skip), and a reference clash
 * can leave the id of someone else's report, so readers also check `filedBy`.
 */

export const filingsKey = (userId: string) => `filings:${userId}`;

/** Notes that `userId` is about to file the report `reportId`. */
export function noteFiling(userId: string, reportId: string): Promise<void> {
  return appendLog(filingsKey(userId), reportId);
}

/** The newest `limit` report ids `userId` filed (or meant to), newest first, without repeats. */
export async function readFilings(userId: string, limit: number): Promise<string[]> {
  const { items } = await readLog<string>(filingsKey(userId), { limit });
  return [...new Set(items)];
}
