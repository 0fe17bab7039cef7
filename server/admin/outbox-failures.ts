import { appendLog, LOGS, PAGE_SIZE, readLog } from '../db/paged-log';
import { readById } from '../db/versioned';

/**
 * Deliveries that failed for good (the last attempt, or a permanent SMTP refusal), as a paged log the delivery
 * workers append to when they record the failure. The admin's status page reads its head and newest entries by
 * `_id` instead of counting failed results (a scan of a collection that grows with every email). No address or
 * content is kept: the delivery id, its kind, the attempt and the error.
 */
const FAILED_LOG = 'outbox:failed';

export interface FailedDelivery {
  deliveryId: string;
  kind: string;
  attempt: number;
  error: string;
  at: Date;
}

export function noteFailedDelivery(entry: FailedDelivery): Promise<void> {
  return appendLog(FAILED_LOG, { ...entry, error: entry.error.slice(0, 300) });
}

/** How many failures were logged (from the head and the page being filled) and the newest `limit`. */
export async function readFailures(limit: number): Promise<{ count: number; recent: FailedDelivery[] }> {
  const head = await readById<{ _id: string; page: number }>(LOGS, FAILED_LOG);
  if (!head) return { count: 0, recent: [] };
  const last = await readById<{ _id: string; entries: unknown[] }>(LOGS, `${FAILED_LOG}#${head.page}`);
  const { items } = await readLog<FailedDelivery>(FAILED_LOG, { limit, maxPages: 2 });
  return { count: head.page * PAGE_SIZE + (last?.entries.length ?? 0), recent: items };
}
