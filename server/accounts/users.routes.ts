import { z } from 'zod';
import { PasswordResetBody, PasswordResetLink, RESET_LINK_HOURS, UpdateStaffBody } from '../../shared/schemas/admin';
import { CreateStaffBody, UserView } from '../../shared/schemas/auth';
import { IdParams, Ok } from '../../shared/schemas/common';
import type { Config } from '../config';
import { can } from '../http/policy';
import { limiter } from '../http/rate-limit';
import { type RouteDef, route } from '../http/route';
import { appendAudit, auditEntry } from '../triage/audit-log';
import { AccountMail } from './account-mail';
import { checkPasswordPolicy } from './password-policy';
import { PasswordResets } from './password-reset';
import type { SessionService } from './sessions.service';
import type { UserService } from './users.service';

/**
 * Account administration for police_admin: create police staff, list staff, disable (ends sessions), change role
 * and force, and make one-time password-reset links; plus the public page's "set a new password" with such a link.
 * Every change an admin makes is in the audit trail (under the admin, with the account's id).
 */
export function userRoutes(deps: { config: Config; users: UserService; sessions: SessionService }): RouteDef[] {
  const { config, users, sessions } = deps;
  const resets = new PasswordResets(sessions, new AccountMail(config.alerts.publicUrl), config.alerts.publicUrl);
  const audit = (action: string, actorId: string, details: Record<string, unknown>) =>
    appendAudit([auditEntry(action, null, actorId, details)]);
  const resetLimiter = limiter({ name: 'password-reset', limit: config.rateLimits.login, windowMs: config.rateLimits.windowMs });
  return [
    route({
      method: 'get',
      path: '/api/users',
      summary:
        'List the staff accounts (police and police_admin), oldest first. Owner and host accounts self-register in large numbers and are not listed here',
      tags: ['admin'],
      access: can('user.admin'),
      response: z.object({ users: z.array(UserView) }),
      handler: async () => ({ users: await users.staffViews() }),
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
      handler: async ({ auth, body }) => {
        checkPasswordPolicy(body.password, { email: body.email, name: body.name });
        const user = await users.createView(body);
        await audit('user.create', auth!.user.id, { userId: user.id, role: user.role, forceId: user.forceId });
        return user;
      },
    }),
    route({
      method: 'patch',
      path: '/api/users/:id',
      summary:
        'Change a staff account: disable or re-enable it (disabling ends all its sessions), its role, its force. Admins cannot disable or demote themselves (409)',
      tags: ['admin'],
      access: can('user.admin'),
      params: IdParams,
      body: UpdateStaffBody,
      response: UserView,
      errors: [400, 404, 409],
      handler: async ({ auth, params, body }) => {
        const user = await users.updateView(params.id, body, auth!.user.id);
        await audit('user.update', auth!.user.id, { userId: user.id, ...body });
        return user;
      },
    }),
    route({
      method: 'post',
      path: '/api/users/:id/password-reset',
      summary: `A one-time link for the user to choose a new password (valid ${RESET_LINK_HOURS} hours, voids earlier links), emailed to them and shown to the admin to pass on in person`,
      tags: ['admin'],
      access: can('user.admin'),
      params: IdParams,
      status: 201,
      response: PasswordResetLink,
      errors: [404],
      handler: async ({ auth, params }) => {
        const link = await resets.issue(params.id);
        await audit('user.password_reset', auth!.user.id, { userId: params.id });
        return link;
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/password-reset',
      summary:
        "Choose a new password with a one-time reset link's token (under the password policy); ends every session of the account. 400 when the link expired, was used or replaced",
      tags: ['auth'],
      access: can('account.reset'),
      body: PasswordResetBody,
      response: Ok,
      errors: [400, 429],
      before: [resetLimiter],
      handler: async ({ body }) => {
        await resets.use(body.token, body.password);
        return { ok: true as const };
      },
    }),
  ];
}
