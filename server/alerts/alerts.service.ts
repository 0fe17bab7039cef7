import { randomInt } from 'node:crypto';
import { Types } from 'mongoose';
import { circleBBox } from '../../shared/geo';
import type { AdvisoryCreate, AdvisoryView, AlertView, SubscriptionCreate, SubscriptionView } from '../../shared/schemas/alerts';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import type { VerificationStatus } from '../../shared/schemas/verification';
import type { AuthUser } from '../accounts/session.types';
import type { Config } from '../config';
import { isDuplicateKey } from '../db/errors';
import { insertNew } from '../db/insert';
import { appendLog, readLog } from '../db/paged-log';
import { deleteVersioned, readById, updateVersioned, VersionConflict } from '../db/versioned';
import type { EventBus, StoredReport } from '../events';
import type { ForceService } from '../forces/forces.service';
import { distanceM, geohash, geohashCellSizeM } from '../geo/geohash';
import { type BBox, bboxOf, type Point } from '../geo/polygon';
import { normaliseRing } from '../geo/shapes';
import { errors } from '../http/errors';
import { ownedBy, seesForce } from '../http/policy';
import type { Logger } from '../logger';
import type { MapIndex } from '../map/map-index';
import { asObjectId, closedAccount, eachLimited, IdList } from '../properties/id-list';
import type { PropertyListener, PropertyService } from '../properties/properties.service';
import { presentAdvisory, presentAlert, presentSubscription } from './alerts.presenter';
import { BodyCache } from './bodies';
import { AdvisoryModel, DeliveryModel, type Hotspot, HotspotModel, type StoredDelivery } from './delivery.model';
import { allHistoryIds, db, deleteHistory, historyWriter, readHistory } from './history';
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
import { type StoredSubscription, SubscriptionModel, USER_SUBSCRIPTIONS } from './subscription.model';
import { type IndexedSubscription, SubscriptionIndex } from './subscription-index';
import { CONFIRM_TTL_MS, newTokenVersion, resolveTokenSecret, TokenSigner } from './tokens';
import { DeliveryWorker, smtpFromConfig } from './worker';

/** Owners' area notices count reports in the same grid square over this many days. */
const AREA_COUNT_DAYS = 90;
/** Area notices already recorded, `<g6>:<window>:<batch>` (claimed by insert; see ownerAreaDeliveries). */
const AREA_NOTICES = 'areanotices';
/** Each owner's or host's alert areas drawn in the last week: `{_id: userId, at: Date[]}`, versioned. */
const AREA_DRAWS = 'alertareadraws';
const WEEK_MS = 7 * 86_400_000;
/** A released report is "about" a property registered within this distance (or linked by id). */
const SAME_PROPERTY_M = 30;
/** Largest area an owner may draw (degrees of latitude/longitude, about 20 km). */
const OWNER_AREA_MAX_DEG = 0.3;
/** Point deletes in flight at once (account deletion). */
const DELETE_LANES = 8;
/** Sent alerts shown in "my alerts". */
const MINE_LIMIT = 100;
/** Background repair of the subscription lists starts this long after the server. */
const REPAIR_DELAY_MS = 30_000;
/** Account deletions whose background purge (stragglers another instance recorded meanwhile) is pending. */
const ALERT_PURGES = 'alertpurges';
/** The purge runs this many times, the later run after PURGE_AGAIN_MS (catches deliveries recorded meanwhile). */
const PURGE_RUNS = 2;
const PURGE_AGAIN_MS = 10 * 60_000;

/** A force's advisories, newest first: a paged log of advisory ids. */
const advisoryLogKey = (forceId: string) => `advisories:${forceId}`;
const subscriptionColl = () => SubscriptionModel.collection.collectionName;
const byCreatedAt = (a: { createdAt: Date }, b: { createdAt: Date }) =>
  new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime();

interface Purge {
  _id: string;
  dueAt: Date;
  runs: number;
}

/**
 * Geohash precision and cell size (degrees) of hotspot keys: the finest whose cells are at least `spanM` across at
 * latitude `lat`, so every hotspot within `spanM` of a point lies in the point's cell or one of its 8 neighbours.
 */
