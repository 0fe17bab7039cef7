import { model, Schema, type Model } from 'mongoose';
import type { Point } from '../geo/polygon';

/** Polygons are `{ outer: [{lat,lng}], holes: [{ points: [{lat,lng}] }] }`: no nested arrays. */
export interface StoredPolygon {
  outer: Point[];
  holes: Array<{ points: Point[] }>;
}
export interface Force {
  _id: string;
  name: string;
  polygons: StoredPolygon[];
  createdAt: Date;
  updatedAt: Date;
}

const pointSchema = new Schema<Point>({ lat: Number, lng: Number }, { _id: false });
const polygonSchema = new Schema<StoredPolygon>(
  {
    outer: [pointSchema],
    holes: [new Schema({ points: [pointSchema] }, { _id: false })],
  },
  { _id: false },
);
const schema = new Schema<Force>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    polygons: [polygonSchema],
  },
  { timestamps: true, versionKey: false },
);

export const ForceModel: Model<Force> = model<Force>('Force', schema);
