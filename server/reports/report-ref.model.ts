import { type Model, model, Schema, type Types } from 'mongoose';

/**
 * Legacy reference → report id rows, from before report ids were derived from references (report-id.ts).
 * Nothing writes them any more; a follow-up still reads them so reports filed before the change stay reachable
 * with `_id` lookups.
 */
export interface ReportRef {
  _id: string;
  reportId: Types.ObjectId;
}

const schema = new Schema<ReportRef>(
  { _id: { type: String, required: true }, reportId: { type: Schema.Types.ObjectId, required: true } },
  { versionKey: false },
);

export const ReportRefModel: Model<ReportRef> = model<ReportRef>('ReportRef', schema, 'reportrefs');
