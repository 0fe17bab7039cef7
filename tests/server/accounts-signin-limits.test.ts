import mongoose from 'mongoose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeliveryWorker } from '../../server/alerts/worker';
import { RATE_LIMITS } from '../../server/http/rate-limit-store';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser, TEST_PASSWORD } from '../support/factories';
import type { TestResponse } from '../support/http';
import { startTestMail, type TestMail } from '../support/mail-worker';
import type { TestSmtp } from '../support/smtp';

// Item 5 of issue 11: the per-address sign-in limit counts the normalised email, and each account has a limit of
// its own across every client address: slow down after five failures, lock (and email the owner once) at ten.

const TOKEN_SECRET = 'signin-limits-test-secret-0123456789abcdef';
let app: TestApp;
let second: TestApp;
let smtp: TestSmtp;
let worker: DeliveryWorker;
let mail: TestMail;

beforeAll(async () => {
  // TRUST_PROXY lets each test request come from a client address of its choosing (X-Forwarded-For).
  app = await startTestApp({ TRUST_PROXY: '1', TOKEN_SECRET, LOG_LEVEL: 'silent' });
  second = await startTestApp({ TRUST_PROXY: '1', TOKEN_SECRET, LOG_LEVEL: 'silent' }, { forces: false });
  mail = await startTestMail(app, { from: 'StayWatch <accounts@staywatch.test>' });
  ({ smtp, worker } = mail);
});
afterAll(async () => {
  await mail.stop();
  await second.close();
  await app.close();
  await dropTestDatabase();
});

// Each test runs on a clock of its own day, starting at 10:00 UTC (one lock notice per account per day).
let day = 0;
beforeEach(async () => {
  await mail.reset();
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.UTC(2031, 0, 1 + ++day, 10, 0, 0));
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);

let n = 0;
const freshEmail = (tag: string) => `${tag}.${++n}.${process.pid}@example.test`;
let lastAddress = 0;
const freshAddress = () => `10.1.${Math.floor(++lastAddress / 250)}.${(lastAddress % 250) + 1}`;

function signIn(on: TestApp, email: string, password: string, address = freshAddress()): Promise<TestResponse> {
  return on.client().post('/api/auth/login', { email, password }, { headers: { 'x-forwarded-for': address } });
}

/**
 * `count` failed sign-ins to `email`, each from a new address, waiting out every slow-down (Retry-After) in
 * between. Returns the statuses of the attempts that were let through.
 */
async function failSignIns(email: string, count: number, apps: TestApp[] = [app]): Promise<number[]> {
  const statuses: number[] = [];
  for (let tries = 0; statuses.length < count && tries < 3 * count; tries++) {
    const res = await signIn(apps[statuses.length % apps.length]!, email, `wrong-guess-${statuses.length}-x`);
    if (res.status === 429) {
      const wait = Number(res.headers.get('retry-after'));
      if (wait > 60) return [...statuses, 429];
      advance(wait * 1000 + 50);
      continue;
    }
    statuses.push(res.status);
  }
  return statuses;
}

describe('the per-address sign-in limit', () => {
  it('counts the normalised email, so spaces or capitals around it get no fresh allowance', async () => {
    const limited = await startTestApp({ LOGIN_RATE_LIMIT: '3', LOG_LEVEL: 'silent' }, { forces: false });
    try {
      const email = freshEmail('spaced');
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await limited.client().login(email, 'wrong-password-1')).status);
      expect(statuses).toEqual([401, 401, 401]);
      for (const variant of [` ${email}`, `${email.toUpperCase()}  `, `\t${email} `]) {
        const res = await limited.client().login(variant, 'wrong-password-1');
        expect(res.status, JSON.stringify(variant)).toBe(429);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    } finally {
      await limited.close();
    }
  });
});

