import { type ChildProcess, spawn } from 'node:child_process';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DeliveryClaimModel, DeliveryModel, DeliveryResultModel, SuppressionModel } from '../../server/alerts/delivery.model';
import { type LedgerStore, storeInDatabase } from '../../server/alerts/ledger';
import { deliveryState, recordDeliveries } from '../../server/alerts/outbox';
import { DeliveryWorker, messageIdFor, type SmtpSettings, type WorkerOptions } from '../../server/alerts/worker';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { TestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

const SECRET = 'fault-test-secret-0123456789abcdefgh';
let app: TestApp;
const workers: DeliveryWorker[] = [];
const smtps: TestSmtp[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  app = await startTestApp({ TOKEN_SECRET: SECRET });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && !c.signalCode) c.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(smtps.map((s) => s.stop()));
  await app.close();
  await dropTestDatabase();
});

function smtpAt(port: number, poolSize = 5): SmtpSettings {
  return { host: '127.0.0.1', port, secure: false, poolSize, from: 'StayWatch <alerts@staywatch.test>' };
}

function newWorker(port: number, opts: WorkerOptions = {}): DeliveryWorker {
  const w = new DeliveryWorker(
    smtpAt(port),
    { publicUrl: app.url, tokens: app.services.alerts.tokens, logger: app.services.logger, digestHour: 7 },
    { retryBaseMs: 100, retryMaxMs: 800, pollMs: 100, digests: false, ...opts },
  );
  workers.push(w);
  return w;
}

async function startSmtp(port = 0): Promise<TestSmtp> {
  const s = await new TestSmtp(port).start();
  smtps.push(s);
  return s;
}

/** Records `n` due deliveries (intent before sending) and returns the Message-IDs they must arrive with. */
async function dueDeliveries(batch: string, n: number, to = (i: number) => `${batch}-${i}@example.test`): Promise<string[]> {
  await recordDeliveries(
    Array.from({ length: n }, (_, i) => ({
      key: `fault:${batch}:${i}`,
      kind: 'advisory' as const,
      subscriptionId: null,
      userId: null,
      to: to(i),
      email: { subject: `Fault test ${batch} ${i}`, text: `Message ${i}`, html: `<p>Message ${i}</p>` },
    })),
  );
  const docs = await DeliveryModel.find({}, { _id: 1, key: 1 }).lean();
  return docs.filter((d) => d.key.startsWith(`fault:${batch}:`)).map((d) => messageIdFor(d._id));
}

/** How many of the batch's deliveries stand where (pending, sent, failed...), from their result rows. */
async function states(batch: string): Promise<Record<string, number>> {
  const docs = (await DeliveryModel.find({}).lean()).filter((d) => d.key.startsWith(`fault:${batch}:`));
  const out: Record<string, number> = {};
  for (const d of docs) {
    const { state } = await deliveryState(d);
    out[state] = (out[state] ?? 0) + 1;
  }
  return out;
}

/** Attempts of these deliveries that a worker claimed and recorded no result for: in flight when it died. */
async function attemptsInFlight(batch: string): Promise<number> {
  const ids = new Set(
    (await DeliveryModel.find({}, { _id: 1, key: 1 }).lean())
      .filter((d) => d.key.startsWith(`fault:${batch}:`))
      .map((d) => String(d._id)),
  );
  const claims = (await DeliveryClaimModel.find({}, { _id: 1 }).lean()).filter((c) => ids.has(c._id.split(':')[0]!));
  const results = new Set((await DeliveryResultModel.find({}, { _id: 1 }).lean()).map((r) => r._id));
  return claims.filter((c) => !results.has(c._id)).length;
}

function arrivals(smtp: TestSmtp, ids: string[]) {
  const counts = smtp.countsByMessageId();
  const missing = ids.filter((id) => !counts.has(id));
  const extra = ids.reduce((sum, id) => sum + Math.max(0, (counts.get(id) ?? 0) - 1), 0);
  return { missing, duplicates: extra };
}

