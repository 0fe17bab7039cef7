import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionModel } from '../../server/accounts/session.model';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser, TEST_PASSWORD } from '../support/factories';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '12' });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

describe('sign-in and sessions', () => {
  it('signs in with the right password and sets a hardened session cookie', async () => {
    const u = await createUser(app.services, 'owner');
    const c = app.client();
    const res = await c.login(u.email, u.password);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: u.email, role: 'owner' });
    expect(res.body.user).not.toHaveProperty('passwordHash');
    const cookie = res.headers.getSetCookie()[0]!;
    expect(cookie).toMatch(/^__Host-sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it('rejects a wrong password and an unknown email with the same 401', async () => {
    const u = await createUser(app.services, 'owner');
    const wrong = await app.client().login(u.email, 'not-the-password');
    const unknown = await app.client().login('nobody@example.test', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('issues a new session id on every login', async () => {
    const u = await createUser(app.services, 'host');
    const c = app.client();
    await c.login(u.email, u.password);
    const first = (await SessionModel.find({ userId: u.id }).lean()).map((s) => s._id);
    await c.login(u.email, u.password);
    const second = (await SessionModel.find({ userId: u.id }).lean()).map((s) => s._id);
    expect(second).toHaveLength(1);
    expect(second[0]).not.toBe(first[0]);
  });

  it('shows the signed-in user for each role at /api/auth/me', async () => {
    for (const role of ['police', 'police_admin', 'owner', 'host'] as const) {
      const u = await createUser(app.services, role);
      const c = app.client();
      await c.login(u.email, u.password);
      const me = await c.get('/api/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.user.role).toBe(role);
      expect(me.body.user.forceId).toBe(role === 'police' ? 'sussex' : null);
    }
    expect((await app.client().get('/api/auth/me')).status).toBe(401);
  });

  it('logs out on the server so the old cookie no longer works', async () => {
    const u = await createUser(app.services, 'owner');
    const c = app.client();
    await c.login(u.email, u.password);
    const stolen = c.cookieNames().map((n) => n);
    const before = await SessionModel.countDocuments({ userId: u.id });
    expect((await c.post('/api/auth/logout')).status).toBe(200);
    expect(await SessionModel.countDocuments({ userId: u.id })).toBe(before - 1);
    expect(stolen).toContain('__Host-sid');
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });

  it('rejects a state change with a session cookie but no CSRF token', async () => {
    const u = await createUser(app.services, 'owner');
    const c = app.client();
    await c.login(u.email, u.password);
    const res = await c.post('/api/auth/logout', undefined, { csrf: false });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('csrf_failed');
    const wrong = await c.post('/api/auth/logout', undefined, { headers: { 'x-csrf-token': 'x'.repeat(32) } });
    expect(wrong.status).toBe(403);
    expect((await c.get('/api/auth/me')).status).toBe(200);
  });

  it('ends a session after the idle timeout and after the absolute timeout', async () => {
    const u = await createUser(app.services, 'owner');
    const idle = app.client();
    await idle.login(u.email, u.password);
    await SessionModel.updateMany({ userId: u.id }, { $set: { lastSeenAt: new Date(Date.now() - 31 * 60_000) } });
    expect((await idle.get('/api/auth/me')).status).toBe(401);

    const old = app.client();
    await old.login(u.email, u.password);
    await SessionModel.updateMany({ userId: u.id }, { $set: { absoluteExpiresAt: new Date(Date.now() - 1000) } });
    expect((await old.get('/api/auth/me')).status).toBe(401);
  });

  it('sweeps expired sessions without a TTL index', async () => {
    const u = await createUser(app.services, 'owner');
    await app.client().login(u.email, u.password);
    await SessionModel.updateMany({ userId: u.id }, { $set: { absoluteExpiresAt: new Date(Date.now() - 1000) } });
    const swept = await app.services.sessions.sweep();
    expect(swept).toBeGreaterThanOrEqual(1);
    expect(await SessionModel.countDocuments({ userId: u.id })).toBe(0);
  });
});

describe('registration and roles', () => {
  it('registers an owner, who then signs in with the chosen password', async () => {
    const c = app.client();
    const res = await c.post('/api/auth/register', {
      email: 'New.Owner@Example.test',
      password: 'a-long-enough-password',
      name: 'New Owner',
      role: 'owner',
    });
    expect(res.status).toBe(202);
    const signedIn = await c.login('new.owner@example.test', 'a-long-enough-password');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.email).toBe('new.owner@example.test');
    expect((await c.get('/api/auth/me')).body.user.role).toBe('owner');
  });

  it('refuses to self-register a police account', async () => {
    const res = await app.client().post('/api/auth/register', {
      email: 'fake.cop@example.test',
      password: 'a-long-enough-password',
      name: 'Fake',
      role: 'police',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.role');
  });

  it('answers a duplicate email like a new one, and leaves the existing account as it was', async () => {
    const u = await createUser(app.services, 'owner');
    const again = { email: u.email, password: 'another-long-password', name: 'Again', role: 'host' };
    const res = await app.client().post('/api/auth/register', again);
    const fresh = await app.client().post('/api/auth/register', { ...again, email: 'someone.new@example.test' });
    expect(res.status).toBe(202);
    expect(res.body).toEqual(fresh.body);
    expect((await app.client().login(u.email, 'another-long-password')).status).toBe(401);
    expect((await app.client().login(u.email, TEST_PASSWORD)).body.user.role).toBe('owner');
  });

  it('gives an owner 403 on a police admin route and lets the admin create police staff', async () => {
    const owner = await createUser(app.services, 'owner');
    const oc = app.client();
    await oc.login(owner.email, owner.password);
    const staff = { email: 'pc.new@police.test', password: TEST_PASSWORD, name: 'PC New', role: 'police', forceId: 'sussex' };
    expect((await oc.post('/api/users', staff)).status).toBe(403);
    expect((await app.client().post('/api/users', staff)).status).toBe(401);

    const admin = await createUser(app.services, 'police_admin');
    const ac = app.client();
    await ac.login(admin.email, admin.password);
    const created = await ac.post('/api/users', staff);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ role: 'police', forceId: 'sussex' });
    const noForce = await ac.post('/api/users', { ...staff, email: 'pc.other@police.test', forceId: 'atlantis' });
    expect(noForce.status).toBe(400);
  });

  it('ends every session of a user who is disabled', async () => {
    const victim = await createUser(app.services, 'police');
    const vc = app.client();
    await vc.login(victim.email, victim.password);
    const admin = await createUser(app.services, 'police_admin');
    const ac = app.client();
    await ac.login(admin.email, admin.password);
    expect((await ac.patch(`/api/users/${victim.id}`, { disabled: true })).status).toBe(200);
    expect((await vc.get('/api/auth/me')).status).toBe(401);
    expect((await app.client().login(victim.email, victim.password)).status).toBe(401);
  });
});

describe('login rate limit', () => {
  it('returns 429 with Retry-After after too many attempts', async () => {
    const limited = await startTestApp({ LOGIN_RATE_LIMIT: '3' }, { forces: false });
    try {
      const c = limited.client();
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await c.login('someone@example.test', 'wrong-password')).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const res = await c.login('someone@example.test', 'wrong-password');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.body.error.code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });
});
