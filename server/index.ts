import type { Server } from 'node:http';
import { createApp } from './app';
import { startBackground } from './background';
import { type Config, loadConfig } from './config';
import { connectDb, disconnectDb } from './db/connection';
import { startEngine } from './db/engine';
import { seedDemoIfEmpty } from './demo/seed-demo';
import { createLogger, flushLogger, type Logger } from './logger';
import { createServices } from './services';
import { DevMailbox } from './alerts/dev-mail';

export interface RunningServer {
  server: Server;
  url: string;
  shutdown(reason?: string): Promise<void>;
}

/** Connects, seeds the demo (development only), listens, and shuts down gracefully on SIGTERM/SIGINT. */
export async function main(
  config: Config = loadConfig(),
  logger: Logger = createLogger({ level: config.logLevel }),
): Promise<RunningServer> {
  const say = (msg: string) => logger.info(msg);
  const engine = await startEngine(config, { persistent: true, say });
  await connectDb(engine.uri, config.dbName);
  // Development without SMTP_HOST: a local mail catcher, viewable at /dev/mail. Never in production.
  let devMail: DevMailbox | undefined;
  if (config.isDev && !config.mail.host) {
    devMail = new DevMailbox(logger);
    const port = await devMail.start();
    config = { ...config, mail: { ...config.mail, host: '127.0.0.1', port, secure: false, user: undefined, pass: undefined } };
    logger.info({ port }, 'SMTP_HOST not set: development mail goes to the catcher at /dev/mail');
  }
  const services = createServices(config, logger, engine.kind);
  services.devMail = devMail;
  await services.forces.load();
  await services.users.ensureKeys(); // once per database: email keys and staff roster for users from before them
  if (config.seedDemo) await seedDemoIfEmpty(services);
  await services.mapIndex.build();
  // The property grid and the subscription index scan their collections once here, never on a request.
  await Promise.all([services.properties.ready(), services.alerts.ensureLoaded()]);
  const { app } = createApp(services);
  const stopBackground = startBackground(services);

  const server = await new Promise<Server>((resolve, reject) => {
    const srv = app.listen(config.port, config.host, () => resolve(srv));
    srv.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://localhost:${port}`;
  logger.info({ url, engine: engine.kind }, `StayWatch is running at ${url}`);

  let closing: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') => {
    closing ??= (async () => {
      logger.info({ reason }, 'shutting down: no new connections, finishing requests');
      stopBackground();
      await devMail?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      await disconnectDb();
      await engine.stop();
      logger.info('stopped');
    })();
    return closing;
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      shutdown(sig).then(
        () => flushLogger(logger).finally(() => process.exit(0)),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          void flushLogger(logger).finally(() => process.exit(1));
        },
      );
    });
  }
  return { server, url, shutdown };
}
