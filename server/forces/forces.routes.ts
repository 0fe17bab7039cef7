import { z } from 'zod';
import { ForceAreaUpload, ForceIdParams, ForceView } from '../../shared/schemas/forces';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import type { ForceService } from './forces.service';
import { polygonsFromGeoJson } from './geojson';

export function forceRoutes(deps: { forces: ForceService }): RouteDef[] {
  const { forces } = deps;
  return [
    route({
      method: 'get',
      path: '/api/forces',
      summary: 'Police forces covered, with the bounding box of each area',
      tags: ['forces'],
      access: can('service.read'),
      response: z.object({ forces: z.array(ForceView) }),
      handler: async () => ({ forces: await forces.list() }),
    }),
    route({
      method: 'post',
      path: '/api/forces',
      summary: 'Create a force with its area (GeoJSON Polygon or MultiPolygon); 409 if the id exists (replace an area with PUT)',
      tags: ['forces'],
      access: can('force.admin'),
      body: z.strictObject({
        id: ForceIdParams.shape.id,
        name: z.string().trim().min(2).max(100),
        area: ForceAreaUpload,
      }),
      status: 201,
      response: ForceView,
      errors: [409],
      handler: async ({ body }) => forces.create(body.id, body.name, polygonsFromGeoJson(body.area)),
    }),
    route({
      method: 'put',
      path: '/api/forces/:id/area',
      summary: "Replace a force's area with uploaded GeoJSON; invalid geometry is rejected",
      tags: ['forces'],
      access: can('force.admin'),
      params: ForceIdParams,
      body: ForceAreaUpload,
      response: ForceView,
      errors: [404],
      handler: async ({ params, body }) => forces.replaceArea(params.id, polygonsFromGeoJson(body)),
    }),
  ];
}
