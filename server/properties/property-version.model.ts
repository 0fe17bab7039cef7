import { type Model, model, Schema } from 'mongoose';
import { isDuplicateKey } from '../db/errors';

/**
 * One row counting writes to properties, bumped after each one. App instances keep their property grid in memory
 * and compare this counter (an `_id` lookup, cheap on every engine) instead of scanning properties for changes.
 */
export interface PropertyVersion {
  _id: string;
  version: number;
}

export const PROPERTY_VERSION_ID = 'properties';

const schema = new Schema<PropertyVersion>(
  { _id: { type: String, required: true }, version: { type: Number, required: true } },
  { versionKey: false },
);

export const PropertyVersionModel: Model<PropertyVersion> = model<PropertyVersion>('PropertyVersion', schema, 'propertyversions');

/** Records that properties changed (call after any write to them); returns the new version. */
export async function bumpPropertyVersion(): Promise<number> {
  const bump = () =>
    PropertyVersionModel.findOneAndUpdate(
      { _id: PROPERTY_VERSION_ID },
      { $inc: { version: 1 } },
      { upsert: true, returnDocument: 'after' },
    ).lean();
  // Two first-ever bumps at once: one upsert creates the row, the other fails on its key and bumps it.
  const row = await bump().catch((err: unknown) => (isDuplicateKey(err) ? bump() : Promise.reject(err)));
  return row?.version ?? 0;
}

export async function currentPropertyVersion(): Promise<number> {
  return (await PropertyVersionModel.findById(PROPERTY_VERSION_ID).lean())?.version ?? 0;
}
