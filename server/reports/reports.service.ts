import { Types } from 'mongoose';
import { extractEntities } from '../../shared/entities';
import { normaliseReference } from '../../shared/follow-up-keys';
import type {
  AddendumBody,
  FollowUpBody,
  MyAddendumBody,
  ReportCreate,
  ReportCreated,
  ReportPublicView,
} from '../../shared/schemas/reports';
import { needsCall999, type PropertyType, priorityOf } from '../../shared/taxonomy';
import { isDuplicateKey } from '../db/errors';
import { retryBusy } from '../db/insert';
import { updateVersioned } from '../db/versioned';
import type { EventBus, StoredReport } from '../events';
import type { ForceService } from '../forces/forces.service';
import { cellKeys } from '../geo/geohash';
import { errors } from '../http/errors';
import type { PropertyService } from '../properties/properties.service';
import { noteFiling, readFilings } from './filings';
import { DUMMY_PASSPHRASE_HASH, hashPassphrase, verifyPassphrase } from './passphrase';
import { newPassphrase, newReference } from './reference';
import { type Contact, type Report, ReportModel } from './report.model';
import { presentPublic } from './report.presenter';
import { reportIdFor } from './report-id';
import { type LeanReport, loadByIds, loadReport, reportsCollection } from './report-reads';
import { ReportWriter } from './report-writer';

/** A registered property this close (same type) is suggested to police as the report's subject. */
export const PROPERTY_MATCH_M = 30;
const REFERENCE_ATTEMPTS = 5;
const BUSY_ATTEMPTS = 5;
/** "My reports" shows at most this many, the newest. */
const MINE_LIMIT = 500;

const noSuchReport = () => errors.notFound('Report', 'No report matches that reference and passphrase');

/** The reporter's contact details without empty fields, or null when they gave none. */
function contactOf(contact: ReportCreate['contact']): Contact | null {
  const kept = Object.fromEntries(Object.entries(contact ?? {}).filter(([, v]) => Boolean(v)));
  return Object.keys(kept).length ? kept : null;
}

/** Reporter-facing report rules: filing, follow-up by passphrase, addenda, a host's own reports. */
export class ReportService {
  private readonly writer = new ReportWriter(() => ReportModel.collection);

  constructor(
    private readonly deps: {
      forces: ForceService;
      events: EventBus;
      properties: PropertyService;
      newReference?: () => string;
      /** Marks the report unread for police and tells the assigned officer (triage/reporter-updates.ts). */
      reporterUpdates?: { announce(report: LeanReport, wasUnread: boolean): Promise<void> };
    },
  ) {}

  /** Nearest registered property of the same type within 30 m (the properties' in-memory grid). */
  async suggestProperty(lat: number, lng: number, type: PropertyType): Promise<Types.ObjectId | null> {
    const id = await this.deps.properties.nearest(lat, lng, type, PROPERTY_MATCH_M);
    return id ? new Types.ObjectId(id) : null;
  }

  async create(input: ReportCreate, filedBy: string | null): Promise<ReportCreated> {
    const { lat, lng } = input.location;
    const forceId = this.deps.forces.locator.locate(lat, lng);
    if (!forceId) {
      throw errors.outsideForceArea(
        422,
        'That location is outside every police force area StayWatch covers. Please call 101 (or 999 in an emergency).',
        'body.location',
        'Outside the areas StayWatch covers',
      );
    }
    const passphrase = newPassphrase();
    const propertyId = await this.suggestProperty(lat, lng, input.propertyType);
    const now = new Date();
    const priority = priorityOf(input.indicators);
    const contact = contactOf(input.contact);
    const entities = extractEntities({ ...input, contact });
    const doc: Omit<Report, 'reference' | 'passphraseHash' | 'createdAt' | 'updatedAt'> = {
      lat,
      lng,
      cells: cellKeys(lat, lng),
      address: input.address || null,
      propertyType: input.propertyType,
      listingUrl: input.listingUrl ?? null,
      propertyId,
      indicators: [...input.indicators].sort((a, b) => a - b),
      description: input.description,
      observedFrom: new Date(input.observedFrom),
      observedTo: new Date(input.observedTo),
      reporterRole: input.reporterRole,
      contact,
      priority,
      status: 'new',
      statusHistory: [{ status: 'new', at: now, by: null }],
      forceId,
      addenda: [],
      questions: [],
      filedBy: filedBy ? new Types.ObjectId(filedBy) : null,
      notes: [],
      assignedTo: null,
      linkedReportIds: [],
      ownerAlert: 'withheld',
      releasedAt: null,
      ...(entities.length ? { entities } : {}),
    };
    const { reference, report } = await this.store(doc, passphrase);
    await this.deps.events.emit('report.created', { report });
    return { reference, passphrase, priority, call999: needsCall999(input.indicators) };
  }

