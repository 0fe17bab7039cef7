import { trusted, Types } from 'mongoose';
import type { AdvisoryCreate, AlertView, AdvisoryView, SubscriptionCreate, SubscriptionView } from '../../shared/schemas/alerts';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import type { AuthUser } from '../accounts/session.types';
import type { Config } from '../config';
import type { EventBus, StoredReport } from '../events';
import type { ForceService } from '../forces/forces.service';
import { distanceM, geohash } from '../geo/geohash';
import { type BBox, bboxOf, type Point } from '../geo/polygon';
import { HttpError, notFound } from '../http/errors';
import type { Logger } from '../logger';
import type { PropertyListener, PropertyService } from '../properties/properties.service';
import type { MapIndex } from '../map/map-index';
import { isDuplicateKey } from '../db/errors';
import { BodyCache } from './bodies';
import { AdvisoryModel, DeliveryModel, HotspotModel, type StoredDelivery } from './delivery.model';
import { circleBBox, normaliseRing } from './geometry';
import { bodyOf, deliveryState, type NewDelivery, recordDeliveries } from './outbox';
import { countReportsNear } from './recent-reports';
import {
  advisoryEmail,
  confirmEmail,
  hotspotEmail,
  ownerAreaEmail,
  ownerReleasedEmail,
  placeholder,
  policeReportEmail,
} from './render';
import { type IndexedSubscription, SubscriptionIndex } from './subscription-index';
import { type StoredSubscription, SubscriptionModel } from './subscription.model';
import { CONFIRM_TTL_MS, newTokenVersion, resolveTokenSecret, TokenSigner } from './tokens';
import { DeliveryWorker, smtpFromConfig } from './worker';

/** Owners' area notices count reports in the same grid square over this many days. */
const AREA_COUNT_DAYS = 90;
/** A released report is "about" a property registered within this distance (or linked by id). */
const SAME_PROPERTY_M = 30;
/** Largest area an owner may draw (degrees of latitude/longitude, about 20 km). */
const OWNER_AREA_MAX_DEG = 0.3;

const invalidLink = () => new HttpError(400, 'validation_failed', 'This link is invalid, expired or was already used');

export function presentSubscription(s: StoredSubscription): SubscriptionView {
  return {
    id: String(s._id),
    kind: s.kind,
    propertyId: s.propertyId ? String(s.propertyId) : null,
    radiusM: s.radiusM ?? null,
    polygon: s.polygon ? s.polygon.map(({ lat, lng }) => ({ lat, lng })) : null,
    center: s.center ? { lat: s.center.lat, lng: s.center.lng } : null,
    mode: s.mode,
    minPriority: s.minPriority ?? null,
    status: s.status,
    email: s.email,
    createdAt: new Date(s.createdAt).toISOString(),
    confirmedAt: s.confirmedAt ? new Date(s.confirmedAt).toISOString() : null,
  };
}

function toIndexed(s: StoredSubscription): IndexedSubscription {
  return {
    id: String(s._id),
    userId: String(s.userId),
    email: s.email,
    audience: s.audience,
    kind: s.kind,
    label: s.label,
    propertyId: s.propertyId ? String(s.propertyId) : null,
    center: s.center ? { lat: s.center.lat, lng: s.center.lng } : null,
    radiusM: s.radiusM ?? null,
    polygon: s.polygon ? s.polygon.map(({ lat, lng }) => ({ lat, lng })) : null,
    bbox: [s.bbox.w, s.bbox.s, s.bbox.e, s.bbox.n],
    mode: s.mode,
    minPriority: s.minPriority ?? null,
    forceId: s.forceId ?? null,
    tokenVersion: s.tokenVersion,
  };
}

const bboxDoc = (b: BBox) => ({ w: b[0], s: b[1], e: b[2], n: b[3] });

/**
 * Subscriptions (double opt-in, one-click unsubscribe), matching reports against an in-memory index of
 * confirmed subscription areas, police advisories, and the outbox they feed.
 */
