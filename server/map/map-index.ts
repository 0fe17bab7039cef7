import mongoose, { Types } from 'mongoose';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { ReportModel } from '../reports/report.model';
import { ChangeLog, OVERLAP_MS } from './change-log';
import { INDEX_PROJECTION, type IndexRecord, ReportIndex } from './report-index';
import { claimLease, loadSnapshot, markPruned, readHead, readPrunedBefore, type SnapshotHead, writeSnapshot } from './snapshot';

/** Changes logged this long before a snapshot's capture time are replayed when it is loaded. */
export const REPLAY_MARGIN_MS = 2 * 60_000;
/** A snapshot is written when the current one is this old, or after SNAPSHOT_AFTER_CHANGES changes. */
export const SNAPSHOT_EVERY_MS = 10 * 60_000;
export const SNAPSHOT_AFTER_CHANGES = 10_000;
/**
 * Change-log entries are kept at least this long (and always back to the snapshot before the current
 * one). Every poll scans the whole log on FerretDB, so it is kept short: snapshots every 10 minutes or
 * 10,000 changes bound it.
 */
export const LOG_RETENTION_MS = 30 * 60_000;
const FETCH_CONCURRENCY = 8;

/**
 * The number of reports, from collection metadata (`collStats`: ~50 ms on FerretDB, O(1) on MongoDB).
 * `estimatedDocumentCount` is the fallback only: FerretDB 1.24 on SQLite answers it by reading every
 * document (2 s at 3,000 reports, minutes at a million).
 */
export async function countReports(): Promise<number> {
  try {
    const stats = await mongoose.connection.db!.command({ collStats: ReportModel.collection.collectionName });
    if (typeof stats.count === 'number') return stats.count;
  } catch {
    // Not supported, or no collection yet: ask the driver.
  }
  return ReportModel.estimatedDocumentCount();
}

/**
 * Keeps a ReportIndex in step with the database, cheaply on FerretDB (where only `_id` lookups are
 * indexed):
 * - start: load the newest snapshot (a few binary chunks read by `_id`) and replay the change log
 *   since it; without a usable snapshot, stream every report (bulk append + one sort);
 * - this instance's writes: applied from report events, and noted in the change log (batched);
 * - other instances' writes: every 5 s one scan of the small change log, then each changed report
 *   fetched by `_id`;
 * - drift (deletions or inserts that bypassed the app): the document count (collection metadata), each reconcile;
 *   twice in a row different → load a newer snapshot if there is one, else stream everything;
 * - snapshots: written in the background by whichever instance wins the lease, every 10 minutes or
 *   after 10,000 changes; the change log is pruned behind them.
 */
export class MapIndex {
  index = new ReportIndex();
  ready = false;
  readonly changes: ChangeLog;
  private building: Promise<void> | null = null;
  private reconciling: Promise<number> | null = null;
  private snapshotting: Promise<SnapshotHead | null> | null = null;
  /** Consecutive reconciles that saw a different count: one can be a write committed mid-check on another instance. */
  private driftStreak = 0;
  private lastMismatch: string | null = null;
  /** The snapshot this index was loaded from or last wrote. */
  private knownSnapshot: string | null = null;
  /** Changes applied since the last snapshot this instance knows of. */
  private changesSinceSnapshot = 0;
  /** Ids changed by events while a build runs (the new index did not see them). */
  private duringBuild: Set<string> | null = null;

  constructor(
    private readonly logger: Logger,
    events?: EventBus,
  ) {
    this.changes = new ChangeLog(logger);
    const onChange = ({ report }: { report: { _id: { toString(): string } } }) => {
      this.apply(report as unknown as IndexRecord);
      const id = report._id.toString();
      this.duringBuild?.add(id);
      this.changes.record(id);
    };
    events?.on('report.created', onChange);
    events?.on('report.updated', onChange);
    events?.on('report.deleted', ({ reportId }) => {
      this.index.remove(reportId);
      this.changesSinceSnapshot++;
      this.duringBuild?.add(reportId);
      // Other instances refetch the id, find nothing and remove it too.
      this.changes.record(reportId);
    });
  }

