import { z } from 'zod';
import { LIMITS } from '../limits';
import { Email } from './common';

export const ROLES = ['police', 'police_admin', 'owner', 'host'] as const;
export type Role = (typeof ROLES)[number];
export const SELF_REGISTER_ROLES = ['owner', 'host'] as const;

const Password = z.string().min(LIMITS.passwordMin, `Use at least ${LIMITS.passwordMin} characters`).max(LIMITS.passwordMax);
const Name = z.string().trim().min(1).max(LIMITS.nameMax);

/** Letters and digits only, lower case: `Jo.Bloggs` and `jobloggs` compare equal. */
const compact = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/**
 * The password policy's email rule, shared by the client and the server: a password must not be the email nor
 * contain its local part (ignoring case, dots and other separators; local parts under 3 letters are not checked).
 * Returns the message to show, or null. The server also refuses the most common passwords (password-policy.ts).
 */
export function passwordEmailProblem(password: string, email: string): string | null {
  const address = email.trim().toLowerCase();
  const local = compact(address.split('@')[0] ?? '');
  const pw = compact(password);
  if (password.trim().toLowerCase() === address || (local.length >= 3 && pw.includes(local))) {
    return 'Do not use your email address or a part of it in your password';
  }
  return null;
}

/** Adds the email rule to a body with `email` and `password`, as an issue on `password`. */
const withPasswordRule = <T extends { email: string; password: string }>(body: T, ctx: z.RefinementCtx) => {
  const problem = passwordEmailProblem(body.password, body.email);
  if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
};

export const LoginBody = z.strictObject({
  email: Email,
  password: z.string().min(1).max(LIMITS.passwordMax),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RegisterBody = z
  .strictObject({
    email: Email,
    password: Password,
    name: Name,
    role: z.enum(SELF_REGISTER_ROLES),
  })
  .superRefine(withPasswordRule);
export type RegisterBody = z.infer<typeof RegisterBody>;

/**
 * The answer to every registration, whether or not the email already had an account (so it reveals neither):
 * a new account can sign in with the chosen password at once; the owner of an existing one gets an email.
 */
export const RegisterAccepted = z.object({ ok: z.literal(true), message: z.string() }).meta({ id: 'RegisterAccepted' });
export type RegisterAccepted = z.infer<typeof RegisterAccepted>;

/** Change your own password: the current one is checked first; the new one meets the policy. */
export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1, 'Enter your current password').max(LIMITS.passwordMax),
  newPassword: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

export const CreateStaffBody = z
  .strictObject({
    email: Email,
    password: Password,
    name: Name,
    role: z.enum(['police', 'police_admin']),
    forceId: z
      .string()
      .regex(/^[a-z0-9-]{2,40}$/)
      .optional(),
  })
  .superRefine(withPasswordRule);
export type CreateStaffBody = z.infer<typeof CreateStaffBody>;

export const UserView = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    forceId: z.string().nullable(),
    disabled: z.boolean(),
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserView>;

export const SessionView = z.object({ user: UserView, csrfToken: z.string() }).meta({ id: 'Session' });
export type SessionView = z.infer<typeof SessionView>;
