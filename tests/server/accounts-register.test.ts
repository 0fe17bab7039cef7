import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserModel } from '../../server/accounts/user.model';
import type { DeliveryWorker } from '../../server/alerts/worker';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser, TEST_PASSWORD } from '../support/factories';
import type { TestResponse } from '../support/http';
import { startTestMail, type TestMail } from '../support/mail-worker';
import type { TestSmtp } from '../support/smtp';

// Item 6 of issue 11: registration is limited per client address, and answers the same way whether or not the
// email already has an account; the owner of an existing account is told by email instead.

let app: TestApp;
let smtp: TestSmtp;
let worker: DeliveryWorker;
let mail: TestMail;

beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: '1', TOKEN_SECRET: 'register-test-secret-0123456789abcdef' });
  mail = await startTestMail(app, { from: 'StayWatch <accounts@staywatch.test>' });
  ({ smtp, worker } = mail);
});
afterAll(async () => {
  await mail.stop();
  await app.close();
  await dropTestDatabase();
});
beforeEach(async () => {
  await mail.reset();
});

let n = 0;
const freshEmail = (tag: string) => `${tag}.${++n}.${Date.now()}@example.test`;
let lastAddress = 0;
const freshAddress = () => `10.2.${Math.floor(++lastAddress / 250)}.${(lastAddress % 250) + 1}`;

function register(
  on: TestApp,
  email: string,
  opts: { password?: string; address?: string; role?: 'owner' | 'host'; name?: string } = {},
): Promise<TestResponse> {
  return on
    .client()
    .post(
      '/api/auth/register',
      { email, password: opts.password ?? 'a-long-enough-password', name: opts.name ?? 'New Person', role: opts.role ?? 'owner' },
      { headers: { 'x-forwarded-for': opts.address ?? freshAddress() } },
    );
}

describe('registration answers', () => {
  it('answer a new email and an already registered one with the same status, body and headers', async () => {
    const existing = await createUser(app.services, 'owner');
    const fresh = await register(app, freshEmail('fresh'));
    const taken = await register(app, existing.email);
    expect(fresh.status).toBe(202);
    expect(taken.status).toBe(202);
    expect(taken.body).toEqual(fresh.body);
    expect(fresh.body.message).toMatch(/email/i);
    const headersOf = (r: TestResponse) =>
      [...r.headers.keys()].filter((k) => !['date', 'ratelimit', 'etag', 'content-length'].includes(k)).sort();
    expect(headersOf(taken)).toEqual(headersOf(fresh));
    expect(taken.headers.getSetCookie()).toEqual([]);
    expect(fresh.headers.getSetCookie()).toEqual([]);
  });

  it('create a new account that signs in with the chosen password and gets a welcome email', async () => {
    const email = freshEmail('welcome');
    expect((await register(app, ` ${email.toUpperCase()} `, { role: 'host', name: 'Hana Host' })).status).toBe(202);
    const c = app.client();
    const res = await c.login(email, 'a-long-enough-password');
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email, role: 'host', name: 'Hana Host' });
    await worker.drain();
    const mails = smtp.to(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/welcome/i);
    expect(mails[0]!.text).toContain('/sign-in');
    expect(mails[0]!.text).not.toContain('a-long-enough-password');
  });

  it('leave an existing account as it was and email its owner that someone tried to register', async () => {
    const existing = await createUser(app.services, 'owner');
    const res = await register(app, existing.email.toUpperCase(), { password: 'an-attackers-new-password', role: 'host' });
    expect(res.status).toBe(202);
    expect((await app.client().login(existing.email, 'an-attackers-new-password')).status).toBe(401);
    const own = await app.client().login(existing.email, existing.password);
    expect(own.status).toBe(200);
    expect(own.body.user.role).toBe('owner');
    expect(await UserModel.countDocuments({ email: existing.email })).toBe(1);

    await worker.drain();
    const mails = smtp.to(existing.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/register/i);
    expect(mails[0]!.text).toMatch(/someone tried to register/i);
    expect(mails[0]!.text).toContain('/sign-in');
    expect(mails[0]!.text).not.toContain('an-attackers-new-password');
    expect(mails[0]!.text).not.toContain(TEST_PASSWORD);
  });

  it('send an existing account at most one such email a day, however often its address is tried', async () => {
    const existing = await createUser(app.services, 'host');
    for (let i = 0; i < 4; i++) expect((await register(app, existing.email)).status).toBe(202);
    await worker.drain();
    expect(smtp.to(existing.email)).toHaveLength(1);
  });

  it('never start a session, so the registrant signs in as a separate step', async () => {
    const c = app.client();
    const res = await c.post('/api/auth/register', {
      email: freshEmail('no-session'),
      password: 'a-long-enough-password',
      name: 'No Session',
      role: 'owner',
    });
    expect(res.status).toBe(202);
    expect(c.cookieNames()).toEqual([]);
    expect((await c.get('/api/auth/me')).status).toBe(401);
  });
});

describe('the registration limit', () => {
  it('counts per client address, whatever the email, and leaves other addresses their own allowance', async () => {
    const limited = await startTestApp({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '3', LOG_LEVEL: 'silent' }, { forces: false });
    try {
      const address = freshAddress();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await register(limited, freshEmail(`varied-${i}`), { address })).status);
      expect(statuses).toEqual([202, 202, 202, 429, 429]);
      const refused = await register(limited, freshEmail('refused'), { address });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.body.error.code).toBe('rate_limited');
      expect((await register(limited, freshEmail('elsewhere'))).status).toBe(202);
    } finally {
      await limited.close();
    }
  });

  it('is not spent by signing in, nor sign-in by registering', async () => {
    const limited = await startTestApp({ TRUST_PROXY: '1', LOGIN_RATE_LIMIT: '2', LOG_LEVEL: 'silent' }, { forces: false });
    try {
      const address = freshAddress();
      const owner = await createUser(limited.services, 'owner');
      const signIn = () =>
        limited
          .client()
          .post('/api/auth/login', { email: owner.email, password: owner.password }, { headers: { 'x-forwarded-for': address } });
      expect((await signIn()).status).toBe(200);
      expect((await signIn()).status).toBe(200);
      expect((await register(limited, freshEmail('after-sign-in'), { address })).status).toBe(202);
      expect((await register(limited, freshEmail('after-sign-in'), { address })).status).toBe(202);
      expect((await register(limited, freshEmail('after-sign-in'), { address })).status).toBe(429);
    } finally {
      await limited.close();
    }
  });
});
