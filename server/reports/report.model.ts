import { type HydratedDocument, type Model, model, Schema, type Types } from 'mongoose';
import type { EntityMention } from '../../shared/entities';
import {
  PROPERTY_TYPE_IDS,
  type Priority,
  type PropertyType,
  REPORT_STATUSES,
  REPORTER_ROLE_IDS,
  type ReporterRole,
  type ReportStatus,
} from '../../shared/taxonomy';

export interface StatusChange {
  status: ReportStatus;
  at: Date;
  by: Types.ObjectId | null;
  note?: string;
}
export interface Addendum {
  text: string;
  at: Date;
  /** The police question (its index in `questions`) this answers; absent for information added on its own. */
  answers?: number | null;
}
export interface Question {
  text: string;
  at: Date;
  by: Types.ObjectId | null;
}
export interface Note {
  text: string;
  at: Date;
  by: Types.ObjectId | null;
}
export interface Contact {
  name?: string;
  phone?: string;
  email?: string;
}

export interface Report {
  reference: string;
  passphraseHash: string;
  lat: number;
  lng: number;
  cells: { g4: string; g5: string; g6: string; g7: string };
  address: string | null;
  propertyType: PropertyType;
  listingUrl: string | null;
  /** Registered property within 30 m of the same type: a suggestion for police, never shown to reporters. */
  propertyId: Types.ObjectId | null;
  indicators: number[];
  description: string;
  observedFrom: Date;
  observedTo: Date;
  reporterRole: ReporterRole;
  contact: Contact | null;
  priority: Priority;
  status: ReportStatus;
  statusHistory: StatusChange[];
  forceId: string;
  addenda: Addendum[];
  questions: Question[];
  filedBy: Types.ObjectId | null;
  /** Police-only working notes. */
  notes: Note[];
  assignedTo: Types.ObjectId | null;
  /** Reports about the same property, linked by police (kept symmetric by the triage service). */
  linkedReportIds: Types.ObjectId[];
  /** Property-specific owner alerts go out only once police release them; never automatic for safeguarding. */
  ownerAlert: 'withheld' | 'released';
  releasedAt: Date | null;
  /** The reporter added information (an addendum, a reply) the assigned officer has not opened yet. */
  unread?: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** Normalised phones, vehicles, listings and line names it mentions (shared/entities.ts); police-only. */
  entities?: EntityMention[];
  /** Revision of the last versioned change (server/db/versioned.ts); absent on a report never changed = 0. */
  rev?: number;
}
export type ReportDoc = HydratedDocument<Report>;

const point = { type: Number, required: true };
const schema = new Schema<Report>(
  {
    reference: { type: String, required: true, unique: true },
    passphraseHash: { type: String, required: true },
    lat: { ...point, min: -90, max: 90 },
    lng: { ...point, min: -180, max: 180 },
    cells: {
      g4: { type: String, required: true },
      g5: { type: String, required: true },
      g6: { type: String, required: true },
      g7: { type: String, required: true },
    },
    address: { type: String, default: null },
    propertyType: { type: String, required: true, enum: PROPERTY_TYPE_IDS },
    listingUrl: { type: String, default: null },
    propertyId: { type: Schema.Types.ObjectId, default: null },
    indicators: { type: [Number], required: true },
    description: { type: String, default: '' },
    observedFrom: { type: Date, required: true },
    observedTo: { type: Date, required: true },
    reporterRole: { type: String, required: true, enum: REPORTER_ROLE_IDS },
    contact: {
      type: new Schema({ name: String, phone: String, email: String }, { _id: false }),
      default: null,
    },
    priority: {
      type: String,
      required: true,
      enum: ['safeguarding', 'standard'],
    },
    status: {
      type: String,
      required: true,
      enum: REPORT_STATUSES,
      default: 'new',
    },
    statusHistory: [
      new Schema(
        {
          status: { type: String, enum: REPORT_STATUSES },
          at: Date,
          by: { type: Schema.Types.ObjectId, default: null },
          note: String,
        },
        { _id: false },
      ),
    ],
    forceId: { type: String, required: true },
    addenda: [new Schema({ text: String, at: Date, answers: { type: Number, default: null } }, { _id: false })],
    questions: [
      new Schema(
        {
          text: String,
          at: Date,
          by: { type: Schema.Types.ObjectId, default: null },
        },
        { _id: false },
      ),
    ],
    filedBy: { type: Schema.Types.ObjectId, default: null },
    notes: [new Schema({ text: String, at: Date, by: { type: Schema.Types.ObjectId, default: null } }, { _id: false })],
    assignedTo: { type: Schema.Types.ObjectId, default: null },
    linkedReportIds: { type: [Schema.Types.ObjectId], default: [] },
    ownerAlert: { type: String, enum: ['withheld', 'released'], default: 'withheld' },
    releasedAt: { type: Date, default: null },
    unread: { type: Boolean, default: false },
    rev: { type: Number, default: 0 },
    entities: {
      type: [
        new Schema({ key: String, kind: String, label: String, raw: String, source: String, partial: Boolean }, { _id: false }),
      ],
      default: undefined,
    },
  },
  { timestamps: true },
);
schema.index({ forceId: 1, updatedAt: 1 });
schema.index({ updatedAt: 1 });

export const ReportModel: Model<Report> = model<Report>('Report', schema);
