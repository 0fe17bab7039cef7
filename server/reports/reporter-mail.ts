import { recordDeliveries } from '../alerts/outbox';
import type { EventBus, StoredReport } from '../events';
import { compose, type Email } from '../mail/compose';

/**
 * Tells a reporter who left an email that police have asked a question. The email holds no report content (no
 * reference, question, address or date): only that there is a question and a link to follow up, where the reference
 * and passphrase (or their account) open it. One delivery per question (the key names the question's number), sent
 * through the alerts outbox like the account emails.
 */
export function questionAskedEmail(input: { followUpUrl: string; myReportsUrl: string }): Email {
  return compose('Police have a question about your StayWatch report', [
    { p: 'Hello,' },
    { p: 'Police have asked a question about a report you sent to StayWatch. To read it and answer, follow up your report:' },
    { link: { href: input.followUpUrl, label: 'Follow up your report' } },
    { p: 'You will need the reference and passphrase you were given when you sent it.' },
    { p: 'If you sent it while signed in to your StayWatch account, you can also answer from My reports:' },
    { link: { href: input.myReportsUrl, label: 'Open My reports' } },
    { p: 'For your safety this email does not say which report it is about or what was asked.' },
  ]);
}

export class ReporterMail {
  constructor(private readonly publicUrl: string) {}

  /** Subscribes to report changes: a new police question on a report with a contact email sends one email. */
  listen(events: EventBus): void {
    events.on('report.updated', ({ report, changes }) =>
      changes.includes('questions') ? this.questionAsked(report) : undefined,
    );
  }

  async questionAsked(report: StoredReport): Promise<void> {
    const to = report.contact?.email;
    const count = report.questions?.length ?? 0;
    if (!to || count === 0) return;
    const email = questionAskedEmail({
      followUpUrl: `${this.publicUrl}/follow-up`,
      myReportsUrl: `${this.publicUrl}/my-reports`,
    });
    await recordDeliveries([
      {
        key: `report:question:${report._id.toString()}:${count}`,
        kind: 'confirm',
        subscriptionId: null,
        userId: null,
        to,
        email,
        mayRepeat: false,
      },
    ]);
  }
}