function hotspotCells(lat: number, lng: number, spanM: number): string[] {
  let precision = 6;
  for (; precision > 2; precision--) {
    const { heightM, widthM } = geohashCellSizeM(precision, lat);
    if (Math.min(heightM, widthM) >= spanM) break;
  }
  const bits = 5 * precision;
  const dLat = 180 / 2 ** Math.floor(bits / 2);
  const dLng = 360 / 2 ** Math.ceil(bits / 2);
  const cells = new Set<string>();
  for (const a of [-dLat, 0, dLat]) {
    for (const b of [-dLng, 0, dLng])
      cells.add(geohash(Math.max(-90, Math.min(90, lat + a)), ((lng + b + 540) % 360) - 180, precision));
  }
  return [geohash(lat, lng, precision), ...[...cells].filter((c) => c !== geohash(lat, lng, precision))];
}

const invalidLink = () => errors.invalid('This link is invalid, expired or was already used');

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
  /** Area notices known to be recorded (spares the read by `_id` for later reports of the same batch). */
  private readonly noticesClaimed = new Set<string>();
  /** Each user's subscription ids (the limit is checked there; closed when the account is deleted). */
  private readonly lists = new IdList(USER_SUBSCRIPTIONS, {
    limit: ALERT_LIMITS.subscriptionsPerUser,
    full: () => errors.conflict(`At most ${ALERT_LIMITS.subscriptionsPerUser} alerts per account`),
    exists: async (id) => {
      const _id = asObjectId(id);
      return !!_id && !!(await readById(subscriptionColl(), _id));
    },
  });

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

  /**
   * Loads the index once. The server awaits this before it listens, so no request pays for the scan; tests and
   * scripts that skip it get the load on first use.
   */
  ensureLoaded(): Promise<void> {
    this.loading ??= this.reload().catch((err) => {
      this.loading = null;
      throw err;
    });
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

  /** Reconcile with the database (other app instances change subscriptions too). Background: it scans. */
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

  /**
   * Periodic work: index reconcile, history work left by a crash, account purges, and the in-process delivery
   * worker unless WORKER_IN_PROCESS=false. Once after the index is loaded: the subscription lists are repaired.
   */
  startBackground(): () => Promise<void> {
    const running = new Set<string>();
    const task = (name: string, fn: () => Promise<unknown>) => {
      if (running.has(name)) return;
      running.add(name);
      fn()
        .catch((err) => this.deps.logger.warn({ err, task: name }, 'background task failed'))
        .finally(() => running.delete(name));
    };
    const t = setInterval(() => {
      task('subscription-index', () => this.reloadIfChanged());
      task('alert-history', () => historyWriter.sweep());
      task('alert-purges', () => this.sweepPurges());
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
        },
        { leaseMs: this.deps.config.alerts.leaseMs, retryBaseMs: this.deps.config.alerts.retryBaseMs },
      );
      this.worker.start();
    } else if (!smtp) {
      this.deps.logger.warn('SMTP is not configured: alerts are recorded but not sent');
    }
    // After the start has settled: on data from before the lists this is one versioned write per user.
    const repair = setTimeout(() => {
      task('subscription-lists', async () => {
        await this.ensureLoaded();
        const { listed, removed } = await this.repairLists();
        if (listed || removed) this.deps.logger.info({ listed, removed }, 'subscription lists repaired');
      });
    }, REPAIR_DELAY_MS);
    repair.unref();
    return () => {
      clearInterval(t);
      clearTimeout(repair);
      const worker = this.worker;
      this.worker = null;
      // Awaited by shutdown: the worker finishes its sends and stores their results before the database closes.
      return worker?.stop() ?? Promise.resolve();
    };
  }

  private async record(list: NewDelivery[]): Promise<number> {
    if (!list.length) return 0;
    const recorded = await recordDeliveries(list, (work) => this.worker?.enqueue(work));
    return recorded.deliveries.length;
  }

  // ---------- subscriptions ----------

  /** Police draw only inside their force: every corner of the area passes the policy's sameForce rule. */
  private forceCheck(ring: Point[], user: AuthUser): void {
    if (ring.some((p) => !seesForce(user, this.deps.forces.locator.locate(p.lat, p.lng)))) {
      throw errors.outsideForceArea(400, 'The area must lie inside your force area');
    }
  }

  private ring(points: Point[]): Point[] {
    const r = normaliseRing(points);
    if ('error' in r) throw errors.invalid(r.error, 'body.polygon');
    return r.ring;
  }

  /** `create`, as the API shows the new subscription. */
  async createView(user: AuthUser, input: SubscriptionCreate): Promise<SubscriptionView> {
    return presentSubscription(await this.create(user, input));
  }

  /**
   * Checks the input, lists the new id in the user's list (the limit is checked there, so concurrent requests cannot
   * pass it together), inserts the subscription, then checks that neither the account deletion (the list closed)
   * nor the property's deletion happened meanwhile without seeing it, and records the confirmation email.
   */
  async create(user: AuthUser, input: SubscriptionCreate) {
    const userId = new Types.ObjectId(user.id);
    const police = user.role === 'police' || user.role === 'police_admin';
    let doc: Record<string, unknown>;
    let what: string;
    if (input.kind === 'property') {
      if (police) throw errors.invalid('Police subscribe to areas');
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
      if (police) this.forceCheck(ring, user);
      else if (bbox[2] - bbox[0] > OWNER_AREA_MAX_DEG || bbox[3] - bbox[1] > OWNER_AREA_MAX_DEG) {
        throw errors.invalid('The area is too large; draw an area of at most about 20 km across');
      }
      doc = { kind: 'area', label: police ? 'your police alert area' : 'the area you drew', polygon: ring, bbox: bboxDoc(bbox) };
      what = police ? 'an area of your force' : 'an area you drew on the map';
    }
    const _id = new Types.ObjectId();
    const id = String(_id);
    await this.lists.add(user.id, id);
    if (!police && input.kind === 'area') {
      await this.takeAreaAllowance(user.id).catch(async (err) => {
        await this.lists.remove(user.id, id).catch(() => undefined);
        throw err;
      });
    }
    const undo = async (err: unknown): Promise<never> => {
      await SubscriptionModel.deleteOne({ _id }).catch(() => undefined);
      await this.lists.remove(user.id, id).catch(() => undefined);
      throw err;
    };
    const sub = await SubscriptionModel.create({
      ...doc,
      _id,
      userId,
      email: user.email,
      audience: police ? 'police' : 'owner',
      mode: input.mode,
      minPriority: police ? (input.kind === 'area' ? (input.minPriority ?? 'standard') : 'standard') : null,
      forceId: police ? user.forceId : null,
      // Staff accounts are made by their force's admin with a work address: no email round trip (issue 13).
      status: police ? 'confirmed' : 'pending',
      confirmedAt: police ? new Date() : null,
      tokenVersion: newTokenVersion(),
    }).catch(undo);
    if (!(await this.lists.holds(user.id, id))) await undo(closedAccount());
    // A property deleted meanwhile walked its subscriptions after it was gone, so it either saw this one or we see it gone.
    if (input.kind === 'property' && !(await this.deps.properties.get(user.id, input.propertyId).catch(() => null))) {
      await undo(errors.notFound('Property'));
    }
    if (police) {
      const stored = sub.toObject() as StoredSubscription;
      this.reindex(stored, id);
      return stored;
    }
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

  /** The user's subscriptions as the API shows them. */
  async listViews(userId: string): Promise<SubscriptionView[]> {
    return (await this.list(userId)).map(presentSubscription);
  }

  /** The user's subscriptions, oldest first: the listed ids read one by one (a create under way is skipped). */
  async list(userId: string): Promise<StoredSubscription[]> {
    const ids = (await this.lists.ids(userId)).map(asObjectId).filter((id) => id !== null);
    const found = (await Promise.all(ids.map((id) => SubscriptionModel.findById(id).lean()))) as Array<StoredSubscription | null>;
    return found.filter((s): s is StoredSubscription => !!s && ownedBy(userId, s)).sort(byCreatedAt);
  }

  async remove(userId: string, id: string): Promise<void> {
    const _id = asObjectId(id);
    const sub = _id && (await SubscriptionModel.findById(_id).lean());
    if (!sub || !ownedBy(userId, sub)) throw errors.notFound('Subscription');
    await SubscriptionModel.deleteOne({ _id: sub._id });
    await this.lists.remove(userId, id);
    this.index.remove(id);
  }

  /** A versioned change of one subscription (confirm, unsubscribe and a property move never overwrite each other). */
  private async changeSub(
    id: Types.ObjectId,
    mutate: (cur: StoredSubscription) => Record<string, unknown> | null,
  ): Promise<StoredSubscription | null> {
    try {
      return await updateVersioned<StoredSubscription & { rev?: number }>(subscriptionColl(), id, (cur) => {
        const set = cur && mutate(cur);
        return set ? { ...set, updatedAt: new Date() } : null;
      });
    } catch (err) {
      if (err instanceof VersionConflict) throw errors.conflict('The subscription changed meanwhile; please try again');
      throw err;
    }
  }

  /** What a confirm/unsubscribe link refers to, without changing anything (for the GET pages). */
  async inspect(token: string, purpose: 'c' | 'u'): Promise<StoredSubscription> {
    const claims = this.tokens.verify(token, purpose);
    if (!claims) throw invalidLink();
    const _id = asObjectId(claims.subscriptionId);
    const sub = _id && ((await SubscriptionModel.findById(_id).lean()) as StoredSubscription | null);
    if (!sub || sub.tokenVersion !== claims.version) throw invalidLink();
    if (purpose === 'c' && sub.status === 'unsubscribed') throw invalidLink();
    return sub;
  }

  async confirm(token: string): Promise<StoredSubscription> {
    const sub = await this.inspect(token, 'c');
    const fresh =
      sub.status === 'pending'
        ? await this.changeSub(sub._id, (cur) =>
            cur.status === 'pending' && cur.tokenVersion === sub.tokenVersion
              ? { status: 'confirmed', confirmedAt: new Date() }
              : null,
          )
        : sub;
    this.reindex(fresh, String(sub._id));
    if (fresh?.status !== 'confirmed') throw invalidLink();
    return fresh;
  }

  /** One-click unsubscribe: ends the subscription and revokes every earlier link by changing its version. */
  async unsubscribe(token: string): Promise<StoredSubscription> {
    const sub = await this.inspect(token, 'u');
    await this.changeSub(sub._id, (cur) =>
      cur.tokenVersion === sub.tokenVersion ? { status: 'unsubscribed', tokenVersion: newTokenVersion() } : null,
    );
    this.index.remove(String(sub._id));
    return sub;
  }

  // ---------- property changes ----------

  /** A property's subscriptions are among its owner's: their list is walked (at most 20 point reads). */
  private async subscriptionsOfProperty(ownerId: string, propertyId: string): Promise<StoredSubscription[]> {
    return (await this.list(ownerId)).filter((s) => s.propertyId !== null && String(s.propertyId) === propertyId);
  }

  async propertyMoved(ownerId: string, propertyId: string, lat: number, lng: number, address: string): Promise<void> {
    for (const s of await this.subscriptionsOfProperty(ownerId, propertyId)) {
      const moved = await this.changeSub(s._id, (cur) => ({
        center: { lat, lng },
        label: address,
        bbox: bboxDoc(circleBBox(lat, lng, cur.radiusM ?? 0)),
      }));
      this.reindex(moved, String(s._id));
    }
  }

  /** Called after the property is deleted (see create for why that order). */
  async propertyDeleted(ownerId: string, propertyId: string): Promise<void> {
    for (const s of await this.subscriptionsOfProperty(ownerId, propertyId)) {
      await SubscriptionModel.deleteOne({ _id: s._id });
      this.index.remove(String(s._id));
      await this.lists.remove(ownerId, String(s._id));
    }
  }

  /**
   * Account deletion: the subscription list is closed first (nothing can be added), then every listed subscription
   * and every delivery in the user's history (addresses; bodies are shared by all recipients of a message) is
   * deleted by `_id`. A delivery this process records for the account afterwards is deleted by the history writer;
   * a background purge repeats the job by `userId` twice (after a minute and after ten), for stragglers from other
   * instances.
   */
  async removeAllFor(userId: string): Promise<void> {
    const subs = (await this.lists.close(userId)).map(asObjectId).filter((id) => id !== null);
    await eachLimited(subs, DELETE_LANES, async (_id) => {
      await SubscriptionModel.deleteOne({ _id });
      this.index.remove(String(_id));
    });
    historyWriter.forget(userId); // what this process records for the account from now on is deleted, not listed
    await historyWriter.settled(userId, 10_000);
    const deliveries = (await allHistoryIds(userId)).map(asObjectId).filter((id) => id !== null);
    await eachLimited(deliveries, DELETE_LANES, (_id) => DeliveryModel.deleteOne({ _id }));
    await deleteHistory(userId);
    await deleteVersioned(AREA_DRAWS, userId);
    const purge: Purge = { _id: userId, dueAt: new Date(Date.now() + 60_000), runs: 0 };
    await insertNew(db().collection<Purge>(ALERT_PURGES), [purge]);
  }

  /**
   * Background: the pending account purges that are due, in one scan of deliveries and one of subscriptions by
   * `userId` (reads; each match is deleted by `_id`). Never on a request.
   */
  async sweepPurges(now = new Date()): Promise<number> {
    const purges = db().collection<Purge>(ALERT_PURGES);
    const due = await purges
      .find({ dueAt: { $lte: now } })
      .limit(100)
      .toArray();
    if (!due.length) return 0;
    const users = due.map((p) => asObjectId(p._id)).filter((id) => id !== null);
    const ids = async (coll: string) =>
      (
        await db()
          .collection(coll)
          .find({ userId: { $in: users } }, { projection: { _id: 1 }, batchSize: 1000 })
          .toArray()
      ).map((d) => d._id as Types.ObjectId);
    const deliveries = await ids(DeliveryModel.collection.collectionName);
    await eachLimited(deliveries, DELETE_LANES, (_id) => DeliveryModel.deleteOne({ _id }));
    const subs = await ids(subscriptionColl());
    await eachLimited(subs, DELETE_LANES, async (_id) => {
      await SubscriptionModel.deleteOne({ _id });
      this.index.remove(String(_id));
    });
    for (const p of due) {
      if (p.runs + 1 >= PURGE_RUNS) await purges.deleteOne({ _id: p._id });
      else
        await purges.updateOne({ _id: p._id }, { $set: { runs: p.runs + 1, dueAt: new Date(now.getTime() + PURGE_AGAIN_MS) } });
    }
    return deliveries.length + subs.length;
  }

  /**
   * Background, once after start: lists subscriptions missing from their user's list (inserted by a script, not
   * through `create`) and deletes those of accounts whose deletion stopped midway. Scans.
   */
  async repairLists(): Promise<{ listed: number; removed: number }> {
    const lists = await this.lists.scanAll();
    const byUser = new Map<string, string[]>();
    const cursor = db()
      .collection(subscriptionColl())
      .find({}, { projection: { userId: 1 }, batchSize: 1000 });
    for await (const s of cursor) {
      const user = String(s.userId);
      const id = String(s._id);
      const list = lists.get(user);
      if (list && !list.closed && list.ids.includes(id)) continue;
      byUser.set(user, [...(byUser.get(user) ?? []), id]);
    }
    let listed = 0;
    let removed = 0;
    for (const [user, ids] of byUser) {
      const orphans = (await this.lists.adopt(user, ids)).map(asObjectId).filter((id) => id !== null);
      listed += ids.length - orphans.length;
      for (const _id of orphans) {
        await SubscriptionModel.deleteOne({ _id });
        this.index.remove(String(_id));
        removed++;
      }
    }
    return { listed, removed };
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
    const owners = matches.filter((s) => s.audience === 'owner');
    let notice: string | null = null;
    if (!safeguarding && owners.length) {
      const area = await this.ownerAreaDeliveries(g6, owners);
      if (area) {
        out.push(...area.deliveries);
        notice = area.notice;
      }
    }
    if (police.length) out.push(...(await this.hotspotDeliveries(report, police)));
    const recorded = await this.record(out);
    // After the deliveries: a crash in between leaves the notice unclaimed, and the next report records it (same keys).
    if (notice) await this.claimAreaNotice(notice);
    return recorded;
  }

  /**
   * Owner area notices (issue 11 item 2), so that no notice points at one report: one notice per `minReports`
   * reports in the grid square within a fixed window (`<g6>:<window>:<batch>`, batch = reports in the window divided
   * by `minReports`), each sent after a random delay and naming only the square and the count. Counted in the
   * in-memory report index; at most one read by `_id` per report (has this notice been recorded?), none per owner.
   */
  private async ownerAreaDeliveries(
    g6: string,
    owners: IndexedSubscription[],
  ): Promise<{ notice: string; deliveries: NewDelivery[] } | null> {
    const { minReports, windowDays, delayMinMs, delayMaxMs } = this.deps.config.alerts.ownerNotices;
    const now = Date.now();
    const windowMs = windowDays * 86_400_000;
    const window = Math.floor(now / windowMs);
    // The report itself counts even where the index has not taken it in yet (it is created now, in this square).
    const inWindow = Math.max(1, countReportsNear(this.deps.mapIndex.index, { g6, sinceMs: window * windowMs }));
    const batch = Math.floor(inWindow / minReports);
    if (batch < 1) return null;
    const notice = `${g6}:${window}:${batch}`;
    if (this.noticesClaimed.has(notice) || (await readById(AREA_NOTICES, notice))) {
      this.noticesClaimed.add(notice);
      return null;
    }
    const recentCount = countReportsNear(this.deps.mapIndex.index, { g6, sinceMs: now - AREA_COUNT_DAYS * 86_400_000 });
    const delayMs = delayMaxMs > delayMinMs ? delayMinMs + randomInt(0, delayMaxMs - delayMinMs + 1) : delayMinMs;
    const notBefore = delayMs > 0 ? new Date(now + delayMs) : null;
    // One body for every owner told about this square; each one's area name is filled in when sent.
    const email = ownerAreaEmail({
      g6,
      recentCount: Math.max(minReports, recentCount),
      days: AREA_COUNT_DAYS,
      areaName: placeholder('area'),
      minReports,
      delayed: notBefore !== null,
    });
    return {
      notice,
      deliveries: owners.map((s) => ({
        key: `area:${s.id}:${notice}`,
        kind: 'area' as const,
        subscriptionId: s.id,
        userId: s.userId,
        to: s.email,
        queued: s.mode === 'daily',
        notBefore,
        email,
        fill: { area: s.label },
      })),
    };
  }

  private async claimAreaNotice(notice: string): Promise<void> {
    if (this.noticesClaimed.size > 50_000) this.noticesClaimed.clear();
    this.noticesClaimed.add(notice);
    await insertNew(db().collection<{ _id: string; at: Date }>(AREA_NOTICES), [{ _id: notice, at: new Date() }]);
  }

  /**
   * An owner or host draws at most ALERT_LIMITS.areasPerWeek areas in any 7 days: their draw times in one versioned
   * document (the limit is checked inside the change, so concurrent requests cannot pass it together).
   */
  private async takeAreaAllowance(userId: string): Promise<void> {
    const limit = ALERT_LIMITS.areasPerWeek;
    const now = Date.now();
    await updateVersioned<{ _id: string; rev?: number; at?: Date[] }>(
      AREA_DRAWS,
      userId,
      (cur) => {
        const recent = (cur?.at ?? [])
          .map((d) => new Date(d).getTime())
          .filter((t) => t > now - WEEK_MS)
          .sort((a, b) => a - b);
        if (recent.length >= limit) {
          const waitMs = recent[0]! + WEEK_MS - now;
          const days = Math.max(1, Math.ceil(waitMs / 86_400_000));
          throw errors.rateLimited(
            Math.ceil(waitMs / 1000),
            `You can draw at most ${limit} alert areas a week; you can draw another in ${days} day${days === 1 ? '' : 's'}`,
          );
        }
        return { at: [...recent, now].map((t) => new Date(t)) };
      },
      { attempts: 30, conflictMessage: 'Too many changes at once; please try again' },
    );
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
    // One hotspot per place per window: a place within 2R of an announced hotspot is the same hotspot. Hotspots are
    // keyed by the cell of their first report, cells at least 2R across, so the candidates are this report's cell and
    // its 8 neighbours: at most 9 reads by `_id`.
    const window = Math.floor(now / (days * 86_400_000));
    const cells = hotspotCells(report.lat, report.lng, 2 * radiusM);
    const idOf = (cell: string) => `${report.forceId}:${cell}:${window}`;
    const nearest = (list: Array<Hotspot | null>) =>
      list
        .filter((h): h is Hotspot => !!h && distanceM(h.lat, h.lng, report.lat, report.lng) <= 2 * radiusM)
        .sort((a, b) => distanceM(a.lat, a.lng, report.lat, report.lng) - distanceM(b.lat, b.lng, report.lat, report.lng))[0];
    let known = nearest(await Promise.all(cells.map((c) => HotspotModel.findById(idOf(c)).lean())));
    const g6 = geohash(report.lat, report.lng, 6);
    const hotspotId = known?._id ?? idOf(cells[0]!);
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
        // Another report announced this cell's hotspot a moment ago: it is the one announced, with its count.
        known = nearest([await HotspotModel.findById(hotspotId).lean()]) ?? undefined;
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
    const reportId = String(report._id);
    const out: NewDelivery[] = [];
    // Only verified owners hear about a specific property (issue 11 item 4); the others keep their coarse area notices.
    for (const { subscription: s, verification } of await this.propertyNoticeRecipients(report)) {
      if (verification !== 'verified') continue;
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

  /**
   * The owners' property alerts a release of this report concerns (alerts for the report's property, or for a
   * property registered within SAME_PROPERTY_M of it), each with its property's verification status (one read by
   * `_id` per property). The release tells only the verified ones; the release dialog counts them all.
   */
  async propertyNoticeRecipients(
    report: Pick<StoredReport, 'lat' | 'lng' | 'propertyId'>,
  ): Promise<Array<{ subscription: IndexedSubscription; verification: VerificationStatus }>> {
    await this.ensureLoaded();
    const propertyId = report.propertyId ? String(report.propertyId) : null;
    const candidates = this.index.all().filter((s) => {
      if (s.audience !== 'owner' || s.kind !== 'property' || !s.center || !s.propertyId) return false;
      return (
        (propertyId !== null && s.propertyId === propertyId) ||
        distanceM(s.center.lat, s.center.lng, report.lat, report.lng) <= SAME_PROPERTY_M
      );
    });
    const statuses = await this.deps.properties.verification.statuses(candidates.map((s) => s.propertyId!));
    // A property deleted meanwhile counts as unverified: nobody is told about it.
    return candidates.map((s) => ({ subscription: s, verification: statuses.get(s.propertyId!) ?? 'unverified' }));
  }

  // ---------- advisories ----------

  private advisoryTargets(user: AuthUser, polygon: Point[]) {
    const ring = this.ring(polygon);
    this.forceCheck(ring, user);
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
    // Listed in the force's log before it is stored (the list skips an id whose advisory is missing).
    const _id = new Types.ObjectId();
    await appendLog(advisoryLogKey(force._id), { id: String(_id), at: new Date() });
    const adv = await AdvisoryModel.create({
      _id,
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

  /** The force's 50 newest advisories, from its log (ids) and one read by `_id` each. */
  async listAdvisories(user: AuthUser): Promise<AdvisoryView[]> {
    if (!user.forceId) return [];
    const { items } = await readLog<{ id: string }>(advisoryLogKey(user.forceId), { limit: 50 });
    const ids = items.map((e) => asObjectId(e.id)).filter((id) => id !== null);
    const found = await Promise.all(ids.map((id) => AdvisoryModel.findById(id).lean()));
    return found
      .filter((a) => a !== null && seesForce(user, a.forceId))
      .map((a) => a!)
      .sort((a, b) => byCreatedAt(b, a))
      .map(presentAdvisory);
  }

  /** What this user was sent (or will get in a digest): their history log, then each delivery by `_id`. */
  async mine(userId: string): Promise<AlertView[]> {
    await historyWriter.settled(userId);
    const entries = await readHistory(userId, MINE_LIMIT, (e) => e.k !== 'confirm');
    const ids = entries.map((e) => asObjectId(e.d)).filter((id) => id !== null);
    const found = (await Promise.all(ids.map((id) => DeliveryModel.findById(id).lean()))) as Array<StoredDelivery | null>;
    const now = Date.now();
    const list = found
      .filter(
        (d): d is StoredDelivery =>
          !!d &&
          d.kind !== 'confirm' &&
          String(d.userId) === userId &&
          // An owner area notice waiting for its delay is not shown either (it would tell when the report came).
          !(d.notBefore && new Date(d.notBefore).getTime() > now),
      )
      .sort((a, b) => byCreatedAt(b, a));
    return Promise.all(list.map(async (d) => presentAlert(d, await deliveryState(d), (await bodyOf(d, this.bodies))?.text ?? '')));
  }
}
