import type { Response } from 'express';
import {
  AdvisoryCreate,
  AdvisoryList,
  AdvisoryPreview,
  AdvisoryPreviewBody,
  AdvisoryView,
  ALERT_LIMITS,
  AlertList,
  SubscriptionCreate,
  SubscriptionList,
  SubscriptionView,
  TokenQuery,
} from '../../shared/schemas/alerts';
import { IdParams } from '../../shared/schemas/common';
import { HttpError } from '../http/errors';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import type { AlertsService } from './alerts.service';
import { PAGE_CSS, page } from './pages';

function html(res: Response, status: number, body: string): void {
  res.status(status).type('html').send(body);
}

/** Signed-in API: subscriptions, sent alerts, advisories. */
export function alertRoutes(deps: { alerts: AlertsService }): RouteDef[] {
  const { alerts } = deps;
  return [
    route({
      method: 'get',
      path: '/api/subscriptions',
      summary: 'Your alert subscriptions',
      tags: ['alerts'],
      access: can('alert.own'),
      response: SubscriptionList,
      handler: async ({ auth }) => ({ subscriptions: await alerts.listViews(auth!.user.id) }),
    }),
    route({
      method: 'post',
      path: '/api/subscriptions',
      summary: `Subscribe to alerts for a property (with a radius) or a drawn area; sends a confirmation email. Owners and hosts draw at most ${ALERT_LIMITS.areasPerWeek} areas a week (429)`,
      tags: ['alerts'],
      access: can('alert.subscribe'),
      body: SubscriptionCreate,
      status: 201,
      response: SubscriptionView,
      errors: [400, 404, 409, 429],
      handler: async ({ auth, body }) => alerts.createView(auth!.user, body),
    }),
    route({
      method: 'delete',
      path: '/api/subscriptions/:id',
      summary: 'Delete one of your subscriptions',
      tags: ['alerts'],
      access: can('alert.own'),
      params: IdParams,
      errors: [404],
      handler: async ({ auth, params }) => {
        await alerts.remove(auth!.user.id, params.id);
      },
    }),
    route({
      method: 'get',
      path: '/api/alerts/mine',
      summary: 'The alerts you were sent (and digest items waiting), newest first',
      tags: ['alerts'],
      access: can('alert.own'),
      response: AlertList,
      handler: async ({ auth }) => ({ alerts: await alerts.mine(auth!.user.id) }),
    }),
    route({
      method: 'post',
      path: '/api/advisories/preview',
      summary: 'How many owners an advisory to this area would reach',
      tags: ['alerts'],
      access: can('advisory.send'),
      body: AdvisoryPreviewBody,
      response: AdvisoryPreview,
      errors: [400],
      handler: async ({ auth, body }) => ({ count: await alerts.previewAdvisory(auth!.user, body.polygon) }),
    }),
    route({
      method: 'post',
      path: '/api/advisories',
      summary: 'Send an advisory to every confirmed owner subscription inside an area of your force',
      tags: ['alerts'],
      access: can('advisory.send'),
      body: AdvisoryCreate,
      status: 201,
      response: AdvisoryView,
      errors: [400],
      handler: async ({ auth, body }) => alerts.createAdvisory(auth!.user, body),
    }),
    route({
      method: 'get',
      path: '/api/advisories',
      summary: 'Advisories sent in your force',
      tags: ['alerts'],
      access: can('advisory.send'),
      response: AdvisoryList,
      handler: async ({ auth }) => ({ advisories: await alerts.listAdvisories(auth!.user) }),
    }),
  ];
}

/**
 * Email-link routes: no session, no CSRF (the signed token is the authority). Mounted before the session
 * middleware so a browser that also carries a session cookie is not asked for a CSRF token.
 * A GET only shows a page; the POST acts (RFC 8058: the POST body `List-Unsubscribe=One-Click` is accepted).
 */
export function alertLinkRoutes(deps: { alerts: AlertsService }): RouteDef[] {
  const { alerts } = deps;
  const action = (path: string, token: string) => `${path}?token=${encodeURIComponent(token)}`;
  async function guard(res: Response, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (!(err instanceof HttpError) || err.status >= 500) throw err;
      html(res, 400, page('This link does not work', [err.message, 'Sign in to StayWatch to manage your alerts.']));
    }
  }
  return [
    route({
      method: 'get',
      path: '/api/alerts/page.css',
      summary: 'Stylesheet of the confirm and unsubscribe pages',
      tags: ['alerts'],
      access: can('service.read'),
      produces: 'text/css',
      handler: ({ res }) => {
        res.type('css').send(PAGE_CSS);
      },
    }),
    route({
      method: 'get',
      path: '/api/subscriptions/confirm',
      summary: 'Confirmation page (changes nothing; its button POSTs)',
      tags: ['alerts'],
      access: can('alert.link'),
      query: TokenQuery,
      produces: 'text/html',
      handler: ({ query, res }) =>
        guard(res, async () => {
          const sub = await alerts.inspect(query.token, 'c');
          if (sub.status === 'confirmed') {
            html(res, 200, page('Alert already confirmed', [`Alerts for ${sub.label} are on.`]));
            return;
          }
          html(
            res,
            200,
            page('Confirm your alert', [`Turn on StayWatch alerts for ${sub.label}, sent to ${sub.email}?`], {
              action: action('/api/subscriptions/confirm', query.token),
              button: 'Confirm alerts',
            }),
          );
        }),
    }),
    route({
      method: 'post',
      path: '/api/subscriptions/confirm',
      summary: 'Confirm a subscription (double opt-in)',
      tags: ['alerts'],
      access: can('alert.link'),
      query: TokenQuery,
      produces: 'text/html',
      handler: ({ query, res }) =>
        guard(res, async () => {
          const sub = await alerts.confirm(query.token);
          html(res, 200, page('Alert confirmed', [`You will now get StayWatch alerts for ${sub.label}.`]));
        }),
    }),
    route({
      method: 'get',
      path: '/api/subscriptions/unsubscribe',
      summary: 'Unsubscribe page (changes nothing; its button POSTs)',
      tags: ['alerts'],
      access: can('alert.link'),
      query: TokenQuery,
      produces: 'text/html',
      handler: ({ query, res }) =>
        guard(res, async () => {
          const sub = await alerts.inspect(query.token, 'u');
          html(
            res,
            200,
            page('Unsubscribe', [`Stop StayWatch alerts for ${sub.label}, sent to ${sub.email}?`], {
              action: action('/api/subscriptions/unsubscribe', query.token),
              button: 'Unsubscribe',
              danger: true,
            }),
          );
        }),
    }),
    route({
      method: 'post',
      path: '/api/subscriptions/unsubscribe',
      summary: 'One-click unsubscribe (RFC 8058): no cookie, no CSRF token needed',
      tags: ['alerts'],
      access: can('alert.link'),
      query: TokenQuery,
      produces: 'text/html',
      handler: ({ query, res }) =>
        guard(res, async () => {
          const sub = await alerts.unsubscribe(query.token);
          html(res, 200, page('You are unsubscribed', [`You will get no more StayWatch alerts for ${sub.label}.`]));
        }),
    }),
  ];
}
