import type { Role } from '../../shared/schemas/auth';
import { readById, updateVersioned } from '../db/versioned';
import { UserModel } from './user.model';

/**
 * The staff roster: one small versioned document (`rosters/staff`) listing every police and police_admin
 * account, so the admin's account list is one point read instead of a scan of all users. Owners and hosts
 * self-register in large numbers and are not on it.
 *
 * An entry is added (marked pending) before its user is inserted, and made to match the user after every
 * change of the user (create, disable, delete). A pending entry whose user is missing is a creation that
 * failed or crashed; readers check pending entries against their user and skip the missing ones.
 */

export const ROSTERS = 'rosters';
const STAFF = 'staff';
/** Writers of the one roster document retry this often before giving up (staff changes are rare). */
const ATTEMPTS = 30;

export const STAFF_ROLES: readonly Role[] = ['police', 'police_admin'];
export const isStaff = (role: Role) => STAFF_ROLES.includes(role);

export interface RosterMember {
  id: string;
  email: string;
  name: string;
  role: Role;
  forceId: string | null;
  disabled: boolean;
  createdAt: Date;
  /** Set while the user is being inserted. */
  pendingSince?: Date | null;
}

interface Roster {
  _id: string;
  rev?: number;
  members: RosterMember[];
}

interface UserLike {
  _id: { toString(): string };
  email: string;
  name: string;
  role: Role;
  forceId?: string | null;
  disabled?: boolean;
  createdAt?: Date;
}

export function memberOf(u: UserLike): RosterMember {
  return {
    id: u._id.toString(),
    email: u.email,
    name: u.name,
    role: u.role,
    forceId: u.forceId ?? null,
    disabled: u.disabled ?? false,
    createdAt: u.createdAt ?? new Date(),
  };
}

const same = (a: RosterMember, b: RosterMember) =>
  a.email === b.email &&
  a.name === b.name &&
  a.role === b.role &&
  a.forceId === b.forceId &&
  a.disabled === b.disabled &&
  new Date(a.createdAt).getTime() === new Date(b.createdAt).getTime() &&
  !a.pendingSince === !b.pendingSince;

/** Adds `member` as pending, before its user is inserted. */
export async function addPendingMember(member: RosterMember): Promise<void> {
  await updateVersioned<Roster>(
    ROSTERS,
    STAFF,
    (cur) => ({
      members: [...(cur?.members ?? []).filter((m) => m.id !== member.id), { ...member, pendingSince: new Date() }],
    }),
    { attempts: ATTEMPTS },
  );
}

/** Makes the entry of user `id` match the user: updated, added, or removed when the user is gone or not staff. */
export async function syncMember(id: string): Promise<void> {
  await updateVersioned<Roster>(
    ROSTERS,
    STAFF,
    async (cur) => {
      const members = cur?.members ?? [];
      const i = members.findIndex((m) => m.id === id);
      const user = await UserModel.findById(id).lean();
      const want = user && isStaff(user.role) ? memberOf(user) : null;
      if (!want) return i < 0 ? null : { members: members.filter((m) => m.id !== id) };
      if (i >= 0 && same(members[i]!, want)) return null;
      return { members: i < 0 ? [...members, want] : members.map((m, k) => (k === i ? want : m)) };
    },
    { attempts: ATTEMPTS },
  );
}

/** Every staff account, oldest first; pending entries only once their user exists (one point read each). */
export async function readRoster(): Promise<RosterMember[]> {
  const roster = await readById<Roster>(ROSTERS, STAFF);
  const out: RosterMember[] = [];
  for (const m of roster?.members ?? []) {
    if (!m.pendingSince) {
      out.push(m);
      continue;
    }
    const user = await UserModel.findById(m.id).lean();
    if (user && isStaff(user.role)) out.push(memberOf(user));
  }
  return out.sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
}
