import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reportIdFor } from '../../server/reports/report-id';
import { normalisePassphrase, normaliseReference } from '../../shared/follow-up-keys';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import { startTestMail, type TestMail } from '../support/mail-worker';
import { header } from '../support/smtp';

// Issue 13, reporter and host: follow-up keys typed any way, replies under the question they answer, hosts
// answering from My reports, the reporter told of a question by email (no content), changing one's password.

let app: TestApp;
let mail: TestMail;
beforeAll(async () => {
  app = await startTestApp({ TOKEN_SECRET: 'reporter-owner-test-secret-0123456789' });
  mail = await startTestMail(app);
});
afterAll(async () => {
  await mail.stop();
  await app.close();
  await dropTestDatabase();
});
beforeEach(async () => {
  await mail.reset();
});

const SECRET = 'Secret-description: a van at the back door every night';

function report(extra: Record<string, unknown> = {}) {
  return {
    location: { lat: 50.8225, lng: -0.1372 },
    address: '7 Secret Row, Brighton',
    propertyType: 'S',
    indicators: [1],
    description: SECRET,
    observedFrom: '2026-11-20T21:00:00Z',
    observedTo: '2026-11-20T22:00:00Z',
    reporterRole: 'host',
    ...extra,
  };
}

async function signedIn(role: 'owner' | 'host' | 'police') {
  const u = await createUser(app.services, role);
  const c = app.client();
  await c.login(u.email, u.password);
  return { ...u, c };
}

async function ask(reference: string, question: string) {
  const officer = await signedIn('police');
  const res = await officer.c.patch(`/api/reports/${reportIdFor(reference).toHexString()}`, { question });
  expect(res.status).toBe(200);
}

describe('follow-up keys typed as people type them', () => {
  it('normalises spaces, dots and case to the stored form', () => {
    expect(normaliseReference(' sw 7k3p 9qxd ')).toBe('SW-7K3P-9QXD');
    expect(normaliseReference('SW7K3P9QXD')).toBe('SW-7K3P-9QXD');
    expect(normaliseReference('7k3p-9qxd')).toBe('SW-7K3P-9QXD');
    expect(normaliseReference('sw--7k3p . 9qxd')).toBe('SW-7K3P-9QXD');
    expect(normalisePassphrase('  Amber Heron  SLATE wren 7K3P 9qxd')).toBe('amber-heron-slate-wren-7k3p-9qxd');
  });

  it('opens a report with the reference in lower case with spaces and the passphrase in capitals with spaces', async () => {
    const filed = await app.client().post('/api/reports', report());
    expect(filed.status).toBe(201);
    const { reference, passphrase } = filed.body as { reference: string; passphrase: string };
    const typed = {
      reference: reference.toLowerCase().replace(/-/g, ' '),
      passphrase: ` ${passphrase.toUpperCase().replace(/-/g, '  ')} `,
    };
    const res = await app.client().post('/api/reports/follow-up', typed);
    expect(res.status).toBe(200);
    expect(res.body.reference).toBe(reference);
    const wrong = await app.client().post('/api/reports/follow-up', { ...typed, passphrase: `${typed.passphrase} x` });
    expect(wrong.status).toBe(404);
  });
});

describe('replies and questions', () => {
  it('files a reply under the question it answers and refuses a question that does not exist', async () => {
    const { reference, passphrase } = (await app.client().post('/api/reports', report())).body;
    await ask(reference, 'Which door did they use?');
    await ask(reference, 'What colour was the van?');
    const reply = await app
      .client()
      .post('/api/reports/follow-up/addendum', { reference, passphrase, text: 'White', answers: 1 });
    expect(reply.status).toBe(200);
    const plain = await app.client().post('/api/reports/follow-up/addendum', { reference, passphrase, text: 'Also a bike' });
    expect(plain.body.addenda).toEqual([
      expect.objectContaining({ text: 'White', answers: 1 }),
      expect.objectContaining({ text: 'Also a bike', answers: null }),
    ]);
    const none = await app.client().post('/api/reports/follow-up/addendum', { reference, passphrase, text: 'x', answers: 2 });
    expect(none.status).toBe(400);
  });

  it('lets a host answer from My reports, and nobody else add to that report', async () => {
    const host = await signedIn('host');
    const { reference } = (await host.c.post('/api/reports', report())).body;
    await ask(reference, 'How many people?');
    const path = `/api/reports/mine/${encodeURIComponent(reference.toLowerCase())}/addendum`;
    const res = await host.c.post(path, { text: 'Three', answers: 0 });
    expect(res.status).toBe(200);
    expect(res.body.addenda).toEqual([expect.objectContaining({ text: 'Three', answers: 0 })]);
    const mine = await host.c.get('/api/reports/mine');
    expect(mine.body.reports[0].addenda[0]).toMatchObject({ text: 'Three', answers: 0 });

    const other = await signedIn('host');
    expect((await other.c.post(path, { text: 'Not mine' })).status).toBe(404);
    expect((await app.client().post(path, { text: 'Anonymous' })).status).toBe(401);
  });
});

