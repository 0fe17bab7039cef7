import { z } from 'zod';
import { LIMITS } from '../limits';

export const Latitude = z.number().min(-90).max(90);
export const Longitude = z.number().min(-180).max(180);
export const LatLng = z.strictObject({ lat: Latitude, lng: Longitude }).meta({ id: 'LatLng' });
export type LatLng = z.infer<typeof LatLng>;

export const Email = z
  .string()
  .trim()
  .max(LIMITS.emailMax)
  .pipe(z.email())
  .transform((e) => e.toLowerCase());

export const ObjectId = z.string().regex(/^[a-f0-9]{24}$/, 'Expected an id');
export const IdParams = z.strictObject({ id: ObjectId });

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const Ok = z.object({ ok: z.literal(true) }).meta({ id: 'Ok' });
