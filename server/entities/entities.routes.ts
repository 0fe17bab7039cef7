import { IdParams } from '../../shared/schemas/common';
import {
  EntityDetail,
  EntityKeyParams,
  EntityNetwork,
  EntitySearchQuery,
  EntitySearchResult,
  NetworkQuery,
  PackQuery,
  PageQuery,
  ReportEntities,
} from '../../shared/schemas/entities';
import { ukDateKey } from '../../shared/time';
import type { ForceService } from '../forces/forces.service';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import { filterInput } from '../map/scope';
import type { EntityService } from './entities.service';
import { PACK_STYLE_HASH, packCsv, packHtml } from './pack';

/** Linked intelligence routes (police only; see EntityService for the force boundary). Fixed paths before `:key`. */
export function entityRoutes(deps: { entities: EntityService; forces: ForceService }): RouteDef[] {
  const { entities, forces } = deps;
  return [
    route({
      method: 'get',
      path: '/api/reports/:id/entities',
      summary:
        "A report's phones, vehicles, listings and line names, and the other reports of your force sharing them (with why)",
      tags: ['entities'],
      access: can('entity.read'),
      params: IdParams,
      query: PageQuery,
      response: ReportEntities,
      errors: [404],
      handler: ({ params, query, auth }) => entities.linksFor(auth!, params.id, query),
    }),
    route({
      method: 'get',
      path: '/api/entities/search',
      summary: 'Entities a search text names (however written) or starts, with at least one report of your force',
      tags: ['entities'],
      access: can('entity.read'),
      query: EntitySearchQuery,
      response: EntitySearchResult,
      handler: ({ query, auth }) => entities.search(auth!, query.q, query.limit, query.force),
    }),
    route({
      method: 'get',
      path: '/api/entities/network',
      summary: 'Reports of the current selection (workspace filters) that mention entities, and those entities',
      tags: ['entities'],
      access: can('entity.read'),
      query: NetworkQuery,
      response: EntityNetwork,
      handler: ({ query, auth }) => entities.network(auth!, filterInput(auth!, query), query.limit),
    }),
    route({
      method: 'get',
      path: '/api/entities/:key',
      summary:
        'One entity: first and last seen, indicators, UK-time timeline over its reports in your force, and those reports a page at a time (the read is audited)',
      tags: ['entities'],
      access: can('entity.read'),
      params: EntityKeyParams,
      query: PageQuery,
      response: EntityDetail,
      errors: [404],
      handler: async ({ params, query, auth }) => {
        const detail = entities.detail(auth!, params.key, query);
        await entities.audit(auth!, 'entity.read', { key: params.key, count: detail.total });
        return detail;
      },
    }),
    route({
      method: 'get',
      path: '/api/entities/:key/pack',
      summary: 'Evidence pack for one entity: every report of your force, as CSV or printable HTML (audited)',
      tags: ['entities'],
      access: can('entity.export'),
      params: EntityKeyParams,
      query: PackQuery,
      produces: 'text/html',
      errors: [404],
      handler: async ({ params, query, auth, res }) => {
        const { key } = params;
        const names = new Map((await forces.list()).map((f) => [f.id, f.name]));
        const input = entities.packInput(auth!, key, {
          forceName: (id) => names.get(id) ?? id,
          generatedBy: auth!.user.name,
        });
        const { slots } = input;
        await entities.audit(auth!, 'entity.export', { key, format: query.format, count: slots.length });
        const stem = `staywatch-pack-${key.replace(/[^A-Za-z0-9+]+/g, '-')}-${ukDateKey(Date.now())}`;
        res.status(200);
        res.setHeader('X-Total-Count', String(slots.length));
        if (query.format === 'csv') {
          res.setHeader('Content-Type', 'text/csv; charset=utf-8');
          res.setHeader('Content-Disposition', `attachment; filename="${stem}.csv"`);
          res.end(packCsv(input));
          return;
        }
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${stem}.html"`);
        // Its own CSP: the one stylesheet by hash, nothing else (no script, no remote load).
        res.setHeader('Content-Security-Policy', `default-src 'none'; style-src '${PACK_STYLE_HASH}'; img-src data:`);
        res.end(packHtml(input));
      },
    }),
  ];
}