export class AlertsService implements PropertyListener {
  readonly index = new SubscriptionIndex();
  private signer: TokenSigner | null = null;
  private loading: Promise<void> | null = null;
  private version = '';
  private worker: DeliveryWorker | null = null;
  private readonly bodies = new BodyCache();

  constructor(
    private readonly deps: {
      config: Config;
      logger: Logger;
      forces: ForceService;
      events: EventBus;
      properties: PropertyService;
      /** Recent reports near a point (owner area counts, emerging hotspots) come from the in-memory index. */
      mapIndex: MapIndex;
    },
  ) {
    deps.properties.setListener(this);
    deps.events.on('report.created', ({ report }) => this.onReportCreated(report));
    deps.events.on('report.updated', ({ report, changes }) => this.onReportUpdated(report, changes));
  }

  get tokens(): TokenSigner {
    this.signer ??= new TokenSigner(resolveTokenSecret(this.deps.config));
    return this.signer;
  }

  private get publicUrl(): string {
    return this.deps.config.alerts.publicUrl;
  }

  // ---------- index ----------

  /** Loads the index once (lazily, so tests and the first event work without the background loop). */
  ensureLoaded(): Promise<void> {
    this.loading ??= this.reload();
    return this.loading;
  }

  private async versionNow(): Promise<string> {
    const [count, latest] = await Promise.all([
      SubscriptionModel.countDocuments(),
      SubscriptionModel.findOne({}, { updatedAt: 1 }).sort({ updatedAt: -1 }).lean(),
    ]);
    return `${count}@${latest ? new Date(latest.updatedAt).getTime() : 0}`;
  }

  async reload(): Promise<void> {
    const version = await this.versionNow();
    const subs = await SubscriptionModel.find({ status: 'confirmed' }).lean();
    this.index.replaceAll(subs.map((s) => toIndexed(s as StoredSubscription)));
    this.version = version;
  }

  /** Reconcile with the database (other app instances change subscriptions too). */
  async reloadIfChanged(): Promise<boolean> {
    await this.ensureLoaded();
    if ((await this.versionNow()) === this.version) return false;
    await this.reload();
    return true;
  }

  private reindex(s: StoredSubscription | null, id: string): void {
    if (s && s.status === 'confirmed') this.index.upsert(toIndexed(s));
    else this.index.remove(id);
  }

  // ---------- worker ----------

  /** Periodic work: index reconcile, and the in-process delivery worker unless WORKER_IN_PROCESS=false. */
  startBackground(): () => void {
    const t = setInterval(() => {
      this.reloadIfChanged().catch((err) => this.deps.logger.warn({ err }, 'subscription index reconcile failed'));
    }, 15_000);
    t.unref();
    const smtp = smtpFromConfig(this.deps.config);
    if (this.deps.config.alerts.workerInProcess && smtp) {
      this.worker = new DeliveryWorker(
        smtp,
        {
          publicUrl: this.publicUrl,
          tokens: this.tokens,
          logger: this.deps.logger,
          digestHour: this.deps.config.alerts.digestHour,
          subscriptions: (id) => {
            const s = this.index.get(id);
            return s ? { status: 'confirmed', tokenVersion: s.tokenVersion } : undefined;
          },
        },
        { leaseMs: this.deps.config.alerts.leaseMs, retryBaseMs: this.deps.config.alerts.retryBaseMs },
      );
      this.worker.start();
    } else if (!smtp) {
      this.deps.logger.warn('SMTP is not configured: alerts are recorded but not sent');
    }
    this.ensureLoaded().catch((err) => this.deps.logger.warn({ err }, 'subscription index load failed'));
    return () => {
      clearInterval(t);
      void this.worker?.stop();
      this.worker = null;
    };
  }

