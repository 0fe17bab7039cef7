import mongoose, { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports, toReportDocument } from '../../server/demo/insert';
import { EventBus, type StoredReport } from '../../server/events';
import { createLogger } from '../../server/logger';
import { CHANGES, ChangeLog, OVERLAP_MS } from '../../server/map/change-log';
import { MapService } from '../../server/map/map.service';
import { MapIndex, type MapIndexOptions } from '../../server/map/map-index';
import { ReportIndex } from '../../server/map/report-index';
import { decodeIndex, encodeIndex } from '../../server/map/snapshot-codec';
import { claimLease, readHead } from '../../server/map/snapshot';
import { MapSnapshotSeed } from '../../server/map/seed-snapshot';
import { ReportModel } from '../../server/reports/report.model';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';

let app: TestApp;
const quiet = createLogger({ level: 'silent' });
let seedNo = 1000;

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  await insertReports(generateReports(800, { seed: 11, locator: app.services.forces.locator, now: new Date() }));
  await app.services.mapIndex.build();
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

/** Another app instance: its own index and event bus on the same database. */
async function otherInstance(): Promise<{ mapIndex: MapIndex; events: EventBus }> {
  const events = new EventBus(quiet);
  const mapIndex = new MapIndex(quiet, events);
  await mapIndex.build();
  return { mapIndex, events };
}

/** Store a new report and announce it on `events`, as the report service does. */
async function fileReport(events: EventBus): Promise<StoredReport> {
  const [gen] = [...generateReports(1, { seed: seedNo++, locator: app.services.forces.locator })];
  const now = new Date();
  const doc = {
    ...toReportDocument({ ...gen!, forceId: 'sussex', status: 'new', createdAt: now, updatedAt: now }),
    _id: new Types.ObjectId(),
  };
  await ReportModel.collection.insertOne(doc as never);
  const report = doc as unknown as StoredReport;
  await events.emit('report.created', { report });
  return report;
}

/** Every alive report of an index, by id, with the fields the map and queue read. */
function contents(ix: ReportIndex): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < ix.n; i++) {
    if (!ix.alive[i]) continue;
    out.set(
      ix.idAt(i),
      JSON.stringify([
        ix.lat[i],
        ix.lng[i],
        ix.fromMs[i],
        ix.toMs[i],
        ix.createdMs[i],
        ix.ind[i],
        ix.typeAt(i),
        ix.statusAt(i),
        ix.priorityAt(i),
        ix.forceAt(i),
        ix.referenceAt(i),
        ix.addressAt(i),
        ix.roleAt(i),
        ix.assigneeAt(i),
        ix.released[i],
      ]),
    );
  }
  return out;
}

