import { z } from 'zod';
import { LIMITS } from '../limits';

const Position = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]).rest(z.number());
const Ring = z.array(Position).min(4).max(LIMITS.forceVertexMax);
const PolygonCoords = z.array(Ring).min(1).max(100);

export const GeoJsonPolygon = z.strictObject({
  type: z.literal('Polygon'),
  coordinates: PolygonCoords,
});
export const GeoJsonMultiPolygon = z.strictObject({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(PolygonCoords).min(1).max(500),
});
const Geometry = z.discriminatedUnion('type', [GeoJsonPolygon, GeoJsonMultiPolygon]);

/** A force area upload: a bare geometry, a Feature, or a FeatureCollection of (Multi)Polygons. */
export const ForceAreaUpload = z
  .union([
    Geometry,
    z.object({
      type: z.literal('Feature'),
      geometry: Geometry,
      properties: z.unknown().optional(),
    }),
    z.object({
      type: z.literal('FeatureCollection'),
      features: z
        .array(
          z.object({
            type: z.literal('Feature'),
            geometry: Geometry,
            properties: z.unknown().optional(),
          }),
        )
        .min(1)
        .max(500),
    }),
  ])
  .meta({ id: 'ForceAreaUpload' });
export type ForceAreaUpload = z.infer<typeof ForceAreaUpload>;

export const ForceIdParams = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{2,40}$/),
});

export const ForceView = z
  .object({
    id: z.string(),
    name: z.string(),
    bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
    polygonCount: z.number(),
    vertexCount: z.number(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Force' });
export type ForceView = z.infer<typeof ForceView>;
