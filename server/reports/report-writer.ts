import { writeErrorsOf } from '../db/insert';
/** What the engine said about one document of a batch (a duplicate key, "database is locked"...). */
export class ReportWriteError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'ReportWriteError';
  }
}

type Doc = object;

/** The two calls of a driver collection the writer uses. */
export interface InsertTarget {
  insertOne(doc: Doc): Promise<unknown>;
  insertMany(docs: Doc[], opts: { ordered: false }): Promise<unknown>;
}

interface Pending {
  doc: Doc;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for new reports: a report that arrives while earlier ones are being written waits for them and is
 * then written together with everything else that queued up, as one `insertMany` (unordered). Alone, a report is
 * one `insertOne`, so nothing waits at low load; under load the engine does one write per batch instead of one per
 * report. Each caller is answered only once its own document is acknowledged, with its own error if it failed.
 */
export class ReportWriter {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly collection: () => InsertTarget,
    private readonly opts: { maxInFlight: number; maxBatch: number } = { maxInFlight: 1, maxBatch: 200 },
  ) {}

  insert(doc: Doc): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ doc, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const [one] = batch as [Pending];
      try {
        await this.collection().insertOne(one.doc);
        one.resolve();
      } catch (err) {
        one.reject(err);
      }
      return;
    }
    let failed = new Map<number, unknown>();
    try {
      await this.collection().insertMany(
        batch.map((p) => p.doc),
        { ordered: false },
      );
    } catch (err) {
      const list = writeErrorsOf(err);
      if (list.length === 0) {
        // The whole command failed: nothing can be assumed written; each caller retries or gives up on its own.
        failed = new Map(batch.map((_, i) => [i, err]));
      } else {
        for (const e of list) failed.set(e.index, new ReportWriteError(e.errmsg ?? 'write failed', e.code));
      }
    }
    for (const [i, p] of batch.entries()) {
      if (failed.has(i)) p.reject(failed.get(i));
      else p.resolve();
    }
  }
}
