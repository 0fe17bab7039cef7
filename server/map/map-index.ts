import mongoose, { Types } from 'mongoose';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { ReportModel } from '../reports/report.model';
import { ChangeLog, OVERLAP_MS } from './change-log';
import { INDEX_PROJECTION, type IndexRecord, ReportIndex } from './report-index';
import {
  claimLease,
  loadSection,
  loadSnapshot,
  markPruned,
  readHead,
  readPrunedBefore,
  releaseLease,
  type SnapshotHead,
  writeSnapshot,
} from './snapshot';

/**
 * Loading a snapshot without `replayFrom` (older ones, the seed's) replays the changes logged from this long before
 * its capture time.
 */
export const REPLAY_MARGIN_MS = 2 * 60_000;
/** A snapshot is written when the current one is this old... */
export const SNAPSHOT_EVERY_MS = 10 * 60_000;
/**
 * ...or as soon as this many changes are not in one (checked on every change, not on a timer), so a crash leaves at
 * most about this many to replay at start: ~5,000 point reads, a few seconds.
 */
export const SNAPSHOT_AFTER_CHANGES = 5_000;
/**
 * ...but, on the change count alone, not more often than this, nor than SNAPSHOT_GAP_FACTOR times the last write's
 * duration: a snapshot of a million reports costs seconds of CPU, so they take at most ~10 % of it. Under a
 * sustained burst of more than SNAPSHOT_AFTER_CHANGES per gap, a crash can leave up to one gap's worth (plus one
 * write's duration) unsnapshotted; the server answers health meanwhile all the same (index-gate.ts).
 */
export const MIN_SNAPSHOT_GAP_MS = 30_000;
const SNAPSHOT_GAP_FACTOR = 10;
/** A graceful shutdown writes a snapshot when at least this many changes are not in one. */
export const SHUTDOWN_SNAPSHOT_AFTER = 1_000;
/**
 * Change-log entries are kept at least this long (and always back to the snapshot before the current
 * one). Every poll scans the whole log on FerretDB, so it is kept short: snapshots every 10 minutes or
 * 5,000 changes bound it.
 */
export const LOG_RETENTION_MS = 30 * 60_000;
/**
 * Point reads in flight while replaying changes at start (the pool holds 20 connections; requests waiting for the
 * index need none of them) and while reconciling (leaves the pool to requests).
 */
const REPLAY_CONCURRENCY = 16;
const RECONCILE_CONCURRENCY = 8;

/**
 * Something kept in step with the index (the entity index, server/entities/entity-index.ts): told of every record
 * applied, replayed or removed, and carried in the snapshot as a section named after it.
 */
export interface IndexFollower {
  readonly name: string;
  upsert(r: IndexRecord): void;
  remove(id: string): void;
  /** After a stream build: forget whatever `ix` does not hold. */
  retain(ix: ReportIndex): void;
  /** The snapshot section, captured synchronously with the index. */
  encode(): Buffer;
  /** Replace everything with a snapshot's section (null: it has none). */
  load(section: Buffer | null): void;
}

/** What index reads fetch: the index's fields plus the followers' (entity mentions). */
const FETCH_PROJECTION = { ...INDEX_PROJECTION, entities: 1 } as const;

