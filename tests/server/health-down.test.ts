import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { connectDb, disconnectDb } from '../../server/db/connection';
import { type Engine, startEngine } from '../../server/db/engine';
import { createLogger } from '../../server/logger';
import { createServices } from '../../server/services';
import { TestClient } from '../support/http';

// This file runs its own FerretDB so it can stop it without disturbing other files.
let engine: Engine;
let client: TestClient;
let close: () => Promise<void>;

beforeAll(async () => {
  const config = loadConfig({ NODE_ENV: 'test', LOCAL_ENGINE: 'ferretdb', LOG_LEVEL: 'silent' });
  engine = await startEngine(config, { persistent: false, say: () => {} });
  await connectDb(engine.uri, 'health');
  const { app } = createApp(createServices(config, createLogger({ level: 'silent' }), engine.kind));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const addr = server.address() as { port: number };
  client = new TestClient(`http://127.0.0.1:${addr.port}`);
  close = () => new Promise<void>((r) => server.close(() => r()));
});

afterAll(async () => {
  await close();
  await disconnectDb().catch(() => {});
  await engine.stop();
});

describe('health when the database goes away', () => {
  it('says ok while the database is up, then 503 once it is stopped', async () => {
    expect((await client.get('/api/health')).status).toBe(200);
    await engine.stop();
    const res = await client.get('/api/health');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('db_unavailable');
  });
});
