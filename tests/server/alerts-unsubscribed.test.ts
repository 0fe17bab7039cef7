import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryModel } from '../../server/alerts/delivery.model';
import { deliveryIdOf, deliveryState } from '../../server/alerts/outbox';
import { CONFIRM_TTL_MS } from '../../server/alerts/tokens';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import { TestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

/**
 * Two app instances on one database, as in production behind a load balancer. Instance A runs the delivery worker
 * in process; the owner unsubscribes (or deletes the alert) through instance B. A's in-memory subscription index
 * still lists the subscription until its next reconcile (every 15 s), so only a read at send time can tell.
 */
const SECRET = 'unsubscribed-test-secret-0123456789abc';
const CENTER = { lat: 50.842, lng: -0.152 }; // Brighton, inside the demo Sussex force area

let a: TestApp;
let b: TestApp;
let smtp: TestSmtp;
let stopA: (() => unknown) | null = null;

beforeAll(async () => {
  smtp = await new TestSmtp().start();
  a = await startTestApp({
    TOKEN_SECRET: SECRET,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_POOL_SIZE: '2',
    WORKER_RETRY_BASE_MS: '50',
  });
  b = await startTestApp({ TOKEN_SECRET: SECRET }, { forces: false });
});
afterAll(async () => {
  await stopA?.();
  await smtp.stop();
  await b.close();
  await a.close();
  await dropTestDatabase();
});

const square = (c: { lat: number; lng: number }, d: number) => [
  { lat: c.lat - d, lng: c.lng - d },
  { lat: c.lat - d, lng: c.lng + d },
  { lat: c.lat + d, lng: c.lng + d },
  { lat: c.lat + d, lng: c.lng - d },
];

/** An owner with a confirmed area alert around CENTER, signed in on instance A. */
async function confirmedOwner() {
  const u = await createUser(a.services, 'owner');
  const c = a.client();
  await c.login(u.email, u.password);
  const res = await c.post('/api/subscriptions', { kind: 'area', polygon: square(CENTER, 0.01), mode: 'instant' });
  expect(res.status).toBe(201);
  const [sub] = await a.services.alerts.list(u.id);
  const token = a.services.alerts.tokens.sign('c', res.body.id, sub!.tokenVersion, CONFIRM_TTL_MS);
  expect((await a.client().request('POST', `/api/subscriptions/confirm?token=${encodeURIComponent(token)}`)).status).toBe(200);
  return { ...u, c, subscriptionId: res.body.id as string };
}

describe('an owner who unsubscribed', () => {
  it('gets no further mail from a worker whose in-memory index still lists the subscription as confirmed', async () => {
    const kept = await confirmedOwner();
    const unsubscribed = await confirmedOwner();
    const deleted = await confirmedOwner();

    // Through instance B: a one-click unsubscribe, and a deletion from the owner's alert list.
    const [sub] = await b.services.alerts.list(unsubscribed.id);
    const token = b.services.alerts.tokens.sign('u', unsubscribed.subscriptionId, sub!.tokenVersion, null);
    const res = await fetch(`${b.url}/api/subscriptions/unsubscribe?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const onB = b.client();
    await onB.login(deleted.email, deleted.password);
    expect((await onB.request('DELETE', `/api/subscriptions/${deleted.subscriptionId}`)).status).toBe(204);

    // Instance A has not reconciled yet (its first reconcile is 15 s after this start).
    expect(a.services.alerts.index.get(unsubscribed.subscriptionId)).toBeDefined();
    expect(a.services.alerts.index.get(deleted.subscriptionId)).toBeDefined();
    stopA = a.services.alerts.startBackground();

    // An officer on instance A sends an advisory to the area: A's index still names all three owners.
    const officer = await createUser(a.services, 'police');
    const police = a.client();
    await police.login(officer.email, officer.password);
    const adv = await police.post('/api/advisories', {
      polygon: square(CENTER, 0.02),
      subject: 'Cuckooing in your area',
      body: 'Please look out for the signs of cuckooing listed on our website.',
    });
    expect(adv.status).toBe(201);
    expect(adv.body.recipients).toBe(3);

    await smtp.waitFor(() => smtp.to(kept.email).some((m) => m.subject.includes('Cuckooing')), 20_000);
    const stateOf = async (userId: string) => {
      const d = await DeliveryModel.findById(deliveryIdOf(`advisory:${adv.body.id}:${userId}`)).lean();
      return d ? (await deliveryState(d)).state : 'missing';
    };
    await waitFor(async () => (await stateOf(unsubscribed.id)) !== 'pending' && (await stateOf(deleted.id)) !== 'pending', {
      timeout: 20_000,
      interval: 100,
      message: 'both deliveries to be settled',
    });
    expect(await stateOf(unsubscribed.id)).toBe('skipped');
    expect(await stateOf(deleted.id)).toBe('skipped');
    expect(smtp.to(unsubscribed.email).filter((m) => m.subject.includes('Cuckooing'))).toHaveLength(0);
    expect(smtp.to(deleted.email).filter((m) => m.subject.includes('Cuckooing'))).toHaveLength(0);
  });
});
