import type { UserView } from '../../shared/schemas/auth';
import type { User } from './user.model';

export function presentUser(u: User & { _id: { toString(): string } }): UserView {
  return {
    id: u._id.toString(),
    email: u.email,
    name: u.name,
    role: u.role,
    forceId: u.forceId ?? null,
    disabled: u.disabled,
  };
}
