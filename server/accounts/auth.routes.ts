import {
  ChangePasswordBody,
  LoginBody,
  RegisterAccepted,
  RegisterBody,
  SessionView,
  type UserView,
} from '../../shared/schemas/auth';
import { Ok } from '../../shared/schemas/common';
import { resolveTokenSecret } from '../alerts/tokens';
import type { Config } from '../config';
import { errors } from '../http/errors';
import { can } from '../http/policy';
import { limiter } from '../http/rate-limit';
import { type RouteDef, route } from '../http/route';
import type { Logger } from '../logger';
import { AccountMail } from './account-mail';
import { clearSessionCookie, setSessionCookie } from './auth.middleware';
import { normaliseEmail } from './email-keys';
import { checkPasswordPolicy } from './password-policy';
import type { AuthContext } from './session.types';
import type { SessionService } from './sessions.service';
import { SIGNIN_LOCK_AFTER, SignInGuard, tooManyAttempts } from './signin-guard';
import type { UserService } from './users.service';

/** The one answer to every registration (see UserService.register). */
export const REGISTER_ACCEPTED: RegisterAccepted = {
  ok: true,
  message:
    'Thank you. If this email can be registered, your account is ready: sign in with the password you chose. We have also sent an email to this address.',
};

export function authRoutes(deps: { config: Config; logger: Logger; sessions: SessionService; users: UserService }): RouteDef[] {
  const { config, logger, sessions, users } = deps;
  // Per client address and normalised email (the body is not validated yet here: normalise it the way the
  // schema will, so ` Officer@x ` and `officer@x` share one allowance).
  const loginLimiter = limiter({
    name: 'login',
    limit: config.rateLimits.login,
    windowMs: config.rateLimits.windowMs,
    extraKey: (req) => {
      const email = (req.body as { email?: unknown } | undefined)?.email;
      return normaliseEmail(typeof email === 'string' ? email : '').slice(0, 254);
    },
  });
  // Per client address only: varying the email buys no more registrations.
  const registerLimiter = limiter({ name: 'register', limit: config.rateLimits.login, windowMs: config.rateLimits.windowMs });
  // Per account, across every address and instance (signin-guard.ts).
  let secret: string | undefined;
  const guard = new SignInGuard({
    windowMs: config.rateLimits.windowMs,
    secret: () => {
      secret ??= resolveTokenSecret(config);
      return secret;
    },
  });
  const mail = new AccountMail(config.alerts.publicUrl);

  /** The failure that locked `email`: its owner, if there is an account, gets one email (never a reason to fail). */
  async function notifyLocked(email: string): Promise<void> {
    try {
      const user = await users.findByEmail(email);
      if (user) await mail.signInLocked(user, guard.lockEndsAt());
    } catch (err) {
      logger.warn({ err }, 'could not record the sign-in lock email');
    }
  }

  /** Starts a session for `userId`, ending the one this client had (possibly another user's). */
  async function startSession(res: Parameters<typeof setSessionCookie>[0], userId: string, old: AuthContext | null) {
    if (old) await sessions.destroy(old.sessionId, old.user.id);
    const { token, csrfToken } = await sessions.create(userId);
    setSessionCookie(res, config.session, token);
    return csrfToken;
  }

  /**
   * Checks a password for `email` under the per-account limit; sign-in and password change both come here, so a
   * wrong guess counts the same wherever it is made. Throws 429 while the account is slowed down or locked.
   */
  async function checkPassword(email: string, password: string) {
    const before = await guard.verdict(email);
    if (!before.ok) throw tooManyAttempts(before.retryAfterMs);
    const user = await users.verifyCredentials(email, password);
    // Decided again after the check, the same way whether the password was right or wrong, and before this
    // attempt's own failure counts: of a burst of guesses checked at once only the first few are answered,
    // and a 429 never tells a right password from a wrong one.
    const after = await guard.verdict(email);
    if (!user && (await guard.recordFailure(email)) === SIGNIN_LOCK_AFTER) await notifyLocked(email);
    if (!after.ok) throw tooManyAttempts(after.retryAfterMs);
    return user;
  }

  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      summary:
        'Sign in; starts a new session (new id) and returns the CSRF token. After repeated failures for one email the answer is 429 with Retry-After, whether or not it has an account and whether or not the password is right',
      tags: ['auth'],
      access: can('account.signIn'),
      body: LoginBody,
      response: SessionView,
      errors: [401, 429],
      before: [loginLimiter],
      handler: async ({ body, res, auth }) => {
        const user = await checkPassword(body.email, body.password); // the email is normalised by the schema
        if (!user) throw errors.invalidCredentials();
        const csrfToken = await startSession(res, user._id.toString(), auth);
        return { user: users.view(user), csrfToken };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/register',
      summary:
        'Register an owner or host account. The answer is the same whether or not the email already has an account: a new account can then sign in with the chosen password; the owner of an existing one is emailed instead. No session is started',
      tags: ['auth'],
      access: can('account.register'),
      body: RegisterBody,
      status: 202,
      response: RegisterAccepted,
      errors: [400, 429],
      before: [registerLimiter],
      handler: async ({ body }) => {
        checkPasswordPolicy(body.password, { email: body.email, name: body.name });
        await users.register(body, mail);
        return REGISTER_ACCEPTED;
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End the current session on the server',
      tags: ['auth'],
      access: can('session.own'),
      response: Ok,
      handler: async ({ auth, res }) => {
        if (auth) await sessions.destroy(auth.sessionId, auth.user.id);
        clearSessionCookie(res, config.session);
        return { ok: true as const };
      },
    }),
    route({
      method: 'post',
      path: '/api/auth/password',
      summary:
        'Change your own password: the current password is checked (401 when wrong, counted like sign-in attempts), the new one must meet the policy. Every other session of the account ends; this one continues under a new id',
      tags: ['auth'],
      access: can('session.own'),
      body: ChangePasswordBody,
      response: SessionView,
      errors: [400, 401, 429],
      before: [loginLimiter],
      handler: async ({ body, res, auth }) => {
        const me = auth!.user;
        const user = await checkPassword(me.email, body.currentPassword);
        if (!user || user._id.toString() !== me.id) {
          throw errors.invalidCredentials(
            'Your current password is wrong',
            'body.currentPassword',
            'This is not your current password',
          );
        }
        checkPasswordPolicy(body.newPassword, { email: user.email, name: user.name });
        await users.setPassword(me.id, body.newPassword);
        await sessions.destroyAllFor(me.id);
        const csrfToken = await startSession(res, me.id, null);
        return { user: users.view(user), csrfToken };
      },
    }),
    route({
      method: 'get',
      path: '/api/auth/me',
      summary: 'The signed-in user and the session CSRF token',
      tags: ['auth'],
      access: can('session.own'),
      response: SessionView,
      handler: ({ auth }) => ({
        user: { ...auth!.user, disabled: false } satisfies UserView,
        csrfToken: auth!.csrfToken,
      }),
    }),
  ];
}
