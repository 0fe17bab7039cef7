import { AuditExportQuery, SystemStatus } from '../../shared/schemas/admin';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import { appendAudit, auditEntry } from '../triage/audit-log';
import { AUDIT_EXPORT_MAX, auditCsv } from './audit-export';
import type { SystemStatusService } from './system-status';

/** The admin console's own routes: the system status and the audit trail as CSV. */
export function adminRoutes(deps: { system: SystemStatusService }): RouteDef[] {
  const { system } = deps;
  return [
    route({
      method: 'get',
      path: '/api/admin/status',
      summary:
        'System status: database engine and how it was reached, outbox depth and failed deliveries, map index lag and the last snapshot (police_admin)',
      tags: ['admin'],
      access: can('system.status'),
      response: SystemStatus,
      handler: () => system.status(),
    }),
    route({
      method: 'get',
      path: '/api/audit/export',
      summary: `The audit trail as CSV, filtered like the list (person, report, action, days), newest first, at most ${AUDIT_EXPORT_MAX} rows (police_admin; the export is audited)`,
      tags: ['admin'],
      access: can('audit.read'),
      query: AuditExportQuery,
      produces: 'text/csv',
      handler: async ({ auth, query, res }) => {
        const { csv, rows, truncated } = await auditCsv(query);
        await appendAudit([auditEntry('audit.export', null, auth!.user.id, { ...query, rows })]);
        const stamp = new Date().toISOString().slice(0, 10);
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="staywatch-audit-${stamp}.csv"`);
        res.setHeader('X-Total-Count', String(rows));
        res.setHeader('X-Truncated', String(truncated));
        res.setHeader('Access-Control-Expose-Headers', 'X-Total-Count, X-Truncated');
        res.status(200).send(csv);
      },
    }),
  ];
}