describe('the per-account sign-in limit', () => {
  it('slows down sign-in to one account after five failures from different addresses, with a growing Retry-After', async () => {
    const owner = await createUser(app.services, 'owner');
    expect(await failSignIns(owner.email, 5)).toEqual([401, 401, 401, 401, 401]);
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const early = await signIn(app, owner.email, 'another-wrong-guess');
      expect(early.status).toBe(429);
      expect(early.body.error.code).toBe('rate_limited');
      waits.push(Number(early.headers.get('retry-after')));
      advance(waits[i]! * 1000 + 50);
      expect((await signIn(app, owner.email, 'another-wrong-guess')).status).toBe(401);
    }
    expect(waits[0]).toBeGreaterThanOrEqual(1);
    expect(waits[1]).toBeGreaterThan(waits[0]!);
    expect(waits[2]).toBeGreaterThan(waits[1]!);
  });

  it('counts wrong current passwords at a password change like failed sign-ins, so a stolen session cannot guess freely', async () => {
    const owner = await createUser(app.services, 'owner');
    const c = app.client();
    expect((await c.login(owner.email, owner.password)).status).toBe(200);
    const change = (currentPassword: string) =>
      c.post(
        '/api/auth/password',
        { currentPassword, newPassword: 'a-brand-new-secret-9' },
        { headers: { 'x-forwarded-for': freshAddress() } },
      );
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await change(`wrong-guess-${i}-x`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    // The account is now slowed down, for sign-in and for the next guess at its password alike.
    expect((await change('wrong-guess-5-x')).status).toBe(429);
    expect((await signIn(app, owner.email, owner.password)).status).toBe(429);
  });

  it('lets the right password in once the wait is over, and not before', async () => {
    const owner = await createUser(app.services, 'owner');
    await failSignIns(owner.email, 5);
    expect((await signIn(app, owner.email, owner.password)).status).toBe(429);
    advance(1050);
    expect((await signIn(app, owner.email, owner.password)).status).toBe(200);
  });

  it('locks the account after ten failures: even the right password gets the answer an email without an account gets', async () => {
    const owner = await createUser(app.services, 'owner');
    const nobody = freshEmail('nobody');
    expect(await failSignIns(owner.email, 10)).toEqual(Array(10).fill(401));
    expect(await failSignIns(nobody, 10)).toEqual(Array(10).fill(401));
    advance(60_000);
    const right = await signIn(app, owner.email, owner.password);
    const unknown = await signIn(app, nobody, owner.password);
    expect(right.status).toBe(429);
    expect(unknown.status).toBe(429);
    expect(right.body).toEqual(unknown.body);
    const wait = Number(right.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(10 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    expect(Math.abs(Number(unknown.headers.get('retry-after')) - wait)).toBeLessThanOrEqual(60);
  });

  it('unlocks by itself when the lock period is over', async () => {
    const owner = await createUser(app.services, 'owner');
    await failSignIns(owner.email, 10);
    expect((await signIn(app, owner.email, owner.password)).status).toBe(429);
    advance(15 * 60_000 + 1000);
    expect((await signIn(app, owner.email, owner.password)).status).toBe(200);
  });

  it('emails the owner once when the account locks, saying how to get back in, without any password', async () => {
    const owner = await createUser(app.services, 'police');
    await failSignIns(owner.email, 10);
    await failSignIns(owner.email, 3); // refused while locked: no second email
    advance(16 * 60_000);
    await failSignIns(owner.email, 10); // locked again the same day: still one email
    await worker.drain();
    const mails = smtp.to(owner.email);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.subject).toMatch(/sign-in/i);
    expect(mail.text).toMatch(/failed sign-in attempts/i);
    expect(mail.text).toMatch(/locked/i);
    expect(mail.text).toMatch(/\d{2}:\d{2} (GMT|BST) on \d{1,2} \w+ \d{4}/);
    expect(mail.text).toMatch(/administrator/i);
    expect(mail.text).toContain(`${app.services.config.alerts.publicUrl}/sign-in`);
    for (const body of [mail.text, mail.html]) {
      expect(body).not.toContain('wrong-guess');
      expect(body).not.toContain(TEST_PASSWORD);
    }
  });

  it('sends no email for an address that has no account', async () => {
    const nobody = freshEmail('no-account');
    await failSignIns(nobody, 10);
    await worker.drain();
    expect(smtp.to(nobody)).toHaveLength(0);
  });

  it('shares one count between two instances of the app', async () => {
    const owner = await createUser(app.services, 'host');
    expect(await failSignIns(owner.email, 10, [app, second])).toEqual(Array(10).fill(401));
    expect((await signIn(app, owner.email, owner.password)).status).toBe(429);
    expect((await signIn(second, owner.email, owner.password)).status).toBe(429);
    await worker.drain();
    expect(smtp.to(owner.email)).toHaveLength(1);
  });

  it('answers at most ten of many guesses sent at once from two instances; the rest get 429', async () => {
    const owner = await createUser(app.services, 'owner');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn(i % 2 ? app : second, owner.email, `burst-guess-${i}`)),
    );
    const checked = results.filter((r) => r.status === 401).length;
    expect(checked).toBeGreaterThanOrEqual(5);
    expect(checked).toBeLessThanOrEqual(10);
    expect(results.every((r) => r.status === 401 || r.status === 429)).toBe(true);
  });

  it('keeps neither the email nor the client address in the counters', async () => {
    const email = freshEmail('private');
    await failSignIns(email, 6);
    const docs = await mongoose.connection.db!.collection(RATE_LIMITS).find({}).toArray();
    const text = JSON.stringify(docs);
    expect(text).not.toContain(email);
    expect(text).not.toContain(email.split('@')[0]!);
    expect(text).not.toMatch(/10\.1\.\d+\.\d+/);
  });
});