  private apply(r: IndexRecord): void {
    this.index.upsert(r);
    this.changesSinceSnapshot++;
    // Not on the request that crossed the threshold: right after it (a sort of ~1 s at a million reports).
    if (!this.compactSoon && this.index.needsCompaction()) {
      this.compactSoon = setImmediate(() => {
        this.compactSoon = null;
        this.compactIfNeeded();
      });
      this.compactSoon.unref();
    }
  }
  private compactSoon: NodeJS.Immediate | null = null;

  /** Sort appended reports in: a new index object, so requests holding the old one keep consistent slots. */
  private compactIfNeeded(): void {
    if (this.index.needsCompaction()) this.index = this.index.compacted();
  }

  /**
   * Build: the newest usable snapshot plus the changes since it, else a full stream. With
   * `stream: true`, always stream. The previous index keeps serving until the new one is ready.
   */
  build(opts: { stream?: boolean } = {}): Promise<void> {
    this.building ??= (async () => {
      this.duringBuild = new Set();
      try {
        if (opts.stream || !(await this.buildFromSnapshot())) await this.buildFromStream();
        // Events that reached the old index while we built.
        const missed = [...this.duringBuild];
        this.duringBuild = null;
        await this.refetch(missed);
      } finally {
        this.duringBuild = null;
      }
    })().finally(() => {
      this.building = null;
    });
    return this.building;
  }

  /** Loads the head snapshot and replays the change log since it; false when there is none usable. */
  private async buildFromSnapshot(): Promise<boolean> {
    const t0 = performance.now();
    const head = await readHead();
    if (!head) return false;
    if (this.ready && head.snapshotId === this.knownSnapshot) return false;
    const from = head.at.getTime() - REPLAY_MARGIN_MS;
    const prunedBefore = await readPrunedBefore();
    if (prunedBefore && prunedBefore.getTime() > from) {
      this.logger.warn(
        { snapshotId: head.snapshotId, at: head.at },
        'map index snapshot older than the change log: streaming instead',
      );
      return false;
    }
    let next: ReportIndex;
    try {
      next = await loadSnapshot(head);
    } catch (err) {
      this.logger.warn({ err, snapshotId: head.snapshotId }, 'map index snapshot unusable: streaming instead');
      return false;
    }
    const loadedMs = performance.now() - t0;
    this.changes.resetCursor(from + OVERLAP_MS);
    const ids = await this.changes.poll({ all: true });
    await this.refetch(ids, next);
    this.index = next;
    this.compactIfNeeded();
    this.ready = true;
    this.knownSnapshot = head.snapshotId;
    this.changesSinceSnapshot = ids.length;
    this.logger.info(
      { reports: this.index.size, replayed: ids.length, loadMs: Math.round(loadedMs), ms: Math.round(performance.now() - t0) },
      'map index loaded from snapshot',
    );
    return true;
  }

  private async buildFromStream(): Promise<void> {
    const t0 = performance.now();
    const startedAt = Date.now();
    const estimate = await countReports();
    const next = new ReportIndex(Math.ceil(estimate * 1.05) + 1024);
    const cursor = ReportModel.collection.find({}, { projection: INDEX_PROJECTION, batchSize: 5000 });
    for await (const doc of cursor) next.append(doc as unknown as IndexRecord);
    next.sortSpatially();
    // Changes logged while we streamed (by anyone) are fetched again by `_id`.
    this.changes.resetCursor(startedAt);
    const ids = await this.changes.poll({ all: true });
    await this.refetch(ids, next);
    this.index = next;
    this.ready = true;
    this.knownSnapshot = null;
    this.changesSinceSnapshot = next.size;
    this.logger.info(
      { reports: next.size, ms: Math.round(performance.now() - t0), mb: Math.round(next.bytes() / 1048576) },
      'map index built from the reports collection',
    );
  }

