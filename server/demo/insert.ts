import { ReportModel } from '../reports/report.model';
import { reportIdFor } from '../reports/report-id';
import type { GeneratedReport } from './generate';

/** Generated reports cannot be followed up: their passphrase hash matches nothing. Their ids derive from their references, as live ones do. */
const NO_PASSPHRASE = 'generated:none';

export function toReportDocument(r: GeneratedReport) {
  return {
    _id: reportIdFor(r.reference),
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

/** Bulk insert through the driver in batches; calls `onProgress` with the running total. */
export async function insertReports(
  reports: Iterable<GeneratedReport>,
  opts: { batchSize?: number; concurrency?: number; onProgress?: (done: number) => void } = {},
): Promise<number> {
  const size = opts.batchSize ?? 2000;
  const concurrency = opts.concurrency ?? 3;
  const inFlight = new Set<Promise<void>>();
  let batch: ReturnType<typeof toReportDocument>[] = [];
  let done = 0;
  const flush = async () => {
    const docs = batch;
    batch = [];
    const p = ReportModel.collection.insertMany(docs, { ordered: false }).then(() => {
      done += docs.length;
      inFlight.delete(p);
      opts.onProgress?.(done);
    });
    inFlight.add(p);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };
  for (const r of reports) {
    batch.push(toReportDocument(r));
    if (batch.length >= size) await flush();
  }
  if (batch.length) await flush();
  await Promise.all(inFlight);
  return done;
}
