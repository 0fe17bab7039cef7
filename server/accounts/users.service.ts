import { Types } from 'mongoose';
import type { UpdateStaffBody } from '../../shared/schemas/admin';
import type { Role, UserView } from '../../shared/schemas/auth';
import { isDuplicateKey } from '../db/errors';
import { insertNew, retryBusy } from '../db/insert';
import { errors, HttpError } from '../http/errors';
import type { AccountMail } from './account-mail';
import {
  claimEmail,
  EMAIL_CLAIM_LEASE_MS,
  EmailKeyModel,
  holdEmail,
  newEmailKey,
  normaliseEmail,
  readEmailKey,
  releaseEmail,
} from './email-keys';
import { dummyHash, hashPassword, verifyPassword } from './password';
import type { SessionService } from './sessions.service';
import {
  addPendingMember,
  isStaff,
  memberOf,
  type RosterMember,
  readRoster,
  syncMember,
} from './staff-roster';
import { type User, UserModel } from './user.model';
import { presentStaff, presentUser } from './user.presenter';

export interface NewUser {
  email: string;
  password: string;
  name: string;
  role: Role;
  forceId?: string | null;
}

type UserRecord = User & { _id: Types.ObjectId };

const userExists = async (id: Types.ObjectId) => (await UserModel.findById(id, { _id: 1 }).lean()) !== null;

/**
 * Accounts, with point operations only on every request: users are found by email through their email key
 * (`useremails`, see email-keys.ts), the admin's list comes from the staff roster (staff-roster.ts), and a
 * user's sessions from their session list (sessions.service.ts).
 */
export class UserService {
  constructor(
    private readonly sessions: SessionService,
    private readonly forceExists: (id: string) => boolean,
  ) {}

