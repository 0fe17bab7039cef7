import { loadConfig } from '../config';
import { connectDb, disconnectDb } from '../db/connection';
import { createLogger, flushLogger } from '../logger';
import { resolveTokenSecret, TokenSigner } from './tokens';
import { DeliveryWorker, smtpFromConfig } from './worker';

/**
 * `npm run worker`: the delivery worker as its own process (run the server with WORKER_IN_PROCESS=false, or
 * alongside it: several workers never send the same delivery twice). Needs MONGODB_URI and SMTP_HOST.
 */
const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
const smtp = smtpFromConfig(config);
if (!config.mongodbUri || !smtp) {
  logger.error('the worker needs MONGODB_URI and SMTP_HOST');
  await flushLogger(logger);
  process.exit(1);
}
await connectDb(config.mongodbUri, config.dbName);
const worker = new DeliveryWorker(
  smtp,
  {
    publicUrl: config.alerts.publicUrl,
    tokens: new TokenSigner(resolveTokenSecret(config)),
    logger,
    digestHour: config.alerts.digestHour,
  },
  { pollMs: config.env === 'test' ? 200 : 2000, leaseMs: config.alerts.leaseMs, retryBaseMs: config.alerts.retryBaseMs },
);
worker.start();
logger.info({ worker: worker.id }, 'delivery worker started');
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    setTimeout(() => process.exit(0), 5000).unref();
    void (async () => {
      await worker.stop();
      await disconnectDb();
      await flushLogger(logger);
      process.exit(0);
    })();
  });
}
