import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStaffBody, RegisterBody } from '../../shared/schemas/auth';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser, TEST_PASSWORD } from '../support/factories';

// The "Password policy" line of issue 11: not length alone; the most common passwords and the email are refused.

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
const register = (email: string, password: string) =>
  app.client().post('/api/auth/register', { email, password, name: 'Pat Policy', role: 'owner' });

function passwordError(res: {
  status: number;
  body: { error?: { code: string; details?: Array<{ path: string; message: string }> } };
}) {
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe('validation_failed');
  const detail = res.body.error?.details?.find((d) => d.path === 'body.password');
  expect(detail, JSON.stringify(res.body)).toBeDefined();
  return detail!.message;
}

describe('the password policy at registration', () => {
  it.each(['password1234', '123456789012', 'qwertyuiop12', 'iloveyou1234', 'passwordpassword', 'Password123!'])(
    'refuses the common password %s with a clear message on body.password',
    async (password) => {
      const message = passwordError(await register(freshEmail('common'), password));
      expect(message).toMatch(/too common|easy to guess/i);
    },
  );

  it('refuses the email itself as the password', async () => {
    const email = freshEmail('same');
    expect(passwordError(await register(email, email))).toMatch(/email/i);
  });

  it("refuses a password that contains the email's local part, in any case or spacing", async () => {
    const email = `jo.bloggs.${++n}@example.test`;
    const local = email.split('@')[0]!;
    for (const password of [
      `${local}-is-my-password`,
      `My${local.toUpperCase()}!!2024`,
      `${local.replace(/\./g, '')}-secret-99`,
    ]) {
      expect(passwordError(await register(email, password)), password).toMatch(/email/i);
    }
  });

  it('accepts a long passphrase of unrelated words', async () => {
    const email = freshEmail('fine');
    expect((await register(email, 'walk-the-routes-password')).status).toBe(202);
    expect((await app.client().login(email, 'walk-the-routes-password')).status).toBe(200);
  });

  it('creates no account when the password is refused', async () => {
    const email = freshEmail('refused');
    expect((await register(email, 'password1234')).status).toBe(400);
    expect((await app.client().login(email, 'password1234')).status).toBe(401);
  });
});

describe('the password policy for staff accounts', () => {
  it('refuses a common password or one made of the email when an admin creates an officer', async () => {
    const admin = await createUser(app.services, 'police_admin');
    const c = app.client();
    await c.login(admin.email, admin.password);
    const staff = { email: freshEmail('pc.weak'), name: 'PC Weak', role: 'police', forceId: 'sussex' };
    expect(passwordError(await c.post('/api/users', { ...staff, password: 'letmein12345' }))).toMatch(
      /too common|easy to guess/i,
    );
    expect(passwordError(await c.post('/api/users', { ...staff, password: `${staff.email}` }))).toMatch(/email/i);
    expect((await c.post('/api/users', { ...staff, password: TEST_PASSWORD })).status).toBe(201);
  });
});

describe('the shared schema the client validates with', () => {
  it('gives the length rule and the email rule on the password field', () => {
    const base = { email: 'sam.smith@example.test', name: 'Sam', role: 'owner' as const };
    const short = RegisterBody.safeParse({ ...base, password: 'short' });
    expect(short.success).toBe(false);
    expect(short.error!.issues[0]!.path).toEqual(['password']);
    expect(short.error!.issues[0]!.message).toMatch(/at least 12/);

    const mentions = RegisterBody.safeParse({ ...base, password: 'SamSmith-rules-2024' });
    expect(mentions.success).toBe(false);
    expect(mentions.error!.issues.map((i) => i.path)).toEqual([['password']]);
    expect(mentions.error!.issues[0]!.message).toMatch(/email/i);

    expect(RegisterBody.safeParse({ ...base, password: 'walk-the-routes-password' }).success).toBe(true);
    const staff = CreateStaffBody.safeParse({ ...base, role: 'police', password: 'sam.smith@example.test' });
    expect(staff.success).toBe(false);
  });
});
