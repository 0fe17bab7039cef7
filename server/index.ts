import { createServer, type Server } from 'node:http';
import { DevMailbox } from './alerts/dev-mail';
import { createApp } from './app';
import { startBackground } from './background';
import { type Config, loadConfig } from './config';
import { connectDb, disconnectDb } from './db/connection';
import { startEngine } from './db/engine';
import { seedDemoIfEmpty } from './demo/seed-demo';
import { createLogger, flushLogger, type Logger, wantsPrettyLogs } from './logger';
import { gateUntilIndexReady } from './map/index-gate';
import { createServices } from './services';

export interface RunningServer {
  server: Server;
  url: string;
  shutdown(reason?: string): Promise<void>;
}

/** Connects, seeds the demo (development only), listens, and shuts down gracefully on SIGTERM/SIGINT. */
export async function main(
  config: Config = loadConfig(),
  logger: Logger = createLogger({ level: config.logLevel, pretty: wantsPrettyLogs(config) }),
): Promise<RunningServer> {
  const say = (msg: string) => logger.info(msg);
  exitOnCrash(logger);
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
  if (config.seedDemo) await seedDemoIfEmpty(services);
  // The property grid and the subscription index scan their collections once here, never on a request.
  await Promise.all([services.properties.ready(), services.alerts.ensureLoaded()]);
  const { app } = createApp(services);
  let stopBackground: (() => void) | undefined;

  // Listen before the map index is loaded (after a crash that can mean thousands of changes to replay): health and
  // every route that does not read the index answer at once; those that do wait for it (map/index-gate.ts).
  const server = await new Promise<Server>((resolve, reject) => {
    const srv = createServer(gateUntilIndexReady(services.mapIndex, app));
    srv.once('error', reject);
    srv.listen(config.port, config.host, () => resolve(srv));
  });
  server.keepAliveTimeout = 5000;
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://localhost:${port}`;
  logger.info({ url, engine: engine.kind }, `StayWatch is running at ${url} (loading the map index)`);
  // A parent that started this process with an IPC channel (the tests, a supervisor) learns the port it got, PORT=0
  // included, whatever the log level.
  process.send?.({ type: 'listening', port });

  let closing: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') => {
    closing ??= (async () => {
      logger.info({ reason }, 'shutting down: no new connections, finishing requests');
      const backgroundStopped = stopBackground?.();
      await devMail?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      // No request runs any more: the last changed ids reach the change log (and, after many changes, a snapshot is
      // written) before the connection closes.
      await backgroundStopped;
      await services.mapIndex.stop({ snapshot: true });
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

  const t0 = performance.now();
  try {
    await services.mapIndex.build();
  } catch (err) {
    if (closing) return { server, url, shutdown }; // shut down while loading
    logger.error({ err }, 'the map index could not be loaded');
    await shutdown('map index failed');
    throw err;
  }
  if (!closing) stopBackground = startBackground(services);
  logger.info({ reports: services.mapIndex.index.size, ms: Math.round(performance.now() - t0) }, 'map index ready');
  return { server, url, shutdown };
}

/**
 * A bug that escapes every handler is logged (fatal, with the error) and flushed before the process exits with 1, so
 * the operator's logs say why it stopped; the supervisor restarts it and the database keeps every acknowledged write.
 */
export function exitOnCrash(logger: Logger): void {
  const die = (kind: string) => (err: unknown) => {
    logger.fatal({ err }, kind);
    void flushLogger(logger).finally(() => process.exit(1));
  };
  process.once('uncaughtException', die('uncaught exception: exiting'));
  process.once('unhandledRejection', die('unhandled promise rejection: exiting'));
}