  private async record(list: NewDelivery[]): Promise<number> {
    if (!list.length) return 0;
    const recorded = await recordDeliveries(list, (work) => this.worker?.enqueue(work));
    return recorded.deliveries.length;
  }

  // ---------- subscriptions ----------

  private forceCheck(ring: Point[], forceId: string | null): void {
    if (!forceId || ring.some((p) => this.deps.forces.locator.locate(p.lat, p.lng) !== forceId)) {
      throw new HttpError(400, 'outside_force_area', 'The area must lie inside your force area');
    }
  }

  private ring(points: Point[]): Point[] {
    const r = normaliseRing(points);
    if ('error' in r) throw new HttpError(400, 'validation_failed', r.error, [{ path: 'body.polygon', message: r.error }]);
    return r.ring;
  }

  async create(user: AuthUser, input: SubscriptionCreate) {
    const userId = new Types.ObjectId(user.id);
    if ((await SubscriptionModel.countDocuments({ userId })) >= ALERT_LIMITS.subscriptionsPerUser) {
      throw new HttpError(409, 'conflict', `At most ${ALERT_LIMITS.subscriptionsPerUser} alerts per account`);
    }
    const police = user.role === 'police' || user.role === 'police_admin';
    let doc: Record<string, unknown>;
    let what: string;
    if (input.kind === 'property') {
      if (police) throw new HttpError(400, 'validation_failed', 'Police subscribe to areas');
      const p = await this.deps.properties.get(user.id, input.propertyId);
      doc = {
        kind: 'property',
        label: p.address,
        propertyId: p._id,
        center: { lat: p.lat, lng: p.lng },
        radiusM: input.radiusM,
        bbox: bboxDoc(circleBBox(p.lat, p.lng, input.radiusM)),
      };
      what = input.radiusM ? `${p.address} and ${input.radiusM} m around it` : p.address;
    } else {
      const ring = this.ring(input.polygon);
      const bbox = bboxOf(ring);
      if (police) this.forceCheck(ring, user.forceId);
      else if (bbox[2] - bbox[0] > OWNER_AREA_MAX_DEG || bbox[3] - bbox[1] > OWNER_AREA_MAX_DEG) {
        throw new HttpError(400, 'validation_failed', 'The area is too large; draw an area of at most about 20 km across');
      }
      doc = { kind: 'area', label: police ? 'your police alert area' : 'the area you drew', polygon: ring, bbox: bboxDoc(bbox) };
      what = police ? 'an area of your force' : 'an area you drew on the map';
    }
    const sub = await SubscriptionModel.create({
      ...doc,
      userId,
      email: user.email,
      audience: police ? 'police' : 'owner',
      mode: input.mode,
      minPriority: police ? (input.kind === 'area' ? (input.minPriority ?? 'standard') : 'standard') : null,
      forceId: police ? user.forceId : null,
      status: 'pending',
      tokenVersion: newTokenVersion(),
    });
    const token = this.tokens.sign('c', String(sub._id), sub.tokenVersion, CONFIRM_TTL_MS);
    await this.record([
      {
        key: `confirm:${String(sub._id)}:${sub.tokenVersion}`,
        kind: 'confirm',
        subscriptionId: String(sub._id),
        userId: user.id,
        to: user.email,
        email: confirmEmail({
          url: `${this.publicUrl}/api/subscriptions/confirm?token=${encodeURIComponent(token)}`,
          what,
          audience: police ? 'police' : 'owner',
        }),
      },
    ]);
    return sub.toObject() as StoredSubscription;
  }

  async list(userId: string) {
    return (await SubscriptionModel.find({ userId: new Types.ObjectId(userId) })
      .sort({ createdAt: 1 })
      .lean()) as StoredSubscription[];
  }

  async remove(userId: string, id: string): Promise<void> {
    const sub = await SubscriptionModel.findById(id).lean();
    if (!sub || String(sub.userId) !== userId) throw notFound('Subscription');
    await SubscriptionModel.deleteOne({ _id: sub._id });
    this.index.remove(id);
  }

