import { z } from 'zod';
import { CreateStaffBody, UpdateUserBody, UserView } from '../../shared/schemas/auth';
import { IdParams } from '../../shared/schemas/common';
import { can } from '../http/policy';
import { type RouteDef, route } from '../http/route';
import { checkPasswordPolicy } from './password-policy';
import { presentStaff, presentUser } from './user.presenter';
import type { UserService } from './users.service';

/** Account administration for police_admin: create police staff, list staff, disable (ends sessions). */
export function userRoutes(deps: { users: UserService }): RouteDef[] {
  const { users } = deps;
  return [
    route({
      method: 'get',
      path: '/api/users',
      summary:
        'List the staff accounts (police and police_admin), oldest first. Owner and host accounts self-register in large numbers and are not listed here',
      tags: ['admin'],
      access: can('user.admin'),
      response: z.object({ users: z.array(UserView) }),
      handler: async () => ({ users: (await users.listStaff()).map(presentStaff) }),
    }),
    route({
      method: 'post',
      path: '/api/users',
      summary: 'Create a police or police_admin account',
      tags: ['admin'],
      access: can('user.admin'),
      body: CreateStaffBody,
      status: 201,
      response: UserView,
      errors: [400, 409],
      handler: async ({ body }) => {
        checkPasswordPolicy(body.password, { email: body.email, name: body.name });
        return presentUser(await users.create(body));
      },
    }),
    route({
      method: 'patch',
      path: '/api/users/:id',
      summary: 'Disable or re-enable an account; disabling ends all its sessions',
      tags: ['admin'],
      access: can('user.admin'),
      params: IdParams,
      body: UpdateUserBody,
      response: UserView,
      errors: [404],
      handler: async ({ params, body }) => presentUser(await users.setDisabled(params.id, body.disabled)),
    }),
  ];
}
