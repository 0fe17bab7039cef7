import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/**
 * A report's `_id`, derived from its reference (the first 12 bytes of a SHA-256 of it). One insert of the report
 * claims the reference (a taken one fails on `_id`, the key every engine enforces), and a follow-up finds the
 * report with one `_id` lookup — the only indexed query on FerretDB — with no second collection to keep in step.
 * The id reveals nothing a viewer of the report does not already see (police and owners are shown the reference).
 */
export function reportIdFor(reference: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(`staywatch:report:${reference}`).digest().subarray(0, 12));
}
