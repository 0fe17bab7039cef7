import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';
import { inject } from 'vitest';
import { createApp } from '../../server/app';
import { type Config, loadConfig } from '../../server/config';
import { connectDb } from '../../server/db/connection';
import { seedForces } from '../../server/demo/seed-demo';
import { createLogger } from '../../server/logger';
import { createServices, type Services } from '../../server/services';
import { TestClient } from './http';

export interface TestApp {
  url: string;
  services: Services;
  server: Server;
  /** Every log line the app wrote, as text. */
  logs: string[];
  client(): TestClient;
  close(): Promise<void>;
}

/** A real app on a random port, connected to a fresh database on the shared test engine. */
export async function startTestApp(env: Record<string, string> = {}, opts: { forces?: boolean } = {}): Promise<TestApp> {
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    LOGIN_RATE_LIMIT: '1000',
    REPORT_RATE_LIMIT: '1000',
    FOLLOWUP_RATE_LIMIT: '1000',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger({ level: config.logLevel }, sink);
  if (mongoose.connection.readyState !== 1) {
    await connectDb(inject('mongoUri'), `t_${randomBytes(6).toString('hex')}`);
  }
  const services = createServices(config, logger, inject('engineKind'));
  if (opts.forces !== false) await seedForces(services);
  await services.forces.load();
  await services.mapIndex.build();
  // The property grid and the subscription index scan their collections once here, never on a request.
  await Promise.all([services.properties.ready(), services.alerts.ensureLoaded()]);
  const { app } = createApp(services);
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    url,
    services,
    server,
    logs,
    client: () => new TestClient(url),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Drop the file's database and disconnect. */
export async function dropTestDatabase(): Promise<void> {
  if (mongoose.connection.readyState === 1) {
    await mongoose.connection.dropDatabase();
    await mongoose.disconnect();
  }
}