describe('several app instances', () => {
  it('see a report filed on another instance after one reconcile', async () => {
    const b = await otherInstance();
    const report = await fileReport(app.services.events);
    await app.services.mapIndex.changes.flush();
    expect(b.mapIndex.index.slotOf(report._id.toString())).toBe(-1);
    await b.mapIndex.reconcile();
    expect(b.mapIndex.index.slotOf(report._id.toString())).toBeGreaterThanOrEqual(0);
    expect(b.mapIndex.index.size).toBe(app.services.mapIndex.index.size);
  });

  it('see a status change made on another instance', async () => {
    const b = await otherInstance();
    const report = await fileReport(b.events);
    await b.mapIndex.changes.flush();
    await app.services.mapIndex.reconcile();
    await ReportModel.collection.updateOne(
      { _id: report._id as Types.ObjectId },
      { $set: { status: 'closed', updatedAt: new Date() } },
    );
    await b.events.emit('report.updated', { report: { ...report, status: 'closed' }, changes: ['status'], byUserId: null });
    await b.mapIndex.changes.flush();
    await app.services.mapIndex.reconcile();
    const ix = app.services.mapIndex.index;
    expect(ix.statusAt(ix.slotOf(report._id.toString()))).toBe('closed');
  });

  it('find the change log small: only entries, no report scans, and entries of their own are not fetched again', async () => {
    const b = await otherInstance();
    await fileReport(b.events);
    await b.mapIndex.changes.flush();
    expect(await b.mapIndex.reconcile()).toBe(0);
    expect(await app.services.mapIndex.reconcile()).toBe(1);
    expect(await app.services.mapIndex.reconcile()).toBe(0);
  });

  it('log a change before the caller goes on, and the ids changed while a write is in flight together as the next entry', async () => {
    const log = new ChangeLog(quiet);
    const [a, b, c] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
    const before = Date.now();
    const first = log.record(a.toHexString());
    const rest = [log.record(b.toHexString()), log.record(c.toHexString()), log.record(c.toHexString())];
    await first;
    const afterFirst = await mongoose.connection.collection(CHANGES).find({ by: log.instance }).toArray();
    expect(afterFirst.map((e) => e.reportIds.map(String))).toContainEqual([a.toHexString()]);
    await Promise.all(rest);
    const entries = await mongoose.connection.collection(CHANGES).find({ by: log.instance }).sort({ at: 1 }).toArray();
    expect(entries.map((e) => e.reportIds.map(String).sort())).toEqual([[a.toHexString()], [b.toHexString(), c.toHexString()].sort()]);
    expect(entries[0]!.at.getTime()).toBeGreaterThanOrEqual(before);
    await log.stop();
  });

  it('let exactly one instance win the lease to write the next snapshot', async () => {
    const wins = await Promise.all(['a', 'b', 'c'].map((by) => claimLease('test-head', by)));
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});

describe('bulk builds', () => {
  it('keep the last copy of a report a stream delivers twice', () => {
    const ix = new ReportIndex(16);
    const [a, b] = [...generateReports(2, { seed: 8, locator: app.services.forces.locator, now: new Date() })];
    const id = new Types.ObjectId();
    ix.append({ ...a!, _id: id, status: 'new' });
    ix.append({ ...b!, _id: new Types.ObjectId() });
    ix.append({ ...a!, _id: id, status: 'closed' });
    ix.sortSpatially();
    expect(ix.size).toBe(2);
    expect(ix.statusAt(ix.slotOf(id.toHexString()))).toBe('closed');
    const compacted = ix.compacted();
    expect(contents(compacted)).toEqual(contents(ix));
  });
});

describe('map index snapshots', () => {
  it('keep every value exact, including positions and times that are not whole micro-degrees or minutes', async () => {
    const ix = new ReportIndex(64);
    const gen = [...generateReports(40, { seed: 5, locator: app.services.forces.locator, now: new Date() })];
    gen.forEach((r, k) => {
      const odd = k % 3 === 0;
      ix.append({
        ...r,
        _id: new Types.ObjectId(),
        lat: odd ? r.lat + 1e-9 * k + Math.PI * 1e-8 : r.lat,
        lng: odd ? r.lng - 0.123456789012 : r.lng,
        observedFrom: new Date(r.observedFrom.getTime() + (odd ? 1234 : 0)),
        assignedTo: k % 5 === 0 ? new Types.ObjectId().toHexString() : null,
        ownerAlert: k % 4 === 0 ? 'released' : 'withheld',
      });
    });
    ix.sortSpatially();
    ix.upsert({ ...gen[0]!, _id: new Types.ObjectId(), lat: 50.9, lng: -0.1 }); // an unsorted tail
    ix.remove(ix.idAt(3));
    const { blob, sha256 } = await encodeIndex(ix);
    const back = await decodeIndex(blob, sha256);
    expect(contents(back)).toEqual(contents(ix));
    expect(back.sortedN).toBe(ix.sortedN);
    await expect(decodeIndex(Buffer.concat([blob.subarray(0, 10), Buffer.alloc(5)]), sha256)).rejects.toThrow(/checksum/);
  });

  it('load to exactly what a full build from the reports gives, clusters included', async () => {
    const written = await app.services.mapIndex.snapshotIfDue({ force: true });
    expect(written?.reports).toBe(await ReportModel.countDocuments({}));
    expect((await readHead())?.snapshotId).toBe(written?.snapshotId);

    const fromSnapshot = new MapIndex(quiet);
    await fromSnapshot.build();
    const fromStream = new MapIndex(quiet);
    await fromStream.build({ stream: true });
    expect(contents(fromSnapshot.index)).toEqual(contents(fromStream.index));
    const a = new MapService(fromSnapshot);
    const b = new MapService(fromStream);
    // Same features (order may differ: a snapshot's replayed changes sit in its unsorted tail).
    const features = (m: MapService, zoom: number) =>
      m
        .clusters({ forceIds: ['sussex'] }, zoom)
        .features.map((f) => JSON.stringify(f))
        .sort();
    for (const zoom of [5, 9, 13, 18]) expect(features(a, zoom)).toEqual(features(b, zoom));
  });

  it('are brought up to date with the changes logged after them', async () => {
    await app.services.mapIndex.snapshotIfDue({ force: true });
    const report = await fileReport(app.services.events);
    await app.services.mapIndex.changes.flush();
    const fresh = new MapIndex(quiet);
    await fresh.build();
    expect(fresh.index.slotOf(report._id.toString())).toBeGreaterThanOrEqual(0);
    expect(fresh.index.size).toBe(await ReportModel.countDocuments({}));
  });

  it('are not used when corrupt or missing: the index is streamed from the reports instead', async () => {
    const head = await app.services.mapIndex.snapshotIfDue({ force: true });
    const chunks = mongoose.connection.collection(`mapsnapshot_${head!.snapshotId}`);
    await chunks.replaceOne({ _id: 0 as never }, { data: new mongoose.mongo.Binary(Buffer.from('not a snapshot')) });
    const afterCorruption = new MapIndex(quiet);
    await afterCorruption.build();
    expect(contents(afterCorruption.index)).toEqual(contents(app.services.mapIndex.index));

    await chunks.drop();
    const afterLoss = new MapIndex(quiet);
    await afterLoss.build();
    expect(afterLoss.index.size).toBe(await ReportModel.countDocuments({}));
  });

  it('can be written by the seed with the reports it inserts', async () => {
    await app.services.mapIndex.snapshotIfDue({ force: true });
    const seed = await MapSnapshotSeed.open(quiet);
    await insertReports(seed.track(generateReports(300, { seed: 77, locator: app.services.forces.locator, now: new Date() })));
    await seed.save();
    const loaded = new MapIndex(quiet);
    await loaded.build();
    const streamed = new MapIndex(quiet);
    await streamed.build({ stream: true });
    expect(loaded.index.size).toBe(await ReportModel.countDocuments({}));
    expect(contents(loaded.index)).toEqual(contents(streamed.index));
  });
});

describe('snapshots after a burst of changes', () => {
  /** An instance with its own event bus, background work started, and small thresholds. */
  async function instance(opts: MapIndexOptions) {
    const events = new EventBus(quiet);
    const mapIndex = new MapIndex(quiet, events, opts);
    await mapIndex.build();
    const errors: unknown[] = [];
    mapIndex.startBackground((err) => errors.push(err));
    return { mapIndex, events, errors };
  }

  /** Resolves once the snapshot head moves on from `before`; rejects after `withinMs`. */
  async function headChangesFrom(before: string | undefined, withinMs: number): Promise<boolean> {
    return waitFor(async () => (await readHead())?.snapshotId !== before, {
      timeout: withinMs,
      interval: 100,
      message: 'a new snapshot head',
    });
  }

  it('are written as soon as enough changes are not in one, not on the next minute tick', async () => {
    const { mapIndex, events, errors } = await instance({ snapshotAfterChanges: 5, minSnapshotGapMs: 0 });
    const before = (await readHead())?.snapshotId;
    for (let k = 0; k < 5; k++) await fileReport(events);
    expect(await headChangesFrom(before, 10_000)).toBe(true);
    await mapIndex.stop();
    expect(errors).toEqual([]);
  });

  it('give the lease back when a write fails, so the next attempt writes one', async () => {
    const { mapIndex } = await instance({});
    const ix = mapIndex.index;
    const fields = ix.fields;
    ix.fields = () => {
      throw new Error('encoder failed');
    };
    await expect(mapIndex.snapshotIfDue({ force: true })).rejects.toThrow('encoder failed');
    ix.fields = fields;
    expect(await mapIndex.snapshotIfDue({ force: true })).not.toBeNull();
    await mapIndex.stop();
  });

  it('take in the changes other instances logged just before, and are replayed from the poll before them, not minutes earlier', async () => {
    const b = await otherInstance();
    const report = await fileReport(b.events);
    await b.mapIndex.changes.flush();
    const head = await app.services.mapIndex.snapshotIfDue({ force: true });
    expect(head!.replayFrom!.getTime()).toBeGreaterThan(head!.at.getTime() - OVERLAP_MS - 10_000);
    const fresh = new MapIndex(quiet);
    await fresh.build();
    expect(fresh.index.slotOf(report._id.toString())).toBeGreaterThanOrEqual(0);
    expect(contents(fresh.index)).toEqual(contents(app.services.mapIndex.index));
  });

  it('at shutdown, write the last changed ids to the change log and, after enough changes, a snapshot', async () => {
    const { mapIndex, events } = await instance({ shutdownSnapshotAfter: 3 });
    await mapIndex.snapshotIfDue({ force: true });
    const filed = [];
    for (let k = 0; k < 3; k++) filed.push(await fileReport(events));
    const before = (await readHead())?.snapshotId;
    await mapIndex.stop({ snapshot: true });
    const logged = await mongoose.connection.collection(CHANGES).find({ by: mapIndex.changes.instance }).toArray();
    const ids = new Set(logged.flatMap((e) => e.reportIds.map(String)));
    for (const r of filed) expect(ids.has(r._id.toString())).toBe(true);
    expect((await readHead())?.snapshotId).not.toBe(before);
  });
});