describe('delivery under faults', { timeout: 400_000 }, () => {
  it('delivers every message exactly once when the SMTP server is down while 500 are due and then comes back', async () => {
    const port = await TestSmtp.freePort();
    const ids = await dueDeliveries('down', 500);
    expect(ids).toHaveLength(500);
    const worker = newWorker(port);
    worker.start();
    // Wait until attempts have failed and been recorded as retries.
    await waitFor(async () => (await DeliveryResultModel.countDocuments({ status: 'retry' })) > 0, {
      timeout: 60_000,
      interval: 100,
      message: 'a failed attempt recorded as a retry',
    });
    expect(await states('down')).toEqual({ pending: 500 });

    const smtp = await startSmtp(port);
    await smtp.waitFor(() => smtp.countsByMessageId().size >= 500, 200_000);
    // Every outcome recorded: nothing is left that the worker could send (again); stop finishes any send in flight.
    await waitFor(async () => JSON.stringify(await states('down')) === JSON.stringify({ sent: 500 }), {
      timeout: 60_000,
      interval: 100,
      message: 'every delivery recorded as sent',
    });
    await worker.stop();
    expect(arrivals(smtp, ids)).toEqual({ missing: [], duplicates: 0 });
    expect(smtp.messages).toHaveLength(500);
    expect(await states('down')).toEqual({ sent: 500 });
  });

  it('sends each delivery once when two workers run at once', async () => {
    const smtp = await startSmtp();
    const ids = await dueDeliveries('two', 150);
    const a = newWorker(smtp.port, { workerId: 'worker-a' });
    const b = newWorker(smtp.port, { workerId: 'worker-b' });
    const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
    expect(ra.sent + rb.sent).toBe(150);
    expect(ra.sent).toBeGreaterThan(0);
    expect(rb.sent).toBeGreaterThan(0);
    expect(arrivals(smtp, ids)).toEqual({ missing: [], duplicates: 0 });
    expect(smtp.messages).toHaveLength(150);
  });

  it('suppresses an address that gets a 5xx and still delivers to the others', async () => {
    const smtp = await startSmtp();
    smtp.rejectPermanently.add('bounce-1@example.test');
    const ids = await dueDeliveries('bounce', 4);
    const worker = newWorker(smtp.port);
    const result = await worker.drain();
    expect(result).toMatchObject({ sent: 3, failed: 1 });
    expect(smtp.messages.map((m) => m.to).sort()).toEqual([
      'bounce-0@example.test',
      'bounce-2@example.test',
      'bounce-3@example.test',
    ]);
    expect(await SuppressionModel.exists({ _id: 'bounce-1@example.test' })).toBeTruthy();
    const failed = await DeliveryModel.findOne({ key: 'fault:bounce:1' }).lean();
    const failedState = await deliveryState(failed!);
    expect(failedState.state).toBe('failed');
    expect(failedState.error).toContain('550');
    expect(arrivals(smtp, ids).missing).toEqual([messageIdFor(failed!._id)]);

    // Later mail to the suppressed address is skipped without contacting the server.
    smtp.rejectPermanently.clear();
    await dueDeliveries('bounce-later', 1, () => 'bounce-1@example.test');
    expect(await worker.drain()).toMatchObject({ skipped: 1, sent: 0 });
    expect(smtp.to('bounce-1@example.test')).toHaveLength(0);
  });

  it.each([
    ['once', 1],
    ['six times in a row (more than one flush tries)', 6],
  ])('keeps the results of a store that failed %s, so no message is sent again after the lease', async (_, times) => {
    const smtp = await startSmtp();
    const batch = `flush-${times}`;
    const ids = await dueDeliveries(batch, 40);
    // The first stores of results fail (the database refused the insert); every later one goes to the database.
    let failures = 0;
    const failing: LedgerStore = async (retries, results) => {
      if (failures < times && results.length) {
        failures++;
        throw new Error('injected: results insert failed');
      }
      return storeInDatabase(retries, results);
    };
    const worker = newWorker(smtp.port, { leaseMs: 400, ledger: { store: failing } });
    worker.start();
    await smtp.waitFor(() => smtp.countsByMessageId().size >= 40, 60_000);
    // Wait until every attempt has its result in the database (a lost result never gets there: the wait times out)
    // and no attempt is in flight (one taken over after its lease would be): only then could nothing be sent again.
    await waitFor(
      async () =>
        JSON.stringify(await states(batch)) === JSON.stringify({ sent: 40 }) && (await attemptsInFlight(batch)) === 0,
      { timeout: 60_000, interval: 100, message: 'every attempt recorded, none in flight' },
    );
    await worker.stop();
    expect(failures).toBe(times);
    expect(arrivals(smtp, ids)).toEqual({ missing: [], duplicates: 0 });
    expect(smtp.messages).toHaveLength(40);
    expect(await states(batch)).toEqual({ sent: 40 });
    expect(await attemptsInFlight(batch)).toBe(0);
  });

  it('loses nothing when the worker process is killed with SIGKILL mid-sending, and duplicates at most what was in flight', async () => {
    const smtp = await startSmtp();
    smtp.delayMs = 15;
    const ids = await dueDeliveries('kill', 150);
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      MONGODB_URI: inject('mongoUri'),
      DB_NAME: mongoose.connection.name,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_POOL_SIZE: '4',
      WORKER_LEASE_SECONDS: '2',
      WORKER_RETRY_BASE_MS: '100',
      TOKEN_SECRET: SECRET,
      LOG_LEVEL: 'warn',
    };
    // Node itself (not npx) so the signal reaches the worker and not a wrapper.
    const run = (): ChildProcess =>
      spawn(process.execPath, ['--import', 'tsx', 'server/alerts/worker.cli.ts'], { env, stdio: 'ignore' });

    const first = run();
    children.push(first);
    await smtp.waitFor(() => smtp.messages.length >= 30, 200_000);
    first.kill('SIGKILL');
    await new Promise<void>((r) => (first.exitCode !== null || first.signalCode ? r() : first.once('exit', () => r())));
    const inFlight = await attemptsInFlight('kill');
    const atKill = smtp.messages.length;
    expect(atKill).toBeLessThan(150);
    // Eight lanes (two per pooled connection), one chunk of eight claimed ahead, and results not yet flushed.
    expect(inFlight).toBeLessThanOrEqual(40);

    const second = run();
    children.push(second);
    try {
      await smtp.waitFor(() => smtp.countsByMessageId().size >= 150, 300_000);
      // Sends the first worker made but could not record arrived already; the second takes them over once their
      // lease passes and records them (sending again at most what was in flight): wait for every outcome.
      await expect.poll(() => states('kill'), { timeout: 60_000, interval: 250 }).toEqual({ sent: 150 });
    } finally {
      // A graceful stop stores the results of the last sends before the process exits: wait for it.
      const exited = new Promise<void>((r) => (second.exitCode !== null ? r() : second.once('exit', () => r())));
      second.kill('SIGTERM');
      await exited;
    }
    const { missing, duplicates } = arrivals(smtp, ids);
    expect(missing).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    expect(await states('kill')).toEqual({ sent: 150 });
  });
});