export interface MapIndexOptions {
  /** Tests: lower SNAPSHOT_AFTER_CHANGES / MIN_SNAPSHOT_GAP_MS / SHUTDOWN_SNAPSHOT_AFTER. */
  snapshotAfterChanges?: number;
  minSnapshotGapMs?: number;
  shutdownSnapshotAfter?: number;
}

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
 * - this instance's writes: applied from report events, and noted in the change log before the request answers
 *   (group commits);
 * - other instances' writes: every 5 s one scan of the small change log, then each changed report
 *   fetched by `_id`;
 * - drift (deletions or inserts that bypassed the app): the document count (collection metadata), each reconcile;
 *   twice in a row different → load a newer snapshot if there is one, else stream everything;
 * - snapshots: written in the background by whichever instance wins the lease, every 10 minutes or as soon as
 *   5,000 changes are not in one (at most every 30 s or 10 write durations), and on graceful shutdown; the change
 *   log is pruned behind them.
 * Until the first build is done `ready` is false: the server listens meanwhile and holds back the routes that read
 * the index (see index-gate.ts).
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
  /**
   * Start of the last change-log poll whose changes are all in `index` (this instance's clock); a snapshot captured
   * now may replay from OVERLAP_MS before it.
   */
  private appliedThroughMs = 0;
  private readonly snapshotAfterChanges: number;
  private readonly minSnapshotGapMs: number;
  private readonly shutdownSnapshotAfter: number;
  /** When the last snapshot attempt by this instance began (ms), and how long its last write took. */
  private lastSnapshotMs = 0;
  private lastWriteMs = 0;
  private readonly whenBuilt: Promise<void>;
  private markBuilt!: () => void;
  private timers: NodeJS.Timeout[] = [];
  private snapshotSoon: NodeJS.Timeout | null = null;
  /** Set by startBackground: snapshots are then written as soon as they are due by count. */
  private onBackgroundError: ((err: unknown, task: string) => void) | null = null;
  /** Entity-index hook: followers of every change (see IndexFollower). */
  private readonly followers: IndexFollower[] = [];

  /** Keep `f` in step with this index from now on (call before build()). */
  follow(f: IndexFollower): void {
    this.followers.push(f);
  }

  constructor(
    private readonly logger: Logger,
    events?: EventBus,
    opts: MapIndexOptions = {},
  ) {
    this.changes = new ChangeLog(logger);
    this.snapshotAfterChanges = opts.snapshotAfterChanges ?? SNAPSHOT_AFTER_CHANGES;
    this.minSnapshotGapMs = opts.minSnapshotGapMs ?? MIN_SNAPSHOT_GAP_MS;
    this.shutdownSnapshotAfter = opts.shutdownSnapshotAfter ?? SHUTDOWN_SNAPSHOT_AFTER;
    this.whenBuilt = new Promise((resolve) => {
      this.markBuilt = resolve;
    });
    // The request that made a change awaits its change-log write: once acknowledged, a crash cannot lose it.
    const onChange = ({ report }: { report: { _id: { toString(): string } } }) => {
      this.apply(report as unknown as IndexRecord);
      const id = report._id.toString();
      this.duringBuild?.add(id);
      return this.changes.record(id);
    };
    events?.on('report.created', onChange);
    events?.on('report.updated', onChange);
    events?.on('report.deleted', ({ reportId }) => {
      this.index.remove(reportId);
      for (const f of this.followers) f.remove(reportId);
      this.counted(1);
      this.duringBuild?.add(reportId);
      // Other instances refetch the id, find nothing and remove it too.
      return this.changes.record(reportId);
    });
  }

  /** Resolves true once the index is built (at once if it is), false after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      void this.whenBuilt.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * For the admin's status page, from memory: built or not, reports held, how long since the last change-log poll
   * whose changes are all applied (other instances' changes reach this index by those polls), and changes not yet
   * in a snapshot.
   */
  status(now = Date.now()): { ready: boolean; reports: number; lagMs: number | null; unsnapshottedChanges: number } {
    const polled = this.changes.lastPollStartedMs;
    return {
      ready: this.ready,
      reports: this.index.size,
      lagMs: polled ? Math.max(0, now - polled) : null,
      unsnapshottedChanges: this.changesSinceSnapshot,
    };
  }

  private setReady(): void {
    this.ready = true;
    this.markBuilt();
  }

  /** Count changes not yet in a snapshot; once enough are, write one soon (never on the request that crossed it). */
  private counted(n: number): void {
    this.changesSinceSnapshot += n;
    if (this.changesSinceSnapshot >= this.snapshotAfterChanges) this.scheduleSnapshot();
  }

  private snapshotGapMs(): number {
    return Math.max(this.minSnapshotGapMs, SNAPSHOT_GAP_FACTOR * this.lastWriteMs);
  }

  private scheduleSnapshot(): void {
    // A build in progress schedules one when it ends (build()), if still due.
    if (this.snapshotSoon || this.snapshotting || this.building || !this.ready || !this.onBackgroundError) return;
    const wait = Math.max(0, this.lastSnapshotMs + this.snapshotGapMs() - Date.now());
    this.snapshotSoon = setTimeout(() => {
      this.snapshotSoon = null;
      this.snapshotIfDue().catch((err) => this.onBackgroundError?.(err, 'map-index-snapshot'));
    }, wait);
    this.snapshotSoon.unref();
  }

  private apply(r: IndexRecord): void {
    this.index.upsert(r);
    for (const f of this.followers) f.upsert(r);
    this.counted(1);
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
      if (this.changesSinceSnapshot >= this.snapshotAfterChanges) this.scheduleSnapshot();
    });
    return this.building;
  }

  /** Loads the head snapshot and replays the change log since it; false when there is none usable. */
  private async buildFromSnapshot(): Promise<boolean> {
    const t0 = performance.now();
    const head = await readHead();
    if (!head) return false;
    if (this.ready && head.snapshotId === this.knownSnapshot) return false;
    const from = replayFromMs(head);
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
    for (const f of this.followers) {
      const section = await loadSection(head, f.name).catch((err: unknown) => {
        this.logger.warn({ err, section: f.name }, 'map index snapshot section unusable: rebuilt in the background');
        return null;
      });
      f.load(section);
    }
    const loadedMs = performance.now() - t0;
    this.changes.resetCursor(from + OVERLAP_MS);
    const ids = await this.changes.poll({ all: true });
    const polledAt = this.changes.lastPollStartedMs;
    await this.refetch(ids, next);
    this.index = next;
    this.appliedThroughMs = polledAt;
    this.compactIfNeeded();
    this.knownSnapshot = head.snapshotId;
    this.changesSinceSnapshot = 0;
    this.setReady();
    this.counted(ids.length);
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
    const cursor = ReportModel.collection.find({}, { projection: FETCH_PROJECTION, batchSize: 5000 });
    for await (const doc of cursor) {
      next.append(doc as unknown as IndexRecord);
      for (const f of this.followers) f.upsert(doc as unknown as IndexRecord);
    }
    next.sortSpatially();
    // Changes logged while we streamed (by anyone) are fetched again by `_id`.
    this.changes.resetCursor(startedAt);
    const ids = await this.changes.poll({ all: true });
    const polledAt = this.changes.lastPollStartedMs;
    await this.refetch(ids, next);
    for (const f of this.followers) f.retain(next);
    this.index = next;
    this.appliedThroughMs = polledAt;
    this.knownSnapshot = null;
    this.changesSinceSnapshot = 0;
    this.setReady();
    this.counted(next.size);
    this.logger.info(
      { reports: next.size, ms: Math.round(performance.now() - t0), mb: Math.round(next.bytes() / 1048576) },
      'map index built from the reports collection',
    );
  }

  /**
   * Fetch reports by `_id` (the one lookup every engine indexes; never `$in`, which FerretDB answers by reading the
   * whole collection), many in flight at once, and upsert or remove them. `into`: a new index being built (startup
   * replay: as many reads in flight as the pool allows, progress logged); else the live one.
   */
  private async refetch(ids: string[], into?: ReportIndex): Promise<void> {
    if (ids.length === 0) return;
    const t0 = performance.now();
    let lastLog = t0;
    let k = 0;
    let done = 0;
    const worker = async () => {
      while (k < ids.length) {
        const id = ids[k++]!;
        if (!Types.ObjectId.isValid(id)) continue;
        const doc = await ReportModel.collection.findOne({ _id: new Types.ObjectId(id) }, { projection: FETCH_PROJECTION });
        const ix = into ?? this.index;
        if (doc) ix.upsert(doc as unknown as IndexRecord);
        else ix.remove(id);
        for (const f of this.followers) {
          if (doc) f.upsert(doc as unknown as IndexRecord);
          else f.remove(id);
        }
        if (!into) this.counted(1);
        done++;
        if (into && performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          this.logger.info({ done, of: ids.length }, 'map index: replaying changes since the snapshot');
        }
      }
    };
    const concurrency = into ? REPLAY_CONCURRENCY : RECONCILE_CONCURRENCY;
    await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    if (!into) this.compactIfNeeded();
    const ms = performance.now() - t0;
    if (ids.length >= 1_000 || ms > 5_000)
      this.logger.info({ ids: ids.length, ms: Math.round(ms) }, 'map index: changed reports fetched');
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
      const polledAt = this.changes.lastPollStartedMs;
      await this.refetch(ids);
      this.appliedThroughMs = polledAt;
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
   * Write a snapshot if one is due (none yet, older than 10 minutes, or SNAPSHOT_AFTER_CHANGES changes since and
   * MIN_SNAPSHOT_GAP_MS since this instance's last) and this instance wins the lease; then prune the change log
   * behind it. With `force`, write regardless. A failed write gives the lease back.
   */
  snapshotIfDue(opts: { force?: boolean } = {}): Promise<SnapshotHead | null> {
    this.snapshotting ??= (async () => {
      if (!this.ready || this.building) return null;
      const head = await readHead();
      if (head && head.snapshotId !== this.knownSnapshot && this.knownSnapshot !== null) {
        // Another instance wrote one: it counted the same changes (everyone applies everyone's), so start again.
        this.knownSnapshot = head.snapshotId;
        this.changesSinceSnapshot = 0;
      }
      const byCount =
        this.changesSinceSnapshot >= this.snapshotAfterChanges && Date.now() - this.lastSnapshotMs >= this.snapshotGapMs();
      const due = opts.force || !head || Date.now() - head.at.getTime() >= SNAPSHOT_EVERY_MS || byCount;
      if (!due) return null;
      // An attempt, won or lost: the next one by count waits MIN_SNAPSHOT_GAP_MS (a lost lease means another instance
      // is writing one right now).
      this.lastSnapshotMs = Date.now();
      const headId = head?.snapshotId ?? 'none';
      if (!(await claimLease(headId, this.changes.instance))) return null;
      try {
        await this.changes.flush();
        // Other instances' latest changes first, so the snapshot needs replaying only from this poll on.
        await this.reconcile();
        if (!this.ready || this.building) {
          await releaseLease(headId, this.changes.instance);
          return null;
        }
        // From here to the capture inside writeSnapshot nothing yields: the snapshot is the index as of `at`.
        const at = new Date();
        const replayFrom = new Date(Math.min(this.appliedThroughMs, at.getTime()) - OVERLAP_MS);
        const applied = this.changesSinceSnapshot;
        const sections = Object.fromEntries(this.followers.map((f) => [f.name, f.encode()]));
        const written = await writeSnapshot(this.index, at, this.logger, { replayFrom, sections });
        this.lastWriteMs = Date.now() - at.getTime();
        this.knownSnapshot = written.snapshotId;
        this.changesSinceSnapshot -= applied;
        // Keep the log back to where the snapshot before this one replays from (someone may be loading it), and for
        // at least LOG_RETENTION_MS.
        const keepFrom = Math.min(Date.now() - LOG_RETENTION_MS, (head ? replayFromMs(head) : replayFrom.getTime()) - OVERLAP_MS);
        const before = new Date(keepFrom);
        await markPruned(before);
        const pruned = await this.changes.prune(before);
        if (pruned) this.logger.info({ pruned }, 'report change log pruned');
        return written;
      } catch (err) {
        await releaseLease(headId, this.changes.instance).catch(() => undefined);
        throw err;
      }
    })().finally(() => {
      this.snapshotting = null;
      // Changes that arrived meanwhile may make the next one due (it waits MIN_SNAPSHOT_GAP_MS).
      if (this.changesSinceSnapshot >= this.snapshotAfterChanges) this.scheduleSnapshot();
    });
    return this.snapshotting;
  }

  /**
   * Periodic work: reconcile every 5 s, snapshot check every minute (and as soon as one is due by count). Returns a
   * stopper that ends the timers and flushes the change log; `stop()` does that too and can write a last snapshot.
   */
  startBackground(onError: (err: unknown, task: string) => void): () => Promise<void> {
    this.onBackgroundError = onError;
    const reconcile = setInterval(() => this.reconcile().catch((err) => onError(err, 'map-index-reconcile')), 5_000);
    const snapshot = setInterval(() => this.snapshotIfDue().catch((err) => onError(err, 'map-index-snapshot')), 60_000);
    reconcile.unref();
    snapshot.unref();
    this.timers.push(reconcile, snapshot);
    if (this.changesSinceSnapshot >= this.snapshotAfterChanges) this.scheduleSnapshot();
    return () => this.stopTimers();
  }

  private stopTimers(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.snapshotSoon) clearTimeout(this.snapshotSoon);
    this.snapshotSoon = null;
    this.onBackgroundError = null;
    return this.changes.stop();
  }

  /**
   * For shutdown, after the server has stopped taking requests and before the database disconnects: stops the
   * background work, writes this instance's last changed ids to the change log, waits for a reconcile or snapshot in
   * flight, and with `snapshot` writes one if SHUTDOWN_SNAPSHOT_AFTER changes are not in one (the next start then
   * replays next to nothing). Never rejects; a build in progress is not waited for.
   */
  async stop(opts: { snapshot?: boolean } = {}): Promise<void> {
    await this.stopTimers();
    await Promise.allSettled([this.reconciling, this.snapshotting]);
    if (!opts.snapshot || !this.ready || this.building || this.changesSinceSnapshot < this.shutdownSnapshotAfter) return;
    try {
      await this.snapshotIfDue({ force: true });
    } catch (err) {
      this.logger.warn({ err }, 'map index snapshot at shutdown failed');
    }
    await this.changes.stop();
  }
}

/** Where loading `head` starts replaying the change log (ms). */
function replayFromMs(head: SnapshotHead): number {
  return head.replayFrom?.getTime() ?? head.at.getTime() - REPLAY_MARGIN_MS;
}
