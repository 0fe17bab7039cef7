import { z } from 'zod';
import { AreaShape } from './admin';

/** Force boundaries for the police map's boundary layer, simplified to a few hundred metres. */
export const ForceBoundaries = z
  .object({
    forces: z.array(z.object({ id: z.string(), name: z.string(), area: AreaShape })),
    toleranceM: z.number(),
  })
  .meta({ id: 'ForceBoundaries' });
export type ForceBoundaries = z.infer<typeof ForceBoundaries>;
