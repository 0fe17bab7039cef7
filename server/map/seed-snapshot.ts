import { Types } from 'mongoose';
import { EntityIndex } from '../entities/entity-index';
import type { Logger } from '../logger';
import { MapIndex } from './map-index';
import type { IndexRecord } from './report-index';
import { writeSnapshot } from './snapshot';

/**
 * For `npm run seed`: index the reports the seed inserts as they go by, then write a map index
 * snapshot, so app instances load the seeded million in seconds instead of streaming them.
 *
 *   const snap = await MapSnapshotSeed.open(logger);          // current index: snapshot + log, or a stream
 *   await insertReports(snap.track(generateReports(...)));     // gives each report its _id and indexes it
 *   await snap.save();                                         // one snapshot, captured as of open()
 */
export class MapSnapshotSeed {
  private constructor(
    private readonly mapIndex: MapIndex,
    private readonly openedAt: Date,
    private readonly logger: Logger,
    private readonly entities: EntityIndex,
  ) {}

  static async open(logger: Logger): Promise<MapSnapshotSeed> {
    const openedAt = new Date();
    const mapIndex = new MapIndex(logger);
    const entities = new EntityIndex();
    mapIndex.follow(entities);
    await mapIndex.build();
    return new MapSnapshotSeed(mapIndex, openedAt, logger, entities);
  }

  /** Passes reports through, indexing each one; a report without an `_id` gets a fresh one. */
  *track<T extends Omit<IndexRecord, '_id'> & { _id?: Types.ObjectId }>(
    reports: Iterable<T>,
  ): Generator<T & { _id: Types.ObjectId }> {
    for (const r of reports) {
      const doc = (r._id ? r : { ...r, _id: new Types.ObjectId() }) as T & { _id: Types.ObjectId };
      this.mapIndex.index.append(doc);
      this.entities.upsert(doc);
      yield doc;
    }
  }

  /** Writes the snapshot (changes other instances logged since open() are replayed when it is loaded). */
  async save(): Promise<void> {
    const ix = this.mapIndex.index;
    ix.sortSpatially();
    await writeSnapshot(ix, this.openedAt, this.logger, { sections: { entities: this.entities.encode() } });
  }
}