describe('the reporter is told of a police question', () => {
  it('emails a reporter who left an email once per question, multipart, with a link and no report content', async () => {
    const contact = { email: 'reporter-contact@example.test', name: 'Rita Reporter' };
    const { reference } = (await app.client().post('/api/reports', report({ contact }))).body;
    await ask(reference, 'Secret-question: which flat number?');
    await mail.worker.drain();
    const [m, ...more] = mail.smtp.to(contact.email);
    expect(more).toHaveLength(0);
    expect(m!.subject).toBe('Police have a question about your StayWatch report');
    expect(header(m!, 'Content-Type')).toMatch(/multipart\/alternative/);
    const base = app.services.config.alerts.publicUrl;
    expect(m!.text).toContain(`${base}/follow-up`);
    expect(m!.html).toContain(`href="${base}/follow-up"`);
    const everything = `${m!.raw}\n${m!.text}\n${m!.html}`;
    for (const secret of [reference, reference.slice(3), 'Secret-question', 'Secret-description', '7 Secret Row', 'Rita']) {
      expect(everything).not.toContain(secret);
    }
    await ask(reference, 'And the second question?');
    await mail.worker.drain();
    expect(mail.smtp.to(contact.email)).toHaveLength(2);
  });

  it('emails nobody when the reporter left no email', async () => {
    const { reference } = (await app.client().post('/api/reports', report())).body;
    await ask(reference, 'Anything else?');
    await mail.worker.drain();
    expect(mail.smtp.messages).toHaveLength(0);
  });
});

describe('changing your password', () => {
  it('needs the current password, applies the policy, signs out other sessions and keeps this one', async () => {
    const host = await signedIn('host');
    const elsewhere = app.client();
    await elsewhere.login(host.email, host.password);

    const wrong = await host.c.post('/api/auth/password', {
      currentPassword: 'not-it-at-all',
      newPassword: 'a-brand-new-secret-9',
    });
    expect(wrong.status).toBe(401);
    const weak = await host.c.post('/api/auth/password', { currentPassword: host.password, newPassword: 'short' });
    expect(weak.status).toBe(400);

    const ok = await host.c.post('/api/auth/password', { currentPassword: host.password, newPassword: 'a-brand-new-secret-9' });
    expect(ok.status).toBe(200);
    host.c.csrfToken = ok.body.csrfToken;
    expect((await host.c.get('/api/auth/me')).status).toBe(200);
    expect((await elsewhere.get('/api/auth/me')).status).toBe(401);
    expect((await app.client().login(host.email, host.password)).status).toBe(401);
    expect((await app.client().login(host.email, 'a-brand-new-secret-9')).status).toBe(200);
  });
});

describe('owner emails', () => {
  it('are multipart, with a language, a title, the same words in both parts and a short unsubscribe link', async () => {
    const owner = await signedIn('owner');
    const prop = await owner.c.post('/api/properties', {
      address: '3 Adelaide Crescent, Hove',
      lat: 50.8279,
      lng: -0.1683,
      type: 'S',
    });
    expect(prop.status).toBe(201);
    const sub = await owner.c.post('/api/subscriptions', {
      kind: 'property',
      propertyId: prop.body.id,
      radiusM: 500,
      mode: 'instant',
    });
    expect(sub.status).toBe(201);
    await mail.worker.drain();
    const [confirm] = mail.smtp.to(owner.email);
    expect(header(confirm!, 'Content-Type')).toMatch(/multipart\/alternative/);
    expect(confirm!.html).toMatch(/^<!doctype html><html lang="en-GB"><head><meta charset="utf-8">/);
    expect(confirm!.html).toContain(`<title>${confirm!.subject}</title>`);
    const words = (s: string) =>
      s
        .replace(/<[^>]+>/g, ' ')
        .replace(/https?:\/\/\S+/g, ' ')
        .replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)))
        .toLowerCase()
        .match(/[\p{L}\p{N}’']+/gu) ?? [];
    const htmlBody = confirm!.html.replace(/<title>.*<\/title>/, '');
    expect(new Set(words(htmlBody))).toEqual(new Set(words(confirm!.text)));

    const { withFooter } = await import('../../server/alerts/render');
    const url = `${app.url}/api/subscriptions/unsubscribe?token=u.abc`;
    const footed = withFooter({ text: confirm!.text, html: confirm!.html }, url);
    expect(footed.html).toMatch(
      /<footer[^>]*><p>You get this because you confirmed a StayWatch alert\.<br><a href="[^"]+"[^>]*>Unsubscribe<\/a>/,
    );
    expect(footed.text).toMatch(/You get this because you confirmed a StayWatch alert\.\nUnsubscribe: http/);
  });
});
