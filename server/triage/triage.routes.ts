import { IdParams } from '../../shared/schemas/common';
import { OfficerList, OfficersQuery, SearchQuery, SearchResults } from '../../shared/schemas/officer';
import {
  AuditList,
  AuditQuery,
  ExportQuery,
  ReportDetail,
  ReportList,
  ReportListQuery,
  ReportPatch,
} from '../../shared/schemas/police';
import type { EntityIndex } from '../entities/entity-index';
import { entityMatcher } from '../entities/entity-search';
import type { ForceService } from '../forces/forces.service';
import { can, visibleForces } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import { filterInput } from '../map/scope';
import { streamExport } from './export';
import { officersOf } from './officers';
import { searchReports } from './search';
import type { TriageService } from './triage.service';

/** Police triage routes. `/api/reports/export` is declared before `/api/reports/:id`. */
export function triageRoutes(deps: { triage: TriageService; forces: ForceService; entityIndex: EntityIndex }): RouteDef[] {
  const { triage, forces } = deps;
  const matchers = [entityMatcher(deps.entityIndex)];
  return [
    route({
      method: 'get',
      path: '/api/reports',
      summary: 'Triage queue: matching reports of your force, safeguarding first, then newest',
      tags: ['triage'],
      access: can('report.read'),
      query: ReportListQuery,
      response: ReportList,
      handler: ({ query, auth }) => triage.list(filterInput(auth!, query), query),
    }),
    route({
      method: 'get',
      path: '/api/reports/export',
      summary: 'Export exactly the filtered reports as CSV (police.uk-like columns) or GeoJSON, streamed',
      tags: ['triage'],
      access: can('report.export'),
      query: ExportQuery,
      produces: 'text/csv',
      handler: async ({ query, auth, res }) => {
        // Rows are read from the same index the slots were selected in (the map index may be replaced meanwhile).
        const { ix, slots } = triage.allInQueueOrder(filterInput(auth!, query));
        const names = new Map((await forces.list()).map((f) => [f.id, f.name]));
        await triage.audit(auth!, 'reports.export', null, { format: query.format, count: slots.length });
        await streamExport(res, {
          format: query.format,
          ix,
          slots,
          forceName: (id) => names.get(id) ?? id,
        });
      },
    }),
    route({
      method: 'get',
      path: '/api/reports/search',
      summary: 'One search box: a report by reference (spaces, hyphens, case ignored) or by address words, in memory',
      tags: ['triage'],
      access: can('report.read'),
      query: SearchQuery,
      response: SearchResults,
      handler: ({ query, auth }) => searchReports(triage.index, visibleForces(auth!.user, query.force), query.q, query.limit, matchers),
    }),
    route({
      method: 'get',
      path: '/api/officers',
      summary: 'Officers of your force a report can be assigned to (police_admin: of every force, or ?force=)',
      tags: ['triage'],
      access: can('report.change'),
      query: OfficersQuery,
      response: OfficerList,
      handler: ({ query, auth }) => officersOf(visibleForces(auth!.user, query.force)),
    }),
    route({
      method: 'get',
      path: '/api/audit',
      summary: 'Audit log of police reads and changes, newest first (police_admin)',
      tags: ['triage'],
      access: can('audit.read'),
      query: AuditQuery,
      response: AuditList,
      handler: ({ query }) => triage.auditList(query),
    }),
    route({
      method: 'get',
      path: '/api/reports/:id',
      summary: 'One report in full for police (the read is audited); 404 for another force',
      tags: ['triage'],
      access: can('report.read'),
      params: IdParams,
      response: ReportDetail,
      errors: [404],
      handler: ({ params, auth }) => triage.detail(auth!, params.id),
    }),
    route({
      method: 'patch',
      path: '/api/reports/:id',
      summary: 'Change status, assignment, notes, questions, links or owner-alert release (each change audited)',
      tags: ['triage'],
      access: can('report.change'),
      params: IdParams,
      body: ReportPatch,
      response: ReportDetail,
      errors: [404, 409],
      handler: ({ params, body, auth }) => triage.patch(auth!, params.id, body),
    }),
  ];
}
