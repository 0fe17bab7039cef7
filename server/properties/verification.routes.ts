import { PropertyView } from '../../shared/schemas/alerts';
import { IdParams } from '../../shared/schemas/common';
import {
  OwnerNoticePreview,
  VerificationCase,
  VerificationCodeBody,
  VerificationDecisionBody,
  VerificationLetter,
  VerificationQueue,
  VerificationQueueQuery,
  VerificationRequestBody,
} from '../../shared/schemas/verification';
import type { AlertsService } from '../alerts/alerts.service';
import { errors } from '../http/errors';
import { can, canOnObject } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import { ReportModel } from '../reports/report.model';
import type { PropertyService } from './properties.service';
import { verificationOf } from './verification';

/**
 * Ownership verification (issue 11 item 4): the owner asks and enters a letter's code; police of the property's
 * force (or an admin) post letters; an admin works the pending queue and decides after checking documents; police
 * see, before releasing a report, how many of the owners it concerns are verified.
 */
export function verificationRoutes(deps: { properties: PropertyService; alerts: AlertsService }): RouteDef[] {
  const { properties, alerts } = deps;
  const verification = properties.verification;
  return [
    route({
      method: 'post',
      path: '/api/properties/:id/verification',
      summary: 'Ask for your property to be verified as yours (unverified or refused → pending)',
      tags: ['verification'],
      access: can('property.verify'),
      params: IdParams,
      body: VerificationRequestBody,
      response: PropertyView,
      errors: [404, 409],
      handler: async ({ auth, params, body }) => verification.requestView(auth!.user.id, params.id, body.note),
    }),
    route({
      method: 'post',
      path: '/api/properties/:id/verification/code',
      summary: 'Enter the code from the letter posted to your property (limited tries per letter)',
      tags: ['verification'],
      access: can('property.verify'),
      params: IdParams,
      body: VerificationCodeBody,
      response: PropertyView,
      errors: [400, 404, 409],
      handler: async ({ auth, params, body }) =>
        verification.submitCodeView(auth!.user.id, params.id, body.code),
    }),
    route({
      method: 'post',
      path: '/api/properties/:id/verification/letter',
      summary: 'A printable letter with a new one-time code to post to the property (police of its force, or an admin)',
      tags: ['verification'],
      access: can('verification.letter'),
      params: IdParams,
      status: 201,
      response: VerificationLetter,
      errors: [404, 409],
      handler: ({ auth, params }) => verification.issueLetter(auth!.user, params.id),
    }),
    route({
      method: 'post',
      path: '/api/properties/:id/verification/decision',
      summary: "Verify or refuse a property after checking the owner's documents, with a note (police_admin)",
      tags: ['verification'],
      access: can('verification.decide'),
      params: IdParams,
      body: VerificationDecisionBody,
      response: VerificationCase,
      errors: [404, 409],
      handler: ({ auth, params, body }) => verification.decide(auth!.user, params.id, body.decision, body.note),
    }),
    route({
      method: 'get',
      path: '/api/verification/pending',
      summary: 'Properties waiting for verification, oldest request first, with their evidence (police_admin)',
      tags: ['verification'],
      access: can('verification.decide'),
      query: VerificationQueueQuery,
      response: VerificationQueue,
      handler: ({ query }) => verification.pending(query),
    }),
    route({
      method: 'get',
      path: '/api/reports/:id/owner-notice',
      summary: "Who releasing this report would tell: the report's property and the owners concerned, by verification",
      tags: ['verification'],
      access: can('report.read'),
      params: IdParams,
      response: OwnerNoticePreview,
      errors: [404],
      handler: async ({ auth, params }) => {
        const report = await ReportModel.findById(params.id, { lat: 1, lng: 1, propertyId: 1, forceId: 1 }).lean();
        if (!report || !canOnObject(auth!.user, 'report.read', report)) throw errors.notFound('Report');
        const recipients = await alerts.propertyNoticeRecipients(report);
        // One count per owner: an owner with several alerts here counts once, with their best status.
        const rank = { verified: 0, pending: 1, unverified: 2, refused: 3 } as const;
        const best = new Map<string, keyof typeof rank>();
        for (const r of recipients) {
          const had = best.get(r.subscription.userId);
          if (!had || rank[r.verification] < rank[had]) best.set(r.subscription.userId, r.verification);
        }
        const owners = { verified: 0, pending: 0, unverified: 0, refused: 0 };
        for (const status of best.values()) owners[status] += 1;
        let property: OwnerNoticePreview['property'] = null;
        if (report.propertyId) {
          const id = String(report.propertyId);
          const p = await properties.find(id);
          if (p) property = { id, address: p.address, verification: verificationOf(p).status };
        }
        return { property, owners };
      },
    }),
  ];
}
