import { Types } from 'mongoose';
import { ALERT_LIMITS, type PropertyCreate, type PropertyUpdate, type PropertyView } from '../../shared/schemas/alerts';
import type { PropertyType } from '../../shared/taxonomy';
import { readById, updateVersioned } from '../db/versioned';
import { cellKeys } from '../geo/geohash';
import { errors } from '../http/errors';
import { ownedBy } from '../http/policy';
import { asObjectId, closedAccount, eachLimited, IdList } from './id-list';
import { type Property, PropertyModel } from './property.model';
import { presentProperty } from './property.presenter';
import { type GridProperty, PropertyGrid } from './property-grid';
import { bumpPropertyVersion, currentPropertyVersion } from './property-version.model';
import { type StoredVerification, verificationOf } from './verification';
import { type ForceLookup, VerificationService } from './verification.service';

/** How often the background check compares the shared version counter (other instances, the seed script). */
const VERSION_CHECK_MS = 5_000;
/** The background repair of the owner lists starts this long after the server. */
const REPAIR_DELAY_MS = 30_000;
/** Point deletes in flight at once when an account's properties go. */
const DELETE_LANES = 8;

type StoredProperty = Property & { _id: Types.ObjectId; rev?: number };

function gridEntry(p: Pick<Property, 'ownerId' | 'lat' | 'lng' | 'type'> & { _id: Types.ObjectId }): GridProperty {
  return { id: String(p._id), ownerId: String(p.ownerId), lat: p.lat, lng: p.lng, type: p.type };
}

/** Hook the alerts feature registers: a property moved or was deleted. */
export interface PropertyListener {
  propertyMoved(ownerId: string, propertyId: string, lat: number, lng: number, address: string): Promise<void>;
  propertyDeleted(ownerId: string, propertyId: string): Promise<void>;
}

const propertyColl = () => PropertyModel.collection.collectionName;

/**
 * An owner's (or host's) registered properties: every read and write is scoped to the signed-in owner. Requests
 * touch the database by `_id` only: an owner's property ids are listed in a small versioned document per owner
 * (`ownerproperties`, see id-list.ts), and "which property is this report about" comes from an in-memory grid,
 * loaded at start and kept in step by a background check of a shared version counter.
 */
export class PropertyService {
  /** Ownership verification of these properties (unverified → pending → verified | refused). */
  readonly verification: VerificationService;
  private listener: PropertyListener | null = null;
  private grid = new PropertyGrid();
  private loading: Promise<void> | null = null;
  private version = -1;
  private checkedAt = 0;
  private checking = false;
  private readonly owners = new IdList('ownerproperties', {
    limit: ALERT_LIMITS.propertiesPerUser,
    full: () => errors.conflict(`At most ${ALERT_LIMITS.propertiesPerUser} properties per account`),
    exists: async (id) => {
      const _id = asObjectId(id);
      return !!_id && !!(await readById(propertyColl(), _id));
    },
  });

  /** `forces` says which force area a property is in (its verification queue, and which officers may post letters). */
  constructor(opts: { forces?: ForceLookup } = {}) {
    this.verification = new VerificationService(opts.forces ?? null);
  }

  setListener(l: PropertyListener): void {
    this.listener = l;
  }

  /** The nearest registered property of `type` within `radiusM`, from the in-memory grid (loaded at start). */
  async nearest(lat: number, lng: number, type: PropertyType, radiusM: number): Promise<string | null> {
    await this.ready();
    return this.grid.nearest(lat, lng, type, radiusM);
  }

  /**
   * Loads the grid if it never was. The server awaits this before it listens, so no request pays for the scan;
   * a script or test that skips it gets the load on its first lookup.
   */
  async ready(): Promise<void> {
    this.loading ??= this.reload().catch((err) => {
      this.loading = null;
      throw err;
    });
    await this.loading;
  }

  /** Reloads the grid when the shared version counter moved past the one it was loaded at; true if it did. */
  async reloadIfChanged(): Promise<boolean> {
    this.checkedAt = Date.now();
    if ((await currentPropertyVersion()) === this.version) return false;
    await this.reload();
    return true;
  }

