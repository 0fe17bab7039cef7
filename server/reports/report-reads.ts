import type { Types } from 'mongoose';
import { type Report, ReportModel } from './report.model';

/** A report as read with `.lean()` (or through the driver): the stored fields and the `_id`. */
export type LeanReport = Report & { _id: Types.ObjectId };

/** The driver name of the reports collection, for `updateVersioned` / `readById`. */
export const reportsCollection = (): string => ReportModel.collection.collectionName;

/** One report by `_id`, or null. */
export function loadReport(id: string | Types.ObjectId): Promise<LeanReport | null> {
  return ReportModel.findById(id).lean<LeanReport>().exec();
}

/**
 * Loads reports one `_id` at a time (the only indexed lookup on every engine), `concurrency` at a time. Ids whose
 * report is missing are left out of the map.
 */
export async function loadByIds(ids: string[], concurrency = 16): Promise<Map<string, LeanReport>> {
  const out = new Map<string, LeanReport>();
  for (let k = 0; k < ids.length; k += concurrency) {
    const docs = await Promise.all(ids.slice(k, k + concurrency).map((id) => loadReport(id)));
    for (const d of docs) if (d) out.set(d._id.toString(), d);
  }
  return out;
}
