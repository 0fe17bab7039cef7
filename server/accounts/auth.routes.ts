import { LoginBody, RegisterBody, SessionView, type UserView } from '../../shared/schemas/auth';
import { Ok } from '../../shared/schemas/common';
import type { Config } from '../config';
import { limiter } from '../http/rate-limit';
import { type RouteDef, route } from '../http/route';
import { clearSessionCookie, setSessionCookie } from './auth.middleware';
import type { AuthContext } from './session.types';
import type { SessionService } from './sessions.service';
import { presentUser } from './user.presenter';
import type { UserService } from './users.service';

export function authRoutes(deps: { config: Config; sessions: SessionService; users: UserService }): RouteDef[] {
  const { config, sessions, users } = deps;
  const loginLimiter = limiter({
    name: 'login',
    limit: config.rateLimits.login,
    windowMs: config.rateLimits.windowMs,
    extraKey: (req) =>
      String((req.body as { email?: unknown } | undefined)?.email ?? '')
        .toLowerCase()
        .slice(0, 254),
  });

  /** Starts a session for `userId`, ending the one this client had (possibly another user's). */
  async function startSession(res: Parameters<typeof setSessionCookie>[0], userId: string, old: AuthContext | null) {
    if (old) await sessions.destroy(old.sessionId, old.user.id);
    const { token, csrfToken } = await sessions.create(userId);
    setSessionCookie(res, config.session, token);
    return csrfToken;
  }

  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Sign in; starts a new session (new id) and returns the CSRF token',
      tags: ['auth'],
      access: 'public',
      body: LoginBody,
      response: SessionView,
      errors: [401, 429],
      before: [loginLimiter],
      handler: async ({ body, res, auth }) => {
        const user = await users.authenticate(body.email, body.password);
        const csrfToken = await startSession(res, user._id.toString(), auth);
        return { user: presentUser(user), csrfToken };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/register',
      summary: 'Create an owner or host account and sign in',
      tags: ['auth'],
      access: 'public',
      body: RegisterBody,
      status: 201,
      response: SessionView,
      errors: [409, 429],
      before: [loginLimiter],
      handler: async ({ body, res, auth }) => {
        const user = await users.create(body);
        const csrfToken = await startSession(res, user._id.toString(), auth);
        return { user: presentUser(user), csrfToken };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End the current session on the server',
      tags: ['auth'],
      access: 'user',
      response: Ok,
      handler: async ({ auth, res }) => {
        if (auth) await sessions.destroy(auth.sessionId, auth.user.id);
        clearSessionCookie(res, config.session);
        return { ok: true as const };
      },
    }),
    route({
      method: 'get',
      path: '/api/auth/me',
      summary: 'The signed-in user and the session CSRF token',
      tags: ['auth'],
      access: 'user',
      response: SessionView,
      handler: ({ auth }) => ({
        user: { ...auth!.user, disabled: false } satisfies UserView,
        csrfToken: auth!.csrfToken,
      }),
    }),
  ];
}
