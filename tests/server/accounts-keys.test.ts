import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_CLAIM_LEASE_MS, EmailKeyModel, normaliseEmail } from '../../server/accounts/email-keys';
import { hashPassword } from '../../server/accounts/password';
import { SessionModel } from '../../server/accounts/session.model';
import { MAX_SESSIONS_PER_USER } from '../../server/accounts/sessions.service';
import { addPendingMember, ROSTERS } from '../../server/accounts/staff-roster';
import { UserModel } from '../../server/accounts/user.model';
import { insertSeededUsers } from '../../server/accounts/users.service';
import { readById } from '../../server/db/versioned';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser, TEST_PASSWORD } from '../support/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

let n = 0;
const freshEmail = (tag: string) => `${tag}.${++n}.${Date.now()}@example.test`;
const register = (email: string) =>
  app.client().post('/api/auth/register', { email, password: TEST_PASSWORD, name: 'Someone', role: 'owner' });

/** A user document inserted directly, without its email key or roster entry (a creation that stopped midway). */
async function insertedUser(role: 'owner' | 'police' | 'police_admin', email: string) {
  const _id = new Types.ObjectId();
  await UserModel.collection.insertOne({
    _id,
    email,
    name: `Inserted ${role}`,
    passwordHash: await hashPassword(TEST_PASSWORD),
    role,
    forceId: role === 'police' ? 'sussex' : null,
    disabled: false,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  return _id;
}

describe('email keys', () => {
  it('normalises an email by trimming it and lower-casing it', () => {
    expect(normaliseEmail('  Mixed.Case@Example.TEST \t')).toBe('mixed.case@example.test');
  });

  it('keeps an email claimed by a registration still in flight', async () => {
    const email = freshEmail('inflight');
    const claimant = new Types.ObjectId();
    await EmailKeyModel.create({ _id: email, userId: claimant, at: new Date(), rev: Date.now() });
    expect((await register(email)).status).toBe(202);
    expect(String((await EmailKeyModel.findById(email).lean())?.userId)).toBe(String(claimant));
    expect(await UserModel.countDocuments({ email })).toBe(0);
  });

  it('lets a registration take over an email whose claimant crashed before inserting its user', async () => {
    const email = freshEmail('crashed');
    const long = new Date(Date.now() - EMAIL_CLAIM_LEASE_MS - 1000);
    await EmailKeyModel.create({ _id: email, userId: new Types.ObjectId(), at: long, rev: Date.now() });
    expect((await register(email)).status).toBe(202);
    const signedIn = await app.client().login(email, TEST_PASSWORD);
    expect(signedIn.status).toBe(200);
    const key = await EmailKeyModel.findById(email).lean();
    expect(String(key?.userId)).toBe(signedIn.body.user.id);
  });

  it('gives a crashed claim to exactly one of many registrations taking it over at once', async () => {
    const email = freshEmail('crashed-race');
    const long = new Date(Date.now() - EMAIL_CLAIM_LEASE_MS - 1000);
    await EmailKeyModel.create({ _id: email, userId: new Types.ObjectId(), at: long, rev: Date.now() });
    const results = await Promise.all(Array.from({ length: 6 }, () => register(email)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(202));
    expect(await UserModel.countDocuments({ email })).toBe(1);
    const key = await EmailKeyModel.findById(email).lean();
    expect(String(key?.userId)).toBe((await app.client().login(email, TEST_PASSWORD)).body.user.id);
  });

  it('never takes over the email of an existing account, however old its key', async () => {
    const owner = await createUser(app.services, 'owner');
    await EmailKeyModel.updateOne({ _id: owner.email }, { $set: { at: new Date(0) } });
    expect((await register(owner.email)).status).toBe(202);
    expect(String((await EmailKeyModel.findById(owner.email).lean())?.userId)).toBe(owner.id);
    expect((await app.client().login(owner.email, owner.password)).status).toBe(200);
  });

  it('deletes the email key with the account', async () => {
    const owner = await createUser(app.services, 'owner');
    expect(await EmailKeyModel.findById(owner.email).lean()).not.toBeNull();
    await app.services.users.remove(owner.id);
    expect(await EmailKeyModel.findById(owner.email).lean()).toBeNull();
  });
});

describe('seeded accounts', () => {
  it('seeded owners get their keys and can sign in; an already registered email is refused', async () => {
    const passwordHash = await hashPassword(TEST_PASSWORD);
    const taken = await createUser(app.services, 'owner');
    const seeded = [freshEmail('seeded'), freshEmail('seeded'), taken.email].map((email) => ({
      _id: new Types.ObjectId(),
      email,
      name: 'Seeded owner',
      passwordHash,
      role: 'owner',
      forceId: null,
      disabled: false,
      createdAt: new Date(),
      updatedAt: new Date(),
    }));
    await expect(insertSeededUsers(seeded)).rejects.toThrow(/1 of the seeded emails/);
    expect((await app.client().login(seeded[0]!.email, TEST_PASSWORD)).status).toBe(200);
    expect((await app.client().login(seeded[1]!.email, TEST_PASSWORD)).status).toBe(200);
    expect(await UserModel.countDocuments({ email: taken.email })).toBe(1);
  });
});

describe('session lists', () => {
  it('end every session of an account signed in many times at once when it is disabled', async () => {
    const pc = await createUser(app.services, 'police');
    const clients = Array.from({ length: 8 }, () => app.client());
    const logins = await Promise.all(clients.map((c) => c.login(pc.email, pc.password)));
    expect(logins.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(await SessionModel.countDocuments({ userId: pc.id })).toBe(8);
    await app.services.users.setDisabled(pc.id, true);
    expect(await SessionModel.countDocuments({ userId: pc.id })).toBe(0);
    for (const c of clients) expect((await c.get('/api/auth/me')).status).toBe(401);
  });

  it(`end the oldest session when an account holds more than ${MAX_SESSIONS_PER_USER}`, async () => {
    const owner = await createUser(app.services, 'owner');
    const first = await app.services.sessions.create(owner.id);
    for (let i = 0; i < MAX_SESSIONS_PER_USER; i++) await app.services.sessions.create(owner.id);
    expect(await app.services.sessions.resolve(first.token)).toBeNull();
    expect(await SessionModel.countDocuments({ userId: owner.id })).toBe(MAX_SESSIONS_PER_USER);
  });
});

describe('the staff roster', () => {
  it('leaves out a staff account whose creation never finished, and lists one whose user landed', async () => {
    const ghost = new Types.ObjectId();
    await addPendingMember({
      id: ghost.toString(),
      email: freshEmail('ghost'),
      name: 'Never inserted',
      role: 'police',
      forceId: 'sussex',
      disabled: false,
      createdAt: new Date(),
    });
    const landedEmail = freshEmail('landed');
    const landed = await insertedUser('police', landedEmail);
    await addPendingMember({
      id: landed.toString(),
      email: landedEmail,
      name: 'Inserted police',
      role: 'police',
      forceId: 'sussex',
      disabled: false,
      createdAt: new Date(),
    });
    const admin = await createUser(app.services, 'police_admin');
    const ac = app.client();
    await ac.login(admin.email, admin.password);
    const ids = ((await ac.get('/api/users')).body.users as Array<{ id: string }>).map((u) => u.id);
    expect(ids).toContain(landed.toString());
    expect(ids).not.toContain(ghost.toString());

    // Disabling the ghost answers 404 and takes it off the roster.
    expect((await ac.patch(`/api/users/${ghost}`, { disabled: true })).status).toBe(404);
    const roster = await readById<{ members: Array<{ id: string }> }>(ROSTERS, 'staff');
    expect(roster?.members.map((m) => m.id)).not.toContain(ghost.toString());
  });
});