  /** Background work (never on a request): the version check, and owner lists repaired after a reload. */
  startBackground(onError: (err: unknown, task: string) => void): () => void {
    const repair = () => this.repairOwnerLists().catch((err) => onError(err, 'property-owner-lists'));
    // After the start has settled: on data from before the lists (or seeded) this is one versioned write per owner.
    const first = setTimeout(() => void this.ready().then(repair, (err) => onError(err, 'property-grid')), REPAIR_DELAY_MS);
    first.unref();
    const t = setInterval(() => {
      if (this.checking || Date.now() - this.checkedAt < VERSION_CHECK_MS) return;
      this.checking = true;
      this.reloadIfChanged()
        .then(
          (reloaded) => (reloaded ? repair() : undefined),
          (err) => onError(err, 'property-grid'),
        )
        .finally(() => {
          this.checking = false;
        });
    }, VERSION_CHECK_MS);
    t.unref();
    return () => {
      clearTimeout(first);
      clearInterval(t);
    };
  }

  /** Scans every property (background: start, or a change made elsewhere). */
  private async reload(): Promise<void> {
    const version = await currentPropertyVersion();
    const rows = await PropertyModel.find({}, { ownerId: 1, lat: 1, lng: 1, type: 1 }).lean();
    const grid = new PropertyGrid();
    for (const p of rows) grid.put(gridEntry(p));
    this.grid = grid;
    this.version = version;
    this.checkedAt = Date.now();
  }

  /**
   * Background repair of the owner lists from the grid: properties written straight into the collection (the seed
   * script, data from before the lists) are listed; properties left behind by an account deletion that stopped
   * midway (the owner's list is closed) are deleted. Scans the lists; point writes only where something is amiss.
   */
  async repairOwnerLists(): Promise<{ listed: number; removed: number }> {
    const lists = await this.owners.scanAll();
    const byOwner = new Map<string, string[]>();
    for (const p of this.grid.entries()) {
      const list = lists.get(p.ownerId);
      if (list && !list.closed && list.ids.includes(p.id)) continue;
      byOwner.set(p.ownerId, [...(byOwner.get(p.ownerId) ?? []), p.id]);
    }
    let listed = 0;
    let removed = 0;
    for (const [owner, ids] of byOwner) {
      const orphans = await this.owners.adopt(owner, ids);
      listed += ids.length - orphans.length;
      for (const id of orphans) {
        const _id = asObjectId(id);
        if (_id) await PropertyModel.deleteOne({ _id });
        removed++;
      }
      if (orphans.length) {
        await this.changed((grid) => {
          for (const id of orphans) grid.remove(id);
        });
      }
    }
    return { listed, removed };
  }

  /** After a write of ours: count it, and apply it to the grid; a write by someone else in between means reload. */
  private async changed(apply: (grid: PropertyGrid) => void): Promise<void> {
    apply(this.grid);
    const version = await bumpPropertyVersion();
    if (version === this.version + 1) this.version = version;
    else this.checkedAt = 0;
  }

  /** The routes' views of list, get, create and update (property.presenter.ts). */
  async listView(ownerId: string): Promise<PropertyView[]> {
    return (await this.list(ownerId)).map(presentProperty);
  }
  async getView(ownerId: string, id: string): Promise<PropertyView> {
    return presentProperty(await this.get(ownerId, id));
  }
  async createView(ownerId: string, input: PropertyCreate): Promise<PropertyView> {
    return presentProperty(await this.create(ownerId, input));
  }
  async updateView(ownerId: string, id: string, input: PropertyUpdate): Promise<PropertyView> {
    return presentProperty(await this.update(ownerId, id, input));
  }

  /** The owner's properties, oldest first: the listed ids read one by one (a create still under way is skipped). */
  async list(ownerId: string): Promise<StoredProperty[]> {
    const ids = (await this.owners.ids(ownerId)).map(asObjectId).filter((id) => id !== null);
    const found = (await Promise.all(ids.map((id) => PropertyModel.findById(id).lean()))) as Array<StoredProperty | null>;
    return found
      .filter((p): p is StoredProperty => !!p && ownedBy(ownerId, p))
      .sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
  }

  /** Any owner's property by id (police views); null when there is none. */
  async find(id: string): Promise<StoredProperty | null> {
    const _id = asObjectId(id);
    return _id ? ((await PropertyModel.findById(_id).lean()) as StoredProperty | null) : null;
  }

