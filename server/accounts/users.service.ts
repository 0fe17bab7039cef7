import type { Role } from '../../shared/schemas/auth';
import { isDuplicateKey } from '../db/errors';
import { HttpError, notFound } from '../http/errors';
import { dummyHash, hashPassword, verifyPassword } from './password';
import type { SessionService } from './sessions.service';
import { type User, UserModel } from './user.model';

export interface NewUser {
  email: string;
  password: string;
  name: string;
  role: Role;
  forceId?: string | null;
}

export class UserService {
  constructor(
    private readonly sessions: SessionService,
    private readonly forceExists: (id: string) => boolean,
  ) {}

  async create(input: NewUser) {
    const needsForce = input.role === 'police';
    if (needsForce && !input.forceId) {
      throw new HttpError(400, 'validation_failed', 'A police user needs a force', [
        { path: 'body.forceId', message: 'Required for police' },
      ]);
    }
    if (input.forceId && !this.forceExists(input.forceId)) {
      throw new HttpError(400, 'validation_failed', 'Unknown force', [
        { path: 'body.forceId', message: 'No force with this id' },
      ]);
    }
    // Unique index is the real guard; the lookup gives a clean 409 on engines that report duplicates loosely.
    if (await UserModel.exists({ email: input.email })) throw emailTaken();
    try {
      return await UserModel.create({
        email: input.email,
        name: input.name,
        role: input.role,
        forceId: needsForce ? (input.forceId ?? null) : null,
        passwordHash: await hashPassword(input.password),
      });
    } catch (err) {
      if (isDuplicateKey(err)) throw emailTaken();
      throw err;
    }
  }

  /** Returns the user for valid credentials; the same error (and similar timing) for every failure. */
  async authenticate(email: string, password: string): Promise<User & { _id: { toString(): string } }> {
    const user = await UserModel.findOne({ email }).lean();
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok || user.disabled) throw new HttpError(401, 'invalid_credentials', 'Email or password is wrong');
    return user;
  }

  async list() {
    return UserModel.find().sort({ createdAt: 1 }).limit(1000).lean();
  }

  async setDisabled(id: string, disabled: boolean) {
    const user = await UserModel.findByIdAndUpdate(id, { $set: { disabled } }, { new: true }).lean();
    if (!user) throw notFound('User');
    if (disabled) await this.sessions.destroyAllFor(id);
    return user;
  }

  async remove(id: string) {
    await this.sessions.destroyAllFor(id);
    await UserModel.deleteOne({ _id: id });
  }
}

const emailTaken = () => new HttpError(409, 'conflict', 'An account with this email already exists');