  /** What a confirm/unsubscribe link refers to, without changing anything (for the GET pages). */
  async inspect(token: string, purpose: 'c' | 'u'): Promise<StoredSubscription> {
    const claims = this.tokens.verify(token, purpose);
    if (!claims) throw invalidLink();
    const sub = (await SubscriptionModel.findById(claims.subscriptionId).lean()) as StoredSubscription | null;
    if (!sub || sub.tokenVersion !== claims.version) throw invalidLink();
    if (purpose === 'c' && sub.status === 'unsubscribed') throw invalidLink();
    return sub;
  }

  async confirm(token: string): Promise<StoredSubscription> {
    const sub = await this.inspect(token, 'c');
    if (sub.status === 'pending') {
      await SubscriptionModel.updateOne(
        { _id: sub._id, status: 'pending', tokenVersion: sub.tokenVersion },
        { $set: { status: 'confirmed', confirmedAt: new Date() } },
      );
    }
    const fresh = (await SubscriptionModel.findById(sub._id).lean()) as StoredSubscription | null;
    this.reindex(fresh, String(sub._id));
    if (fresh?.status !== 'confirmed') throw invalidLink();
    return fresh;
  }

  /** One-click unsubscribe: ends the subscription and revokes every earlier link by changing its version. */
  async unsubscribe(token: string): Promise<StoredSubscription> {
    const sub = await this.inspect(token, 'u');
    await SubscriptionModel.updateOne(
      { _id: sub._id, tokenVersion: sub.tokenVersion },
      { $set: { status: 'unsubscribed', tokenVersion: newTokenVersion() } },
    );
    this.index.remove(String(sub._id));
    return sub;
  }

  // ---------- property changes ----------

  async propertyMoved(propertyId: string, lat: number, lng: number, address: string): Promise<void> {
    const subs = await SubscriptionModel.find({ propertyId: new Types.ObjectId(propertyId) }).lean();
    for (const s of subs) {
      await SubscriptionModel.updateOne(
        { _id: s._id },
        { $set: { center: { lat, lng }, label: address, bbox: bboxDoc(circleBBox(lat, lng, s.radiusM ?? 0)) } },
      );
      this.reindex((await SubscriptionModel.findById(s._id).lean()) as StoredSubscription | null, String(s._id));
    }
  }

  async propertyDeleted(propertyId: string): Promise<void> {
    const subs = await SubscriptionModel.find({ propertyId: new Types.ObjectId(propertyId) }, { _id: 1 }).lean();
    await SubscriptionModel.deleteMany({ propertyId: new Types.ObjectId(propertyId) });
    for (const s of subs) this.index.remove(String(s._id));
  }

  /** Account deletion: subscriptions and their deliveries (addresses and bodies) go with it. */
  async removeAllFor(userId: string): Promise<void> {
    const uid = new Types.ObjectId(userId);
    const subs = await SubscriptionModel.find({ userId: uid }, { _id: 1 }).lean();
    await SubscriptionModel.deleteMany({ userId: uid });
    for (const s of subs) this.index.remove(String(s._id));
    await DeliveryModel.deleteMany({ userId: uid });
  }

  // ---------- matching ----------

