import { z } from 'zod';
import { dbInfo } from '../db/connection';
import { errors } from '../http/errors';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';

export const Health = z
  .object({
    status: z.literal('ok'),
    db: z.object({
      engine: z.enum(['mongodb', 'ferretdb']),
      version: z.string(),
      local: z.string(),
    }),
    uptimeSeconds: z.number(),
  })
  .meta({ id: 'Health' });

export function healthRoutes(deps: { engineKind: string }): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/health',
      summary: 'Liveness and database status; 503 when the database is unreachable',
      tags: ['health'],
      access: can('service.read'),
      response: Health,
      errors: [503],
      handler: async ({ res }) => {
        res.setHeader('Cache-Control', 'no-store');
        try {
          const db = await dbInfo();
          return {
            status: 'ok' as const,
            db: { ...db, local: deps.engineKind },
            uptimeSeconds: Math.round(process.uptime()),
          };
        } catch {
          throw errors.unavailable();
        }
      },
    }),
  ];
}
