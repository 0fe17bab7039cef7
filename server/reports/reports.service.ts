import { Types, trusted } from 'mongoose';
import type { AddendumBody, FollowUpBody, ReportCreate, ReportCreated, ReportPublicView } from '../../shared/schemas/reports';
import { needsCall999, type PropertyType, priorityOf } from '../../shared/taxonomy';
import type { EventBus, StoredReport } from '../events';
import type { ForceService } from '../forces/forces.service';
import { cellKeys, distanceM, geohash } from '../geo/geohash';
import { isDuplicateKey } from '../db/errors';
import { HttpError } from '../http/errors';
import { PropertyModel } from '../properties/property.model';
import { DUMMY_PASSPHRASE_HASH, hashPassphrase, verifyPassphrase } from './passphrase';
import { newPassphrase, newReference } from './reference';
import { type Report, ReportModel } from './report.model';
import { presentPublic } from './report.presenter';
import { ReportRefModel } from './report-ref.model';

/** A registered property this close (same type) is suggested to police as the report's subject. */
export const PROPERTY_MATCH_M = 30;
const REFERENCE_ATTEMPTS = 5;

const notFound = () => new HttpError(404, 'not_found', 'No report matches that reference and passphrase');

/** The g6 cells (≈1.2 × 0.6 km) that a circle of `radiusM` around the point can touch. */
function nearbyG6(lat: number, lng: number, radiusM: number): string[] {
  const dLat = radiusM / 111_320;
  const dLng = radiusM / (111_320 * Math.max(0.01, Math.cos((lat * Math.PI) / 180)));
  const cells = new Set<string>();
  for (const a of [-dLat, 0, dLat]) for (const b of [-dLng, 0, dLng]) cells.add(geohash(lat + a, lng + b, 6));
  return [...cells];
}

/** Reporter-facing report rules: filing, follow-up by passphrase, addenda, a host's own reports. */
export class ReportService {
  constructor(private readonly deps: { forces: ForceService; events: EventBus; newReference?: () => string }) {}

  /** Nearest registered property of the same type within 30 m, by a bounded query on the cell keys (no geo operators). */
  async suggestProperty(lat: number, lng: number, type: PropertyType): Promise<Types.ObjectId | null> {
    const candidates = await PropertyModel.find({ type, 'cells.g6': trusted({ $in: nearbyG6(lat, lng, PROPERTY_MATCH_M) }) })
      .select({ lat: 1, lng: 1 })
      .limit(500)
      .lean();
    let best: { id: Types.ObjectId; d: number } | null = null;
    for (const p of candidates) {
      const d = distanceM(lat, lng, p.lat, p.lng);
      if (d <= PROPERTY_MATCH_M && (!best || d < best.d)) best = { id: p._id, d };
    }
    return best?.id ?? null;
  }

  async create(input: ReportCreate, filedBy: string | null): Promise<ReportCreated> {
    const { lat, lng } = input.location;
    const forceId = this.deps.forces.locator.locate(lat, lng);
    if (!forceId) {
      throw new HttpError(
        422,
        'outside_force_area',
        'That location is outside every police force area StayWatch covers. Please call 101 (or 999 in an emergency).',
        [{ path: 'body.location', message: 'Outside the areas StayWatch covers' }],
      );
    }
    const passphrase = newPassphrase();
    const propertyId = await this.suggestProperty(lat, lng, input.propertyType);
    const now = new Date();
    const priority = priorityOf(input.indicators);
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
      contact: input.contact && Object.values(input.contact).some(Boolean) ? input.contact : null,
      priority,
      status: 'new',
      statusHistory: [{ status: 'new', at: now, by: null }],
      forceId,
      addenda: [],
      questions: [],
      filedBy: filedBy as unknown as Types.ObjectId | null, // mongoose casts the id string
      notes: [],
      assignedTo: null,
      linkedReportIds: [],
      ownerAlert: 'withheld',
      releasedAt: null,
    };
    const { reference, report } = await this.store(doc, passphrase);
    await this.deps.events.emit('report.created', { report });
    return { reference, passphrase, priority, call999: needsCall999(input.indicators) };
  }

  /**
   * Claims a unique reference (its own collection, keyed by _id), then stores the report under a preset id. A
   * reference already taken in either place (a generated report has no reference entry) is retried with a new one.
   */
  private async store(doc: Omit<Report, 'reference' | 'passphraseHash' | 'createdAt' | 'updatedAt'>, passphrase: string) {
    const reportId = new Types.ObjectId();
    for (let attempt = 1; ; attempt++) {
      const reference = (this.deps.newReference ?? newReference)();
      try {
        await ReportRefModel.create({ _id: reference, reportId });
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= REFERENCE_ATTEMPTS) throw err;
        continue;
      }
      try {
        const passphraseHash = hashPassphrase(passphrase, reference);
        const report = (
          await ReportModel.create({ ...doc, _id: reportId, reference, passphraseHash })
        ).toObject() as StoredReport;
        return { reference, report };
      } catch (err) {
        await ReportRefModel.deleteOne({ _id: reference }).catch(() => undefined);
        if (!isDuplicateKey(err) || attempt >= REFERENCE_ATTEMPTS) throw err;
      }
    }
  }

  /** The report if reference and passphrase match; the same 404, after the same hash work, otherwise. */
  private async authorise(body: FollowUpBody) {
    const ref = await ReportRefModel.findById(body.reference).lean();
    const report = ref ? await ReportModel.findById(ref.reportId).lean() : null;
    const ok = await verifyPassphrase(body.passphrase, report?.passphraseHash ?? DUMMY_PASSPHRASE_HASH, body.reference);
    if (!report || !ok) throw notFound();
    return report;
  }

  async followUp(body: FollowUpBody): Promise<ReportPublicView> {
    return presentPublic(await this.authorise(body));
  }

  async addAddendum(body: AddendumBody): Promise<ReportPublicView> {
    const report = await this.authorise(body);
    const now = new Date();
    const updated = await ReportModel.findOneAndUpdate(
      { _id: report._id },
      { $push: { addenda: { text: body.text, at: now } }, $set: { updatedAt: now } },
      { returnDocument: 'after', timestamps: false },
    ).lean();
    if (!updated) throw notFound();
    await this.deps.events.emit('report.updated', { report: updated as StoredReport, changes: ['addenda'], byUserId: null });
    return presentPublic(updated);
  }

  /** Reports filed by a signed-in host or owner, newest first, in the reporter's view. */
  async mine(userId: string): Promise<ReportPublicView[]> {
    const reports = await ReportModel.find({ filedBy: userId })
      .select({ reference: 1, status: 1, createdAt: 1, questions: 1, addenda: 1 })
      .sort({ createdAt: -1 })
      .limit(500)
      .lean();
    return reports.map(presentPublic);
  }
}
