import { type Model, model, Schema, type Types } from 'mongoose';

/** One police read or change of a report (or an export). Append-only. */
export interface Audit {
  action: string;
  reportId: Types.ObjectId | null;
  userId: Types.ObjectId;
  at: Date;
  details: Record<string, unknown> | null;
}

const schema = new Schema<Audit>(
  {
    action: { type: String, required: true },
    reportId: { type: Schema.Types.ObjectId, default: null },
    userId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    details: { type: Schema.Types.Mixed, default: null },
  },
  { versionKey: false },
);
schema.index({ reportId: 1, at: -1 });
schema.index({ userId: 1, at: -1 });

export const AuditModel: Model<Audit> = model<Audit>('Audit', schema);
