import { UserModel } from '../accounts/user.model';
import { recordDeliveries } from '../alerts/outbox';
import { updateVersioned } from '../db/versioned';
import type { EventBus, StoredReport } from '../events';
import { compose, type Email } from '../mail/compose';
import { type LeanReport, reportsCollection } from '../reports/report-reads';

/**
 * New information from a reporter (an addendum, a reply to a police question): the report is marked `unread` for
 * the queue, and its assigned officer gets an email with only a link (no reference, no address, nothing the
 * reporter wrote: mailboxes are not the case file). One email per unread spell: further updates before the officer
 * opens the report are already announced. Opening it (the assigned officer, or anyone while nobody is assigned)
 * marks it read.
 */
export function reporterUpdateEmail(link: string): Email {
  return compose('StayWatch: new information on a report assigned to you', [
    { p: 'Hello,' },
    { p: 'The reporter has added new information to a StayWatch report assigned to you.' },
    { p: 'Open the report in the police workspace (you will be asked to sign in):' },
    { link: { href: link, label: 'Open the report' } },
    { p: 'This email does not contain any details of the report.' },
  ]);
}

export class ReporterUpdates {
  constructor(private readonly deps: { events: EventBus; publicUrl: string }) {}

  /**
   * For a path that set `unread: true` in its own write (the addendum does, so one write and one event carry both):
   * emails the assigned officer when the report was read before that write.
   */
  async announce(updated: LeanReport, wasUnread: boolean): Promise<void> {
    if (wasUnread || !updated.assignedTo) return;
    const officer = await UserModel.findById(updated.assignedTo).lean();
    if (!officer || officer.disabled) return;
    const id = String(updated._id);
    await recordDeliveries([
      {
        // One per unread spell: the revision that set the flag.
        key: `report-unread:${id}:${updated.rev ?? 0}`,
        kind: 'confirm',
        subscriptionId: null,
        userId: String(officer._id),
        to: officer.email,
        email: reporterUpdateEmail(`${this.deps.publicUrl}/police?report=${id}`),
        mayRepeat: true,
      },
    ]);
  }

  /** The report was opened by `userId`: read, when they are its assigned officer (or nobody is). */
  async markOpened(doc: LeanReport, userId: string): Promise<LeanReport> {
    if (!doc.unread || (doc.assignedTo && String(doc.assignedTo) !== userId)) return doc;
    const updated = await updateVersioned<LeanReport>(
      reportsCollection(),
      doc._id,
      (cur) => (cur?.unread && (!cur.assignedTo || String(cur.assignedTo) === userId) ? { unread: false } : null),
      { attempts: 16 },
    );
    if (!updated || updated.unread) return updated ?? doc;
    await this.deps.events.emit('report.updated', { report: updated as StoredReport, changes: ['unread'], byUserId: userId });
    return updated;
  }
}