  /**
   * Stores the report under the id its reference derives (report-id.ts): one insert claims the reference, and a
   * reference already taken is retried with a new one. "database is locked" from FerretDB on SQLite committed
   * nothing: retried. A signed-in filer's list of reports (filings.ts) gets the id before the insert, so no report
   * of theirs is ever missing from it. The document is inserted through the driver: every field is built above
   * from zod-validated input (and typed as a `Report`), so mongoose's per-document casting and validation would
   * only add CPU to the hot path.
   */
  private async store(doc: Omit<Report, 'reference' | 'passphraseHash' | 'createdAt' | 'updatedAt'>, passphrase: string) {
    for (let attempt = 1; ; attempt++) {
      const reference = (this.deps.newReference ?? newReference)();
      const passphraseHash = hashPassphrase(passphrase, reference);
      const _id = reportIdFor(reference);
      const now = doc.statusHistory[0]!.at;
      const report: Report & { _id: Types.ObjectId; __v: number } = {
        _id,
        reference,
        passphraseHash,
        ...doc,
        createdAt: now,
        updatedAt: now,
        __v: 0,
      };
      if (doc.filedBy) await noteFiling(doc.filedBy.toHexString(), _id.toHexString());
      try {
        await retryBusy(
          () => this.writer.insert(report),
          BUSY_ATTEMPTS,
          (i) => 2 * (i + 1) + Math.random() * 5,
        );
        return { reference, report };
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= REFERENCE_ATTEMPTS) throw err;
        // A retried insert whose first try did commit after all is ours, not a clash.
        const existing = await loadReport(_id);
        if (existing?.passphraseHash === passphraseHash) return { reference, report: existing as StoredReport };
      }
    }
  }

  /** The report if reference and passphrase match; the same 404, after the same lookup and hash work, otherwise. */
  private async authorise(body: FollowUpBody): Promise<LeanReport> {
    const found = await loadReport(reportIdFor(body.reference));
    const report = found?.reference === body.reference ? found : null;
    const ok = verifyPassphrase(body.passphrase, report?.passphraseHash ?? DUMMY_PASSPHRASE_HASH, body.reference);
    if (!report || !ok) throw noSuchReport();
    return report;
  }

  async followUp(body: FollowUpBody): Promise<ReportPublicView> {
    return presentPublic(await this.authorise(body));
  }

  /** An anonymous reporter's addendum (or reply to a police question), by reference and passphrase. */
  async addAddendum(body: AddendumBody): Promise<ReportPublicView> {
    const report = await this.authorise(body);
    return presentPublic(await this.append(report, body));
  }

  /**
   * A signed-in host or owner adding to a report they filed (My reports): one `_id` read by the reference, and the
   * same 404 for a report that is missing and one filed by someone else.
   */
  async addMine(userId: string, reference: string, body: MyAddendumBody): Promise<ReportPublicView> {
    const ref = normaliseReference(reference);
    const report = await loadReport(reportIdFor(ref));
    if (!report || report.reference !== ref || report.filedBy?.toString() !== userId) {
      throw errors.notFound('Report', 'You filed no report with that reference');
    }
    return presentPublic(await this.append(report, body));
  }

  /**
   * Appends the reporter's addendum with a versioned write, so a police change landing at the same moment keeps it.
   * This is where new information from a reporter is written: the `report.updated` event with `changes: ['addenda']`
   * is what police-side features (unread flag, officer email) listen to.
   */
  private async append(report: LeanReport, body: { text: string; answers?: number }): Promise<LeanReport> {
    const now = new Date();
    let wasUnread = false;
    const updated = await updateVersioned<LeanReport>(
      reportsCollection(),
      report._id,
      (cur) => {
        if (!cur) throw noSuchReport();
        if (body.answers !== undefined && body.answers >= (cur.questions ?? []).length) {
          throw errors.invalid('There is no such question', 'body.answers');
        }
        wasUnread = cur.unread === true;
        const addendum = { text: body.text, at: now, answers: body.answers ?? null };
        // New information for police: unread in the queue until the assigned officer opens it (issue 13).
        return { addenda: [...(cur.addenda ?? []), addendum], unread: true, updatedAt: now };
      },
      { conflictMessage: 'The report is being changed right now; please send it again' },
    );
    if (!updated) throw noSuchReport();
    await this.deps.events.emit('report.updated', { report: updated as StoredReport, changes: ['addenda'], byUserId: null });
    await this.deps.reporterUpdates?.announce(updated, wasUnread);
    return updated;
  }

  /**
   * Reports filed by a signed-in host or owner, newest first, in the reporter's view: their list of filed ids, then
   * one `_id` read per report. Ids with no report (an insert that never landed) or someone else's are skipped.
   */
  async mine(userId: string): Promise<ReportPublicView[]> {
    const ids = await readFilings(userId, MINE_LIMIT);
    const found = await loadByIds(ids);
    const reports = ids
      .map((id) => found.get(id))
      .filter((r): r is LeanReport => r?.filedBy?.toString() === userId)
      .sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime());
    return reports.map(presentPublic);
  }
}