  /** New report: police subscribers get it (per priority), owners get a coarse area notice, hotspots are checked. */
  async onReportCreated(report: StoredReport): Promise<number> {
    await this.ensureLoaded();
    if (report.status === 'rejected') return 0;
    const reportId = String(report._id);
    const matches = this.index.matchPoint(report.lat, report.lng);
    const out: NewDelivery[] = [];
    const g6 = report.cells?.g6 ?? geohash(report.lat, report.lng, 6);
    const safeguarding = report.priority === 'safeguarding';
    let recentCount: number | null = null;
    const police = matches.filter((s) => s.audience === 'police' && s.forceId === report.forceId);
    for (const s of police) {
      if (s.minPriority === 'safeguarding' && !safeguarding) continue;
      out.push({
        key: `report:${s.id}:${reportId}`,
        kind: 'police_report',
        subscriptionId: s.id,
        userId: s.userId,
        to: s.email,
        queued: !safeguarding && s.mode === 'daily',
        email: policeReportEmail({
          reportId,
          reference: report.reference,
          priority: report.priority,
          propertyType: report.propertyType,
          indicators: report.indicators,
          g7: report.cells?.g7 ?? '',
          link: `${this.publicUrl}/police?report=${reportId}`,
        }),
      });
    }
    // Safeguarding reports never reach owners automatically, not even as an area notice.
    if (!safeguarding) {
      for (const s of matches) {
        if (s.audience !== 'owner') continue;
        recentCount ??= countReportsNear(this.deps.mapIndex.index, {
          g6,
          sinceMs: Date.now() - AREA_COUNT_DAYS * 86_400_000,
        });
        out.push({
          key: `area:${s.id}:${reportId}`,
          kind: 'area',
          subscriptionId: s.id,
          userId: s.userId,
          to: s.email,
          queued: s.mode === 'daily',
          // One body for every owner notified of this report; each one's area name is filled in when sent.
          email: ownerAreaEmail({
            g6,
            recentCount: Math.max(1, recentCount),
            days: AREA_COUNT_DAYS,
            areaName: placeholder('area'),
          }),
          fill: { area: s.label },
        });
      }
    }
    if (police.length) out.push(...(await this.hotspotDeliveries(report, police)));
    return this.record(out);
  }

