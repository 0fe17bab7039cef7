import { z } from 'zod';
import { CreateStaffBody, UpdateUserBody, UserView } from '../../shared/schemas/auth';
import { IdParams } from '../../shared/schemas/common';
import { type RouteDef, route } from '../http/route';
import { presentUser } from './user.presenter';
import type { UserService } from './users.service';

/** Account administration for police_admin: create police staff, list, disable (ends sessions). */
export function userRoutes(deps: { users: UserService }): RouteDef[] {
  const { users } = deps;
  return [
    route({
      method: 'get',
      path: '/api/users',
      summary: 'List accounts',
      tags: ['admin'],
      access: ['police_admin'],
      response: z.object({ users: z.array(UserView) }),
      handler: async () => ({ users: (await users.list()).map(presentUser) }),
    }),
    route({
      method: 'post',
      path: '/api/users',
      summary: 'Create a police or police_admin account',
      tags: ['admin'],
      access: ['police_admin'],
      body: CreateStaffBody,
      status: 201,
      response: UserView,
      errors: [409],
      handler: async ({ body }) => presentUser(await users.create(body)),
    }),
    route({
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Disable or re-enable an account; disabling ends all its sessions',
      tags: ['admin'],
      access: ['police_admin'],
      params: IdParams,
      body: UpdateUserBody,
      response: UserView,
      errors: [404],
      handler: async ({ params, body }) => presentUser(await users.setDisabled(params.id, body.disabled)),
    }),
  ];
}
