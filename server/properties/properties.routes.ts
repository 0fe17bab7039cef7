import { z } from 'zod';
import { PropertyCreate, PropertyList, PropertyUpdate, PropertyView } from '../../shared/schemas/alerts';
import { IdParams } from '../../shared/schemas/common';
import { clearSessionCookie } from '../accounts/auth.middleware';
import type { SessionService } from '../accounts/sessions.service';
import type { UserService } from '../accounts/users.service';
import type { AlertsService } from '../alerts/alerts.service';
import type { Config } from '../config';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import type { Logger } from '../logger';
import { propertyImportRoutes } from './import.routes';
import type { PropertyService } from './properties.service';
import { verificationRoutes } from './verification.routes';

/** An owner's own properties, deleting the owner's account with all its data, and ownership verification. */
export function propertyRoutes(deps: {
  config: Config;
  logger: Logger;
  properties: PropertyService;
  alerts: AlertsService;
  users: UserService;
  sessions: SessionService;
}): RouteDef[] {
  const { properties, alerts, users, config } = deps;
  return [
    route({
      method: 'get',
      path: '/api/properties',
      summary: 'Your registered properties',
      tags: ['properties'],
      access: can('property.manage'),
      response: PropertyList,
      handler: async ({ auth }) => ({ properties: await properties.listView(auth!.user.id) }),
    }),
    route({
      method: 'post',
      path: '/api/properties',
      summary: 'Register a property (address, map point, type, listing link)',
      tags: ['properties'],
      access: can('property.manage'),
      body: PropertyCreate,
      status: 201,
      response: PropertyView,
      errors: [409],
      handler: async ({ auth, body }) => properties.createView(auth!.user.id, body),
    }),
    route({
      method: 'get',
      path: '/api/properties/:id',
      summary: 'One of your properties',
      tags: ['properties'],
      access: can('property.manage'),
      params: IdParams,
      response: PropertyView,
      errors: [404],
      handler: async ({ auth, params }) => properties.getView(auth!.user.id, params.id),
    }),
    route({
      method: 'patch',
      path: '/api/properties/:id',
      summary: 'Change a property; moving it moves its alerts too',
      tags: ['properties'],
      access: can('property.manage'),
      params: IdParams,
      body: PropertyUpdate,
      response: PropertyView,
      errors: [404, 409],
      handler: async ({ auth, params, body }) => properties.updateView(auth!.user.id, params.id, body),
    }),
    route({
      method: 'delete',
      path: '/api/properties/:id',
      summary: 'Delete a property and its alerts',
      tags: ['properties'],
      access: can('property.manage'),
      params: IdParams,
      errors: [404, 409],
      handler: async ({ auth, params }) => {
        await properties.remove(auth!.user.id, params.id);
      },
    }),
    route({
      method: 'delete',
      path: '/api/account',
      summary: 'Delete your owner/host account with its properties, alerts and sent-alert records',
      tags: ['properties'],
      access: can('account.delete'),
      response: z.object({ ok: z.literal(true) }),
      handler: async ({ auth, res }) => {
        const id = auth!.user.id;
        await alerts.removeAllFor(id);
        await properties.removeAllFor(id);
        await users.remove(id);
        clearSessionCookie(res, config.session);
        return { ok: true as const };
      },
    }),
    ...verificationRoutes(deps),
    ...propertyImportRoutes(deps),
  ];
}
