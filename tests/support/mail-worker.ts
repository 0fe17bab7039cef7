import { DeliveryWorker } from '../../server/alerts/worker';
import type { TestApp } from './app';
import { TestSmtp } from './smtp';

export interface TestMail {
  smtp: TestSmtp;
  worker: DeliveryWorker;
  /** Wait for the outbox to empty, then forget every message received so far. */
  reset(): Promise<void>;
  /** Stop the worker, then the SMTP server. */
  stop(): Promise<void>;
}

/**
 * A test SMTP server and a delivery worker sending the app's outbox to it (fast retries, no digests), the way the
 * alerts and accounts tests deliver mail.
 */
export async function startTestMail(app: TestApp, opts: { poolSize?: number; from?: string } = {}): Promise<TestMail> {
  const smtp = await new TestSmtp().start();
  const worker = new DeliveryWorker(
    {
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      poolSize: opts.poolSize ?? 2,
      from: opts.from ?? 'StayWatch <alerts@staywatch.test>',
    },
    { publicUrl: app.url, tokens: app.services.alerts.tokens, logger: app.services.logger, digestHour: 7 },
    { retryBaseMs: 50, retryMaxMs: 500, digests: false },
  );
  return {
    smtp,
    worker,
    async reset() {
      await worker.drain();
      smtp.messages.length = 0;
    },
    async stop() {
      await worker.stop();
      await smtp.stop();
    },
  };
}
