import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { ReportModel } from '../reports/report.model';
import { INDEX_PROJECTION, type IndexRecord, ReportIndex } from './report-index';

const RECONCILE_OVERLAP_MS = 10_000;

/**
 * Keeps a ReportIndex in step with the database: built at start by streaming a projected cursor,
 * updated on report events, reconciled by polling `updatedAt` (several app instances converge),
 * and rebuilt when the document count drifts (direct inserts with old timestamps, deletions).
 */
export class MapIndex {
  index = new ReportIndex();
  ready = false;
  private building: Promise<void> | null = null;
  private reconciling: Promise<number> | null = null;
  /** Consecutive reconciles that saw a different count: one can be a write committed mid-check on another instance. */
  private driftStreak = 0;

  constructor(
    private readonly logger: Logger,
    events?: EventBus,
  ) {
    events?.on('report.created', ({ report }) => {
      this.index.upsert(report as unknown as IndexRecord);
    });
    events?.on('report.updated', ({ report }) => {
      this.index.upsert(report as unknown as IndexRecord);
    });
  }

  /** Full build from the database; the previous index keeps serving until the new one is ready. */
  build(): Promise<void> {
    this.building ??= (async () => {
      const t0 = performance.now();
      const startedAt = Date.now();
      const estimate = await ReportModel.estimatedDocumentCount();
      const next = new ReportIndex(Math.ceil(estimate * 1.1) + 1024);
      const cursor = ReportModel.collection.find({}, { projection: INDEX_PROJECTION, batchSize: 5000 });
      for await (const doc of cursor) next.append(doc as unknown as IndexRecord);
      next.sortSpatially();
      // Changes made while we streamed (events went to the old index) are pulled by the next
      // reconcile, which starts from when this build began.
      next.lastUpdatedMs = startedAt;
      this.index = next;
      this.ready = true;
      this.logger.info(
        { reports: next.size, ms: Math.round(performance.now() - t0), mb: Math.round(next.bytes() / 1048576) },
        'map index built',
      );
    })().finally(() => {
      this.building = null;
    });
    return this.building;
  }

  /** Pull reports changed since the last seen `updatedAt`; rebuild if the count stays different twice in a row (deletions, back-dated inserts). */
  reconcile(): Promise<number> {
    this.reconciling ??= (async () => {
      if (this.building) {
        await this.building;
        return 0;
      }
      // Overlap: a write stamped just before the last one we saw may commit after we looked.
      const since = new Date(this.index.lastUpdatedMs - RECONCILE_OVERLAP_MS);
      const changed = await ReportModel.collection
        .find({ updatedAt: { $gte: since } }, { projection: INDEX_PROJECTION })
        .toArray();
      for (const doc of changed) this.index.upsert(doc as unknown as IndexRecord);
      const count = await ReportModel.estimatedDocumentCount();
      this.driftStreak = count === this.index.size ? 0 : this.driftStreak + 1;
      if (this.driftStreak >= 2) {
        this.logger.info({ db: count, index: this.index.size }, 'map index drifted from the database: rebuilding');
        this.driftStreak = 0;
        await this.build();
      }
      return changed.length;
    })().finally(() => {
      this.reconciling = null;
    });
    return this.reconciling;
  }
}
