import { z } from 'zod';
import { ForceAreaPreview, ForceAreaReplaceBody } from '../../shared/schemas/admin';
import { ForceBoundaries } from '../../shared/schemas/force-areas';
import { ForceAreaUpload, ForceIdParams, ForceView } from '../../shared/schemas/forces';
import { can, visibleForces } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import { appendAudit, auditEntry } from '../triage/audit-log';
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
      method: 'get',
      path: '/api/forces/areas',
      summary: "Simplified force boundaries for the police map: the officer's own force, every force for a police admin",
      tags: ['forces'],
      access: can('map.view'),
      response: ForceBoundaries,
      handler: ({ auth }) => forces.boundariesOf(visibleForces(auth!.user)),
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
      method: 'post',
      path: '/api/forces/:id/area/preview',
      summary:
        'Check an uploaded GeoJSON area for a force and show it beside the current one, changing nothing (invalid geometry is rejected as the replace would)',
      tags: ['forces'],
      access: can('force.admin'),
      params: ForceIdParams,
      body: ForceAreaUpload,
      response: ForceAreaPreview,
      errors: [400, 404],
      handler: ({ params, body }) => forces.previewArea(params.id, polygonsFromGeoJson(body)),
    }),
    route({
      method: 'put',
      path: '/api/forces/:id/area',
      summary:
        "Replace a force's area with uploaded GeoJSON, once the admin has seen the preview and confirmed (`confirm: true`); invalid geometry is rejected",
      tags: ['forces'],
      access: can('force.admin'),
      params: ForceIdParams,
      body: ForceAreaReplaceBody,
      response: ForceView,
      errors: [400, 404],
      handler: async ({ auth, params, body }) => {
        const view = await forces.replaceArea(params.id, polygonsFromGeoJson(body.area));
        await appendAudit([
          auditEntry('force.area_replaced', null, auth!.user.id, {
            forceId: params.id,
            polygons: view.polygonCount,
            vertices: view.vertexCount,
          }),
        ]);
        return view;
      },
    }),
  ];
}
