import mongoose from 'mongoose';
import type { Config } from '../config';
import { isDuplicateKey } from '../db/errors';
import { retryBusy } from '../db/insert';
import { updateVersioned } from '../db/versioned';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import type { Report } from '../reports/report.model';
import { appendAudit, auditEntry } from '../triage/audit-log';

/**
 * Retention (PRODUCT.md, "Privacy and safeguarding rules"), run by one instance a day in the background:
 * - unverified reports (still `new`, or `rejected` as malicious/duplicate) older than RETENTION_MONTHS are deleted;
 * - closed reports are deleted CLOSED_RETENTION_MONTHS after they were closed (the force's policy);
 * - every other report older than RETENTION_MONTHS keeps its content but loses the reporter's contact details.
 * The audit trail records that a deletion happened (action, report id, reason), never the content. The map and
 * triage index, and so the exports, follow through the `report.deleted` event and the change log.
 */

export const SYSTEM_USER = 'system';
const UNVERIFIED = new Set(['new', 'rejected']);
const JOBS = 'jobs';
const BATCH = 500;

export interface RetentionCounts {
  examined: number;
  deletedUnverified: number;
  deletedClosed: number;
  contactsPurged: number;
}

type Candidate = Pick<Report, 'status' | 'createdAt' | 'statusHistory' | 'contact'> & { _id: mongoose.Types.ObjectId };

const monthsBefore = (now: Date, months: number) => {
  const d = new Date(now);
  d.setUTCMonth(d.getUTCMonth() - months);
  return d;
};

/** When the report was last closed, or null when it is not closed. */
function closedAt(r: Candidate): Date | null {
  if (r.status !== 'closed') return null;
  for (let k = r.statusHistory.length - 1; k >= 0; k--) if (r.statusHistory[k]!.status === 'closed') return r.statusHistory[k]!.at;
  return r.createdAt;
}

export class RetentionService {
  constructor(private readonly deps: { config: Config; logger: Logger; events: EventBus }) {}

  private get reports() {
    return mongoose.connection.db!.collection<Candidate>('reports');
  }

  /** What happens to one report at `now`: delete (with the reason), purge its contact, or nothing. */
  decide(r: Candidate, now: Date): 'unverified' | 'closed' | 'purge' | null {
    const { retentionMonths, closedRetentionMonths } = this.deps.config;
    const periodStart = monthsBefore(now, retentionMonths);
    if (UNVERIFIED.has(r.status) && r.createdAt < periodStart) return 'unverified';
    const closed = closedAt(r);
    if (closed && closed < monthsBefore(now, closedRetentionMonths)) return 'closed';
    if (r.contact && r.createdAt < periodStart) return 'purge';
    return null;
  }

  /**
   * One pass over the reports old enough to matter (a background scan in batches of 500; never on a request).
   * Safe to run twice or to crash midway: each step is idempotent and the next run finishes the rest.
   */
  async run(now = new Date()): Promise<RetentionCounts> {
    const t0 = performance.now();
    const counts: RetentionCounts = { examined: 0, deletedUnverified: 0, deletedClosed: 0, contactsPurged: 0 };
    const oldest = monthsBefore(now, Math.min(this.deps.config.retentionMonths, this.deps.config.closedRetentionMonths));
    const cursor = this.reports.find(
      { createdAt: { $lt: oldest } },
      { projection: { status: 1, createdAt: 1, statusHistory: 1, contact: 1 }, batchSize: BATCH },
    );
    let batch: Candidate[] = [];
    const flush = async () => {
      for (const r of batch) {
        const action = this.decide(r, now);
        if (action === 'purge') {
          if (await this.purgeContact(r._id, now)) counts.contactsPurged++;
        } else if (action) {
          await this.delete(r._id, action, now);
          if (action === 'unverified') counts.deletedUnverified++;
          else counts.deletedClosed++;
        }
      }
      batch = [];
    };
    for await (const r of cursor) {
      counts.examined++;
      batch.push(r);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    this.deps.logger.info({ ...counts, ms: Math.round(performance.now() - t0) }, 'retention run finished');
    return counts;
  }

  /** Runs at most once a day across all instances (the first to insert today's claim runs it). */
  async runIfDue(now = new Date()): Promise<RetentionCounts | null> {
    const id = `retention:${now.toISOString().slice(0, 10)}`;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: string `_id` in a driver collection.
      await retryBusy(() => mongoose.connection.db!.collection(JOBS).insertOne({ _id: id, at: now } as any));
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    return this.run(now);
  }

  private async purgeContact(id: mongoose.Types.ObjectId, now: Date): Promise<boolean> {
    let purged = false;
    const doc = await updateVersioned<Report & { _id: mongoose.Types.ObjectId; rev?: number }>('reports', id, (r) => {
      if (!r?.contact) return null;
      purged = true;
      return { contact: null, updatedAt: now };
    });
    if (purged && doc) {
      await appendAudit([auditEntry('report.contact_purged', id.toHexString(), SYSTEM_USER, { reason: 'retention' }, now)]);
      await this.deps.events.emit('report.updated', { report: doc, changes: ['contact'], byUserId: null });
    }
    return purged;
  }

  private async delete(id: mongoose.Types.ObjectId, reason: 'unverified' | 'closed', now: Date): Promise<void> {
    // The audit entry first: a crash after it and before the delete is finished by the next run.
    await appendAudit([auditEntry('report.deleted', id.toHexString(), SYSTEM_USER, { reason: `retention:${reason}` }, now)]);
    await retryBusy(() => this.reports.deleteOne({ _id: id }));
    await this.deps.events.emit('report.deleted', { reportId: id.toHexString() });
  }
}