  private async hotspotDeliveries(report: StoredReport, police: IndexedSubscription[]): Promise<NewDelivery[]> {
    const { n, radiusM, days } = this.deps.config.alerts.hotspot;
    const now = Date.now();
    const count = countReportsNear(this.deps.mapIndex.index, {
      center: { lat: report.lat, lng: report.lng },
      radiusM,
      sinceMs: now - days * 86_400_000,
    });
    if (count < n) return [];
    // One hotspot per place per window: a place within 2R of an announced hotspot is the same hotspot.
    const window = Math.floor(now / (days * 86_400_000));
    const known = (await HotspotModel.find({ forceId: report.forceId, window }).lean()).find(
      (h) => distanceM(h.lat, h.lng, report.lat, report.lng) <= 2 * radiusM,
    );
    const g6 = geohash(report.lat, report.lng, 6);
    const hotspotId = known?._id ?? `${report.forceId}:${g6}:${window}`;
    if (!known) {
      try {
        await HotspotModel.create({
          _id: hotspotId,
          forceId: report.forceId,
          window,
          lat: report.lat,
          lng: report.lng,
          count,
          at: new Date(),
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    // Keys per (subscription, hotspot): re-running never announces the same hotspot twice.
    return police.map((s) => ({
      key: `hotspot:${s.id}:${hotspotId}`,
      mayRepeat: true,
      kind: 'hotspot' as const,
      subscriptionId: s.id,
      userId: s.userId,
      to: s.email,
      // An announced hotspot keeps the count it was announced with: a later report re-records the same message.
      email: hotspotEmail({
        count: known?.count ?? count,
        radiusM,
        days,
        g6,
        link: `${this.publicUrl}/police?report=${String(report._id)}`,
      }),
    }));
  }

  /** Released by police: a property-specific notice to the owners of the property the report is about. */
  async onReportUpdated(report: StoredReport, changes: string[]): Promise<number> {
    if (!changes.includes('ownerAlert') || report.ownerAlert !== 'released' || report.status === 'rejected') return 0;
    await this.ensureLoaded();
    const reportId = String(report._id);
    const propertyId = report.propertyId ? String(report.propertyId) : null;
    const out: NewDelivery[] = [];
    for (const s of this.index.all()) {
      if (s.audience !== 'owner' || s.kind !== 'property' || !s.center) continue;
      const same =
        (propertyId !== null && s.propertyId === propertyId) ||
        distanceM(s.center.lat, s.center.lng, report.lat, report.lng) <= SAME_PROPERTY_M;
      if (!same) continue;
      out.push({
        key: `released:${s.id}:${reportId}`,
        kind: 'property',
        mayRepeat: true,
        subscriptionId: s.id,
        userId: s.userId,
        to: s.email,
        queued: s.mode === 'daily',
        email: ownerReleasedEmail({ address: s.label, indicators: report.indicators, propertyType: report.propertyType }),
      });
    }
    return this.record(out);
  }

  // ---------- advisories ----------

  private advisoryTargets(user: AuthUser, polygon: Point[]) {
    const ring = this.ring(polygon);
    this.forceCheck(ring, user.forceId);
    const byUser = new Map<string, IndexedSubscription>();
    for (const s of this.index.matchArea(ring, bboxOf(ring))) {
      if (s.audience === 'owner' && !byUser.has(s.userId)) byUser.set(s.userId, s);
    }
    return { ring, targets: [...byUser.values()] };
  }

  /** How many owners an advisory to this area would reach (one message per owner). */
  async previewAdvisory(user: AuthUser, polygon: Point[]): Promise<number> {
    await this.ensureLoaded();
    return this.advisoryTargets(user, polygon).targets.length;
  }

  async createAdvisory(user: AuthUser, input: AdvisoryCreate): Promise<AdvisoryView> {
    await this.ensureLoaded();
    const { ring, targets } = this.advisoryTargets(user, input.polygon);
    const force = await this.deps.forces.get(user.forceId!);
    const adv = await AdvisoryModel.create({
      forceId: force._id,
      byUserId: new Types.ObjectId(user.id),
      polygon: ring,
      subject: input.subject,
      body: input.body,
      recipients: targets.length,
    });
    const email = advisoryEmail({ subject: input.subject, body: input.body, forceName: force.name });
    await this.record(
      targets.map((s) => ({
        key: `advisory:${String(adv._id)}:${s.userId}`,
        kind: 'advisory' as const,
        subscriptionId: s.id,
        userId: s.userId,
        to: s.email,
        email,
      })),
    );
    return presentAdvisory(adv.toObject());
  }

  async listAdvisories(user: AuthUser): Promise<AdvisoryView[]> {
    const list = await AdvisoryModel.find({ forceId: user.forceId ?? '' })
      .sort({ createdAt: -1 })
      .limit(50)
      .lean();
    return list.map(presentAdvisory);
  }

  /** What this user was sent (or will get in a digest). */
  async mine(userId: string): Promise<AlertView[]> {
    const list = (await DeliveryModel.find({
      userId: new Types.ObjectId(userId),
      kind: trusted({ $ne: 'confirm' }),
      status: trusted({ $in: ['sent', 'queued', 'digested', 'pending', 'sending'] }),
    })
      .sort({ createdAt: -1 })
      .limit(100)
      .lean()) as StoredDelivery[];
    return Promise.all(
      list.map(async (d) => {
        const state = await deliveryState(d);
        return {
          id: String(d._id),
          kind: d.kind,
          subject: d.subject,
          text: (await bodyOf(d, this.bodies))?.text ?? '',
          status: state.state,
          createdAt: new Date(d.createdAt).toISOString(),
          sentAt: state.state === 'sent' && state.at ? new Date(state.at).toISOString() : null,
        };
      }),
    );
  }
}

function presentAdvisory(a: {
  _id: unknown;
  subject: string;
  body: string;
  polygon: Point[];
  recipients: number;
  createdAt: Date;
}): AdvisoryView {
  return {
    id: String(a._id),
    subject: a.subject,
    body: a.body,
    polygon: a.polygon.map(({ lat, lng }) => ({ lat, lng })),
    recipients: a.recipients,
    createdAt: new Date(a.createdAt).toISOString(),
  };
}
