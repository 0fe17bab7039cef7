import type { Types } from 'mongoose';
import { ReportModel } from '../reports/report.model';
import { reportIdFor } from '../reports/report-id';
import type { GeneratedReport } from './generate';

/** Generated reports cannot be followed up: their passphrase hash matches nothing. Their ids derive from their references, as live ones do. */
const NO_PASSPHRASE = 'generated:none';

export function toReportDocument(r: GeneratedReport & { _id?: Types.ObjectId }) {
  return {
    _id: r._id ?? reportIdFor(r.reference),
    ...r,
    passphraseHash: NO_PASSPHRASE,
    listingUrl: null,
    propertyId: null,
    contact: null,
    statusHistory: [
      { status: 'new', at: r.createdAt, by: null },
      ...(r.status === 'new' ? [] : [{ status: r.status, at: r.updatedAt, by: null }]),
    ],
    addenda: [],
    questions: [],
    filedBy: null,
    notes: [],
    assignedTo: null,
    linkedReportIds: [],
    ownerAlert: 'withheld',
    releasedAt: null,
    __v: 0,
  };
}

/**
 * Bulk insert through the driver in batches of `batchSize`, up to `concurrency` batches in flight; the next batch is
 * generated while they are (so generating costs no wall time when the engine is the slower side). On FerretDB 2-4
 * streams measured alike at 100k (its SQLite has one writer, but documents are decoded and encoded beside it) and 1
 * slower; MongoDB takes several. Calls `onProgress` with the running total.
 */
export async function insertReports(
  reports: Iterable<GeneratedReport & { _id?: Types.ObjectId }>,
  opts: { batchSize?: number; concurrency?: number; onProgress?: (done: number) => void } = {},
): Promise<number> {
  const size = opts.batchSize ?? 2000;
  const concurrency = Math.max(1, opts.concurrency ?? 3);
  const inFlight = new Set<Promise<void>>();
  let failed: unknown = null;
  let done = 0;
  const send = async (docs: ReturnType<typeof toReportDocument>[]) => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failed) throw failed;
    const p: Promise<void> = ReportModel.collection
      .insertMany(docs, { ordered: false })
      .then(() => {
        done += docs.length;
        opts.onProgress?.(done);
      })
      .catch((err: unknown) => {
        failed ??= err;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  let batch: ReturnType<typeof toReportDocument>[] = [];
  for (const r of reports) {
    batch.push(toReportDocument(r));
    if (batch.length >= size) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length) await send(batch);
  await Promise.all(inFlight);
  if (failed) throw failed;
  return done;
}
