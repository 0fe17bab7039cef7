import { z } from 'zod';

export const GeocodeQuery = z.strictObject({
  q: z.string().trim().min(2, 'Type at least 2 characters').max(100),
});
export type GeocodeQuery = z.infer<typeof GeocodeQuery>;

export const GeocodeResult = z.object({ label: z.string(), lat: z.number(), lng: z.number() }).meta({ id: 'GeocodeResult' });
export type GeocodeResult = z.infer<typeof GeocodeResult>;

export const GeocodeResults = z
  .object({
    /** False when this deployment has no geocoder (GEOCODER_URL unset): place the pin on the map instead. */
    available: z.boolean(),
    results: z.array(GeocodeResult),
  })
  .meta({ id: 'GeocodeResults' });
export type GeocodeResults = z.infer<typeof GeocodeResults>;
