import { z } from 'zod';

/** What the browser needs to know about this deployment (public; nothing secret). */
export const ClientSettings = z
  .object({
    /** Leaflet tile URL template, or '' when the deployment shows the offline coastline only. */
    tileUrl: z.string(),
    tileAttribution: z.string(),
  })
  .meta({ id: 'ClientSettings' });
export type ClientSettings = z.infer<typeof ClientSettings>;