  /**
   * Self-registration (owner or host), answered the same way whatever happens, so the answer never tells whether
   * the email has an account: a new email gets its account (the registrant signs in with the chosen password) and
   * a welcome email; an email that has an account gets a notice instead, and the account is left as it was. The
   * password is hashed on both paths, so they take about as long. A registration of the same email still in
   * flight elsewhere is left to finish, with no email.
   */
  async register(input: Omit<NewUser, 'forceId'>, mail: AccountMail): Promise<void> {
    const passwordHash = await hashPassword(input.password);
    const existing = await this.findByEmail(input.email);
    if (existing) {
      await mail.registrationAttempt(existing);
      return;
    }
    let user: { _id: Types.ObjectId; email: string };
    try {
      user = await this.create({ ...input, forceId: null }, passwordHash);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 409) throw err;
      const owner = await this.findByEmail(input.email);
      if (owner) await mail.registrationAttempt(owner);
      return;
    }
    await mail.welcome(user);
  }

  /** `passwordHash`: the password already hashed by the caller (registration hashes before it looks). */
  async create(input: NewUser, passwordHash?: string) {
    const needsForce = input.role === 'police';
    if (needsForce && !input.forceId) {
      throw errors.invalid('A police user needs a force', 'body.forceId', 'Required for police');
    }
    if (input.forceId && !this.forceExists(input.forceId)) {
      throw errors.invalid('Unknown force', 'body.forceId', 'No force with this id');
    }
    const email = normaliseEmail(input.email);
    // Hashed before the claim, so the claimed email waits for its user only as long as one insert.
    passwordHash ??= await hashPassword(input.password);
    const _id = new Types.ObjectId();
    const started = Date.now();
    if (!(await claimEmail(email, _id, userExists))) throw emailTaken();
    const staff = isStaff(input.role);
    const fields = { email, name: input.name, role: input.role, forceId: needsForce ? (input.forceId ?? null) : null };
    let inserted = false;
    try {
      // Past half the lease another registration may soon take the email over: give up rather than race it.
      if (Date.now() - started > EMAIL_CLAIM_LEASE_MS / 2) {
        throw errors.unavailable('The database is too slow right now; try again');
      }
      if (staff) await addPendingMember(memberOf({ _id, ...fields, disabled: false, createdAt: new Date() }));
      const hash = passwordHash;
      const user = await retryBusy(() => UserModel.create({ _id, ...fields, passwordHash: hash }));
      inserted = true;
      if (staff) await syncMember(_id.toString()).catch(() => {}); // a pending entry is checked by readers anyway
      return user;
    } catch (err) {
      if (!inserted) {
        await releaseEmail(email, _id).catch(() => {});
        if (staff) await syncMember(_id.toString()).catch(() => {});
      }
      // The unique index on `users.email` is a second guard (e.g. a user from before the email keys).
      if (isDuplicateKey(err)) throw emailTaken();
      throw err;
    }
  }

  /** The user for valid credentials of an enabled account, else null, with similar timing for every failure. */
  async verifyCredentials(email: string, password: string): Promise<UserRecord | null> {
    const user = await this.findByEmail(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    return user && ok && !user.disabled ? user : null;
  }

  /** The user with this email (any spacing or case), by two point reads: the email key, then the user. */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const key = await readEmailKey(normaliseEmail(email));
    return key ? ((await UserModel.findById(key.userId).lean()) as UserRecord | null) : null;
  }

  /** The staff accounts as the API shows them. */
  async staffViews(): Promise<UserView[]> {
    return (await this.listStaff()).map(presentStaff);
  }

  /** `create`, as the API shows the new account. */
  async createView(input: NewUser): Promise<UserView> {
    return presentUser(await this.create(input));
  }

  /** `update`, as the API shows the changed account. */
  async updateView(id: string, change: UpdateStaffBody, actorId: string): Promise<UserView> {
    return presentUser(await this.update(id, change, actorId));
  }

  /** A user as the API shows them (after sign-in). */
  view(user: UserRecord): UserView {
    return presentUser(user);
  }

  /** Police and police_admin accounts, oldest first, from the staff roster (owners and hosts are not listed). */
  async listStaff(): Promise<RosterMember[]> {
    return readRoster();
  }

  async setDisabled(id: string, disabled: boolean) {
    return this.update(id, { disabled });
  }

  /**
   * An admin's change of a staff account: disable or re-enable (disabling ends its sessions), role, force. A police
   * officer needs a known force; a police_admin has none. Admins cannot disable or demote themselves (`actorId`), so
   * a force is never left without the one admin who could undo it. Owner and host accounts are not staff: 404.
   */
  async update(id: string, change: UpdateStaffBody, actorId?: string) {
    const before = await UserModel.findById(id, { role: 1, forceId: 1 }).lean();
    if (before && !isStaff(before.role)) throw errors.notFound('User');
    if (before && id === actorId && (change.disabled === true || (change.role && change.role !== before.role))) {
      throw errors.conflict('You cannot disable your own account or change your own role');
    }
    const set: { disabled?: boolean; role?: Role; forceId?: string | null } = {};
    if (change.disabled !== undefined) set.disabled = change.disabled;
    if (before && (change.role !== undefined || change.forceId !== undefined)) {
      const role = change.role ?? before.role;
      const forceId = role === 'police' ? (change.forceId === undefined ? before.forceId : change.forceId) : null;
      if (role === 'police' && !forceId) {
        throw errors.invalid('A police user needs a force', 'body.forceId', 'Required for police');
      }
      if (forceId && !this.forceExists(forceId)) {
        throw errors.invalid('Unknown force', 'body.forceId', 'No force with this id');
      }
      set.role = role;
      set.forceId = forceId;
    }
    const disabled = set.disabled === true;
    if (Object.keys(set).length) await UserModel.updateOne({ _id: id }, { $set: set });
    const user = await UserModel.findById(id).lean();
    if (!user) {
      await syncMember(id); // a roster entry left by a creation that never finished goes
      throw errors.notFound('User');
    }
    if (disabled) await this.sessions.destroyAllFor(id);
    if (isStaff(user.role)) await syncMember(id);
    return user;
  }

  /** Deletes the account: its sessions, the user, its email key (so the email can register again), its roster entry. */
  async remove(id: string) {
    const user = await UserModel.findById(id).lean();
    if (user) await holdEmail(normaliseEmail(user.email), user._id);
    await this.sessions.forget(id);
    await UserModel.deleteOne({ _id: id });
    if (!user) return;
    await releaseEmail(normaliseEmail(user.email), user._id);
    if (isStaff(user.role)) await syncMember(id);
  }

  /** Stores a new password (already checked against the policy); the caller ends sessions as it needs. */
  async setPassword(id: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await retryBusy(() => UserModel.updateOne({ _id: id }, { $set: { passwordHash } }));
  }

}

/**
 * Bulk insert for seeding: claims the email keys first (a key without its user is reclaimable; a user
 * without a key could not sign in), then inserts the users whose emails were free. Like an unordered
 * insertMany, it inserts what it can and then throws if any email was already taken.
 */
export async function insertSeededUsers(users: Array<{ _id: Types.ObjectId; email: string }>): Promise<void> {
  const keys = users.map((u) => newEmailKey(normaliseEmail(u.email), u._id));
  const claimed = new Set((await insertNew(EmailKeyModel.collection, keys)).map((k) => k._id));
  const free = users.filter((u) => claimed.has(normaliseEmail(u.email)));
  if (free.length) {
    await retryBusy(() =>
      UserModel.collection.insertMany(
        free.map((u) => ({ ...u, email: normaliseEmail(u.email) })),
        { ordered: false },
      ),
    );
  }
  if (free.length < users.length) throw new Error(`${users.length - free.length} of the seeded emails are already registered`);
}

const emailTaken = () => errors.conflict('An account with this email already exists');