  /** Fetch reports by `_id` (indexed everywhere), a few at a time, and upsert or remove them. */
  private async refetch(ids: string[], into?: ReportIndex): Promise<void> {
    let k = 0;
    const worker = async () => {
      while (k < ids.length) {
        const id = ids[k++]!;
        if (!Types.ObjectId.isValid(id)) continue;
        const doc = await ReportModel.collection.findOne({ _id: new Types.ObjectId(id) }, { projection: INDEX_PROJECTION });
        const ix = into ?? this.index;
        if (doc) {
          ix.upsert(doc as unknown as IndexRecord);
          if (!into) this.changesSinceSnapshot++;
        } else ix.remove(id);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, ids.length) }, worker));
    if (!into) this.compactIfNeeded();
  }

  /**
   * Apply other instances' changes (one scan of the change log, then `_id` fetches); rebuild when
   * the count differs the same way twice in a row (deletions, inserts that bypassed the app).
   */
  reconcile(): Promise<number> {
    this.reconciling ??= (async () => {
      if (this.building) {
        await this.building;
        return 0;
      }
      const ids = await this.changes.poll();
      await this.refetch(ids);
      // Drift is the same mismatch seen twice with nothing changing in between. While reports stream in, the
      // engine's count can trail the index (FerretDB's collStats does), which must not trigger a rebuild.
      const count = await countReports();
      const mismatch = count === this.index.size ? null : `${count}/${this.index.size}`;
      this.driftStreak = mismatch === null ? 0 : mismatch === this.lastMismatch ? this.driftStreak + 1 : 1;
      this.lastMismatch = mismatch;
      if (this.driftStreak >= 2) {
        this.logger.info({ db: count, index: this.index.size }, 'map index drifted from the database: rebuilding');
        this.driftStreak = 0;
        await this.build();
      }
      return ids.length;
    })().finally(() => {
      this.reconciling = null;
    });
    return this.reconciling;
  }

  /**
   * Write a snapshot if one is due (none yet, older than 10 minutes, or 10,000 changes since) and this
   * instance wins the lease; then prune the change log behind it. With `force`, write regardless of age.
   */
  snapshotIfDue(opts: { force?: boolean } = {}): Promise<SnapshotHead | null> {
    this.snapshotting ??= (async () => {
      if (!this.ready || this.building) return null;
      const head = await readHead();
      const due =
        opts.force ||
        !head ||
        Date.now() - head.at.getTime() >= SNAPSHOT_EVERY_MS ||
        this.changesSinceSnapshot >= SNAPSHOT_AFTER_CHANGES;
      if (!due) return null;
      if (!(await claimLease(head?.snapshotId ?? 'none', this.changes.instance))) return null;
      await this.changes.flush();
      const at = new Date();
      const applied = this.changesSinceSnapshot;
      const written = await writeSnapshot(this.index, at, this.logger);
      this.knownSnapshot = written.snapshotId;
      this.changesSinceSnapshot -= applied;
      // Keep the log back to the snapshot before this one (someone may be loading it) and for at least an hour.
      const keepFrom = Math.min(
        Date.now() - LOG_RETENTION_MS,
        (head?.at.getTime() ?? at.getTime()) - REPLAY_MARGIN_MS - OVERLAP_MS,
      );
      const before = new Date(keepFrom);
      await markPruned(before);
      const pruned = await this.changes.prune(before);
      if (pruned) this.logger.info({ pruned }, 'report change log pruned');
      return written;
    })().finally(() => {
      this.snapshotting = null;
    });
    return this.snapshotting;
  }

  /** Periodic work: reconcile every 5 s, snapshot check every minute. Returns a stopper (flushes the change log). */
  startBackground(onError: (err: unknown, task: string) => void): () => Promise<void> {
    const reconcile = setInterval(() => this.reconcile().catch((err) => onError(err, 'map-index-reconcile')), 5_000);
    const snapshot = setInterval(() => this.snapshotIfDue().catch((err) => onError(err, 'map-index-snapshot')), 60_000);
    reconcile.unref();
    snapshot.unref();
    return () => {
      clearInterval(reconcile);
      clearInterval(snapshot);
      return this.changes.stop();
    };
  }
}
