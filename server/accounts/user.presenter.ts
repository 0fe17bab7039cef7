import type { PasswordResetLink } from '../../shared/schemas/admin';
import type { UserView } from '../../shared/schemas/auth';
import { memberOf, type RosterMember } from './staff-roster';
import type { User } from './user.model';

export function presentUser(u: User & { _id: { toString(): string } }): UserView {
  return presentStaff(memberOf(u));
}

export function presentStaff(m: RosterMember): UserView {
  return { id: m.id, email: m.email, name: m.name, role: m.role, forceId: m.forceId ?? null, disabled: m.disabled };
}

/** A password-reset link as the admin sees it, to pass on in person. */
export function presentResetLink(url: string, expiresAt: Date, emailedTo: string): PasswordResetLink {
  return { url, expiresAt: expiresAt.toISOString(), emailedTo };
}
