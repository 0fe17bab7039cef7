import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { accessesDuring, CommandMonitor, nonPoint } from '../support/command-monitor';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SessionModel } from '../../server/accounts/session.model';
import { UserModel } from '../../server/accounts/user.model';
import { connectDb } from '../../server/db/connection';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import type { TestClient } from '../support/http';
import { createUser, TEST_PASSWORD } from '../support/factories';

let monitor: CommandMonitor;

let app: TestApp;
beforeAll(async () => {
  // Our own connection with command monitoring on; startTestApp reuses it.
  await connectDb(inject('mongoUri'), `t_${randomBytes(6).toString('hex')}`, { monitorCommands: true });
  monitor = new CommandMonitor(mongoose.connection.getClient());
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

let n = 0;
const freshEmail = (tag: string) => `${tag}.${++n}.${Date.now()}@example.test`;

function register(c: TestClient, email: string, role: 'owner' | 'host' = 'owner') {
  return c.post('/api/auth/register', { email, password: TEST_PASSWORD, name: 'Someone', role });
}

/** Registers (202, the same answer for every email) and signs `c` in; returns the sign-in answer. */
async function registerAndSignIn(c: TestClient, email: string, role: 'owner' | 'host' = 'owner') {
  expect((await register(c, email, role)).status).toBe(202);
  const res = await c.login(email.trim().toLowerCase(), TEST_PASSWORD);
  expect(res.status).toBe(200);
  return res;
}

async function signedInAdmin() {
  const admin = await createUser(app.services, 'police_admin');
  const c = app.client();
  expect((await c.login(admin.email, admin.password)).status).toBe(200);
  return { ...admin, c };
}

describe('registration and sign-in by email key', () => {
  it('gives exactly one account when the same email registers many times at once', async () => {
    const email = freshEmail('race');
    const results = await Promise.all(Array.from({ length: 8 }, () => register(app.client(), email)));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(202));
    expect(await UserModel.countDocuments({ email })).toBe(1);
    expect((await app.client().login(email, TEST_PASSWORD)).status).toBe(200);
  });

  it('gives exactly one account when the same email differs only in case and spaces at once', async () => {
    const email = freshEmail('case-race');
    const variants = [email, email.toUpperCase(), `  ${email}  `, ` ${email.toUpperCase()}`];
    const results = await Promise.all(variants.map((v) => register(app.client(), v)));
    expect(results.map((r) => r.status)).toEqual(Array(4).fill(202));
    expect(await UserModel.countDocuments({ email })).toBe(1);
  });

  it('signs in with the email in mixed case and surrounded by spaces', async () => {
    const email = freshEmail('mixed');
    expect((await register(app.client(), `  ${email.toUpperCase()} `)).status).toBe(202);
    const c = app.client();
    const res = await c.login(
      `   ${email.replace(/^./, (ch) => ch.toUpperCase()).replace('EXAMPLE', 'Example')}  `,
      TEST_PASSWORD,
    );
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(email);
    expect((await c.get('/api/auth/me')).body.user.email).toBe(email);
  });

  it('rejects a wrong password for an existing email and an unknown email alike', async () => {
    const email = freshEmail('wrong');
    await register(app.client(), email);
    const wrong = await app.client().login(email, 'not-the-password');
    const unknown = await app.client().login(freshEmail('nobody'), 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('lets an email register again once its account is deleted', async () => {
    const email = freshEmail('again');
    const c = app.client();
    await registerAndSignIn(c, email);
    expect((await c.delete('/api/account')).status).toBe(200);
    expect((await app.client().login(email, TEST_PASSWORD)).status).toBe(401);
    const res = await registerAndSignIn(app.client(), email, 'host');
    expect(res.body.user.role).toBe('host');
  });
});

describe('sessions of an account', () => {
  it('ends every session of a disabled account and leaves other accounts signed in', async () => {
    const victim = await createUser(app.services, 'police');
    const other = await createUser(app.services, 'police');
    const phone = app.client();
    const laptop = app.client();
    const colleague = app.client();
    await phone.login(victim.email, victim.password);
    await laptop.login(victim.email, victim.password);
    await colleague.login(other.email, other.password);
    const admin = await signedInAdmin();

    expect((await admin.c.patch(`/api/users/${victim.id}`, { disabled: true })).status).toBe(200);

    expect(await SessionModel.countDocuments({ userId: victim.id })).toBe(0);
    expect((await phone.get('/api/auth/me')).status).toBe(401);
    expect((await laptop.get('/api/auth/me')).status).toBe(401);
    expect(await SessionModel.countDocuments({ userId: other.id })).toBe(1);
    expect((await colleague.get('/api/auth/me')).status).toBe(200);
  });

  it('lets a re-enabled account sign in again', async () => {
    const officer = await createUser(app.services, 'police');
    const admin = await signedInAdmin();
    await admin.c.patch(`/api/users/${officer.id}`, { disabled: true });
    expect((await app.client().login(officer.email, officer.password)).status).toBe(401);
    const res = await admin.c.patch(`/api/users/${officer.id}`, { disabled: false });
    expect(res.body.disabled).toBe(false);
    expect((await app.client().login(officer.email, officer.password)).status).toBe(200);
  });

  it('ends every session of a deleted account', async () => {
    const email = freshEmail('gone');
    const c = app.client();
    const res = await registerAndSignIn(c, email);
    const id = res.body.user.id as string;
    const second = app.client();
    await second.login(email, TEST_PASSWORD);
    expect((await c.delete('/api/account')).status).toBe(200);
    expect(await SessionModel.countDocuments({ userId: id })).toBe(0);
    expect((await second.get('/api/auth/me')).status).toBe(401);
  });
});

describe('the admin list of staff accounts', () => {
  it('shows police and police admin accounts with their state, and no owners or hosts', async () => {
    const admin = await signedInAdmin();
    const officer = await createUser(app.services, 'police', { name: 'PC Listed' });
    const owner = await createUser(app.services, 'owner');
    const staffEmail = freshEmail('pc.created');
    const created = await admin.c.post('/api/users', {
      email: staffEmail,
      password: TEST_PASSWORD,
      name: 'PC Created',
      role: 'police',
      forceId: 'sussex',
    });
    expect(created.status).toBe(201);
    await admin.c.patch(`/api/users/${officer.id}`, { disabled: true });

    const res = await admin.c.get('/api/users');
    expect(res.status).toBe(200);
    const byEmail = new Map<string, { role: string; disabled: boolean; name: string; forceId: string | null }>(
      res.body.users.map((u: { email: string }) => [u.email, u]),
    );
    expect(byEmail.get(officer.email)).toMatchObject({ role: 'police', name: 'PC Listed', forceId: 'sussex', disabled: true });
    expect(byEmail.get(staffEmail)).toMatchObject({ role: 'police', name: 'PC Created', disabled: false });
    expect(byEmail.get(admin.email)).toMatchObject({ role: 'police_admin', forceId: null });
    expect(byEmail.has(owner.email)).toBe(false);
    for (const u of res.body.users) expect(['police', 'police_admin']).toContain(u.role);
  });

  it('drops a staff account from the list when it is deleted', async () => {
    const admin = await signedInAdmin();
    const officer = await createUser(app.services, 'police');
    expect((await admin.c.get('/api/users')).body.users.some((u: { id: string }) => u.id === officer.id)).toBe(true);
    await app.services.users.remove(officer.id);
    expect((await admin.c.get('/api/users')).body.users.some((u: { id: string }) => u.id === officer.id)).toBe(false);
  });
});

describe('account requests use point operations only', () => {
  it('registers, signs in, reads me, signs out and deletes with exact _id filters', async () => {
    const email = freshEmail('points');
    const c = app.client();
    const bad = nonPoint(
      await accessesDuring(monitor, async () => {
        await registerAndSignIn(c, email);
        expect((await register(app.client(), email.toUpperCase())).status).toBe(202);
        expect((await c.post('/api/auth/logout')).status).toBe(200);
        expect((await app.client().login(freshEmail('unknown'), TEST_PASSWORD)).status).toBe(401);
        expect((await app.client().login(email, 'not-the-password')).status).toBe(401);
        expect((await c.login(` ${email} `, TEST_PASSWORD)).status).toBe(200);
        expect((await c.get('/api/auth/me')).status).toBe(200);
        expect((await c.login(email, TEST_PASSWORD)).status).toBe(200);
      }),
    );
    expect(bad).toEqual([]);
    // Deleting the account also clears properties and alerts (their own point work); only ours is checked here.
    const accountColls = new Set(['users', 'sessions', 'useremails', 'usersessions', 'rosters']);
    const onDelete = nonPoint(
      await accessesDuring(monitor, async () => {
        expect((await c.delete('/api/account')).status).toBe(200);
      }),
    );
    expect(onDelete.filter((s) => accountColls.has(s.collection))).toEqual([]);
  });

  it('lists, creates, disables and re-enables staff with exact _id filters', async () => {
    const admin = await signedInAdmin();
    const officer = await createUser(app.services, 'police');
    const pc = app.client();
    await pc.login(officer.email, officer.password);
    const bad = nonPoint(
      await accessesDuring(monitor, async () => {
        expect((await admin.c.get('/api/users')).status).toBe(200);
        const created = await admin.c.post('/api/users', {
          email: freshEmail('pc.points'),
          password: TEST_PASSWORD,
          name: 'PC Points',
          role: 'police',
          forceId: 'sussex',
        });
        expect(created.status).toBe(201);
        expect((await admin.c.patch(`/api/users/${officer.id}`, { disabled: true })).status).toBe(200);
        expect((await admin.c.patch(`/api/users/${officer.id}`, { disabled: false })).status).toBe(200);
        expect((await admin.c.patch(`/api/users/${'0'.repeat(24)}`, { disabled: true })).status).toBe(404);
      }),
    );
    expect(bad).toEqual([]);
  });
});