  async get(ownerId: string, id: string): Promise<StoredProperty> {
    const _id = asObjectId(id);
    const p = _id && (await PropertyModel.findById(_id).lean());
    if (!p || !ownedBy(ownerId, p)) throw errors.notFound('Property');
    return p;
  }

  /**
   * Lists the new id in the owner's list first (the limit is checked there, so concurrent registrations cannot
   * pass it together), then inserts the property, then checks the list is still open (an account deletion that
   * closed it meanwhile has not seen this property: it is deleted again).
   */
  async create(ownerId: string, input: PropertyCreate): Promise<StoredProperty> {
    const _id = new Types.ObjectId();
    const id = String(_id);
    await this.owners.add(ownerId, id);
    let created: StoredProperty;
    try {
      const doc = await PropertyModel.create({
        _id,
        ownerId: new Types.ObjectId(ownerId),
        address: input.address,
        lat: input.lat,
        lng: input.lng,
        cells: cellKeys(input.lat, input.lng),
        type: input.type,
        listingUrl: input.listingUrl ?? null,
      });
      created = doc.toObject();
    } catch (err) {
      await this.owners.remove(ownerId, id).catch(() => undefined);
      throw err;
    }
    if (!(await this.owners.holds(ownerId, id))) {
      await PropertyModel.deleteOne({ _id });
      throw closedAccount();
    }
    await this.changed((grid) => grid.put(gridEntry(created)));
    return created;
  }

  /**
   * A versioned change of the property document (two concurrent edits both land on FerretDB too). Moving the
   * property or changing its address sets its verification back to unverified: what was checked was another place.
   */
  async update(ownerId: string, id: string, input: PropertyUpdate): Promise<StoredProperty> {
    const existing = await this.get(ownerId, id);
    let moved = false;
    let resetFrom = null as StoredVerification | null;
    const updated = await updateVersioned<StoredProperty>(
      propertyColl(),
      existing._id,
      (cur) => {
        if (!cur || !ownedBy(ownerId, cur)) return null;
        const now = new Date();
        const set: Record<string, unknown> = { updatedAt: now };
        if (input.address !== undefined) set.address = input.address;
        if (input.type !== undefined) set.type = input.type;
        if (input.listingUrl !== undefined) set.listingUrl = input.listingUrl;
        if (input.lat !== undefined && input.lng !== undefined) {
          moved = input.lat !== cur.lat || input.lng !== cur.lng;
          set.lat = input.lat;
          set.lng = input.lng;
          set.cells = cellKeys(input.lat, input.lng);
        }
        resetFrom = null;
        if (moved || (input.address !== undefined && input.address !== cur.address)) {
          const reset = this.verification.resetFor(verificationOf(cur));
          if (reset) {
            resetFrom = verificationOf(cur);
            set.verification = reset;
          }
        }
        return set;
      },
      { conflictMessage: 'The property changed meanwhile; please try again' },
    );
    if (!updated) throw errors.notFound('Property');
    const now = updated;
    if (resetFrom) await this.verification.afterReset(ownerId, id, resetFrom);
    await this.changed((grid) => grid.put(gridEntry(now)));
    if (moved || input.address !== undefined) await this.listener?.propertyMoved(ownerId, id, now.lat, now.lng, now.address);
    return now;
  }

  /**
   * The property, then its subscriptions (after, so that a subscription created meanwhile is either seen here or
   * finds the property gone: see AlertsService.create), then its place in the owner's list.
   */
  async remove(ownerId: string, id: string): Promise<void> {
    const existing = await this.get(ownerId, id);
    await PropertyModel.deleteOne({ _id: existing._id });
    await this.verification.afterDelete(existing, id);
    await this.listener?.propertyDeleted(ownerId, id);
    await this.owners.remove(ownerId, id);
    await this.changed((grid) => grid.remove(id));
  }

  /** Account deletion: closes the owner's list (no property can be added any more) and deletes what it listed. */
  async removeAllFor(ownerId: string): Promise<void> {
    const ids = await this.owners.close(ownerId);
    const _ids = ids.map(asObjectId).filter((id) => id !== null);
    await eachLimited(_ids, DELETE_LANES, (_id) => PropertyModel.deleteOne({ _id }));
    await this.changed((grid) => grid.removeOwner(ownerId));
  }
}
