import { type Model, model, Schema } from 'mongoose';
import { updateVersioned } from '../db/versioned';

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

/**
 * Records that properties changed (call after any write to them); returns the new version. A versioned change, not
 * `$inc`: FerretDB applies `$inc` as read-then-write, so two concurrent bumps could count once and another instance
 * would miss a change.
 */
export async function bumpPropertyVersion(): Promise<number> {
  const row = await updateVersioned<PropertyVersion & { rev?: number }>(
    PropertyVersionModel.collection.collectionName,
    PROPERTY_VERSION_ID,
    (cur) => ({ version: (cur?.version ?? 0) + 1 }),
    { attempts: 50 },
  );
  return row?.version ?? 0;
}

export async function currentPropertyVersion(): Promise<number> {
  return (await PropertyVersionModel.findById(PROPERTY_VERSION_ID).lean())?.version ?? 0;
}
