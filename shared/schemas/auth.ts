import { z } from 'zod';
import { LIMITS } from '../limits';
import { Email } from './common';

export const ROLES = ['police', 'police_admin', 'owner', 'host'] as const;
export type Role = (typeof ROLES)[number];
export const SELF_REGISTER_ROLES = ['owner', 'host'] as const;

const Password = z.string().min(LIMITS.passwordMin, `Use at least ${LIMITS.passwordMin} characters`).max(LIMITS.passwordMax);
const Name = z.string().trim().min(1).max(LIMITS.nameMax);

export const LoginBody = z.strictObject({
  email: Email,
  password: z.string().min(1).max(LIMITS.passwordMax),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const RegisterBody = z.strictObject({
  email: Email,
  password: Password,
  name: Name,
  role: z.enum(SELF_REGISTER_ROLES),
});
export type RegisterBody = z.infer<typeof RegisterBody>;

export const CreateStaffBody = z.strictObject({
  email: Email,
  password: Password,
  name: Name,
  role: z.enum(['police', 'police_admin']),
  forceId: z
    .string()
    .regex(/^[a-z0-9-]{2,40}$/)
    .optional(),
});
export type CreateStaffBody = z.infer<typeof CreateStaffBody>;

export const UpdateUserBody = z.strictObject({ disabled: z.boolean() });

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
