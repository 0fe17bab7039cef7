import { model, Schema, type Model, type Types } from 'mongoose';

/**
 * Reference → report id, keyed by `_id` so a follow-up finds its report with two `_id` lookups (the only
 * indexed queries on FerretDB) instead of scanning every report, and so a duplicate reference fails on insert.
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
