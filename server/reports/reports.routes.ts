import { z } from 'zod';
import {
  AddendumBody,
  FollowUpBody,
  MyAddendumBody,
  ReportCreate,
  ReportCreated,
  ReportPublicView,
  TaxonomyView,
} from '../../shared/schemas/reports';
import { INDICATORS, PROPERTY_TYPES, REPORTER_ROLES, SIGNPOSTS } from '../../shared/taxonomy';
import type { Config } from '../config';
import { allowed, can } from '../http/policy';
import { limiter } from '../http/rate-limit';
import { type RouteDef, route } from '../http/route';
import type { ReportService } from './reports.service';

export function reportRoutes(deps: { config: Config; reports: ReportService }): RouteDef[] {
  const { config, reports } = deps;
  const windowMs = config.rateLimits.windowMs;
  const reportLimiter = limiter({ name: 'report', limit: config.rateLimits.report, windowMs });
  // One budget for follow-up and addendum, so wrong passphrases cannot be tried on either route for free.
  const followUpLimiter = limiter({ name: 'follow-up', limit: config.rateLimits.followUp, windowMs });
  const taxonomy = {
    propertyTypes: PROPERTY_TYPES.map((t) => ({ ...t })),
    indicators: INDICATORS.map((i) => ({ ...i, appliesTo: [...i.appliesTo] })),
    reporterRoles: REPORTER_ROLES.map((r) => ({ ...r })),
    signposts: SIGNPOSTS.map((s) => ({ ...s })),
  };

  return [
    route({
      method: 'get',
      path: '/api/taxonomy',
      summary: 'Property types, the indicator checklist, reporter roles and where else to get help',
      tags: ['reports'],
      access: can('service.read'),
      response: TaxonomyView,
      handler: () => taxonomy,
    }),
    route({
      method: 'post',
      path: '/api/reports',
      summary: 'File a concern (anonymous allowed); returns the reference and the follow-up passphrase, shown once',
      tags: ['reports'],
      access: can('report.file'),
      body: ReportCreate,
      status: 201,
      response: ReportCreated,
      errors: [400, 422, 429],
      before: [reportLimiter],
      // Filed under the caller when the caller is one who may list their filed reports (an owner or host).
      handler: ({ body, auth }) => reports.create(body, auth && allowed(auth.user.role, 'report.mine') ? auth.user.id : null),
    }),
    route({
      method: 'post',
      path: '/api/reports/follow-up',
      summary: "A report's public status and police questions, by reference and passphrase",
      tags: ['reports'],
      access: can('report.followUp'),
      body: FollowUpBody,
      response: ReportPublicView,
      errors: [400, 404, 429],
      before: [followUpLimiter],
      handler: ({ body }) => reports.followUp(body),
    }),
    route({
      method: 'post',
      path: '/api/reports/follow-up/addendum',
      summary: 'Add information to a report, by reference and passphrase',
      tags: ['reports'],
      access: can('report.followUp'),
      body: AddendumBody,
      response: ReportPublicView,
      errors: [400, 404, 409, 429],
      before: [followUpLimiter],
      handler: ({ body }) => reports.addAddendum(body),
    }),
    route({
      method: 'get',
      path: '/api/reports/mine',
      summary: 'Reports filed by the signed-in host or owner',
      tags: ['reports'],
      access: can('report.mine'),
      response: z.object({ reports: z.array(ReportPublicView) }),
      handler: async ({ auth }) => ({ reports: await reports.mine(auth!.user.id) }),
    }),
    route({
      method: 'post',
      path: '/api/reports/mine/:reference/addendum',
      summary: 'Add information to, or answer a police question on, a report the signed-in host or owner filed',
      tags: ['reports'],
      access: can('report.mine'),
      params: z.object({ reference: z.string().max(60) }),
      body: MyAddendumBody,
      response: ReportPublicView,
      errors: [400, 404, 409],
      handler: ({ auth, params, body }) => reports.addMine(auth!.user.id, params.reference, body),
    }),
  ];
}
