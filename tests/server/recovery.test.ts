import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { connectDb } from '../../server/db/connection';
import { createLogger } from '../../server/logger';
import { gateUntilIndexReady, type IndexReadiness } from '../../server/map/index-gate';
import { ReportModel } from '../../server/reports/report.model';
import { createServices } from '../../server/services';
import { dropTestDatabase } from '../support/app';
import { TestClient } from '../support/http';
import { numberedReport, type ServerProcess, startServerProcess, waitForHealthy } from '../support/server-process';
import { waitFor } from '../support/wait';

const dbName = `recovery_${randomBytes(4).toString('hex')}`;
const env = {
  NODE_ENV: 'test',
  MONGODB_URI: inject('mongoUri'),
  DB_NAME: dbName,
  LOG_LEVEL: 'info',
  SEED_DEMO: 'false',
  REPORT_RATE_LIMIT: '100000',
};
const ADMIN = { email: 'recovery-admin@example.test', password: 'a-long-password-1' };
const SEEDED = 4_000;
/** 2,000 acknowledged changes after the snapshot (a status change costs ~30 commands, a new report a few). */
const STATUS_CHANGES = 200;
const NEW_REPORTS = 1_800;
/** At test scale the server must answer health this soon after it is started again (the bound at 1M is 30 s). */
const HEALTH_WITHIN_MS = 20_000;

/** The real server, in its own process so it can be SIGKILLed, on a database that outlives it (a new port each start). */
const startServer = () => startServerProcess(env);

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const report = (i: number) => numberedReport(i, 'Recovery test report');

/** Runs `task(i)` for i < n, `width` at a time. */
async function inParallel(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await task(next++);
    }),
  );
}

/** How many reports of a status the police queue (the in-memory map index) holds; waits while the index loads. */
async function queueTotal(c: TestClient, status: string): Promise<number> {
  for (let tries = 0; ; tries++) {
    const res = await c.get(`/api/reports?statuses=${status}&limit=1`);
    if (res.status === 200) return res.body.total as number;
    if (res.status !== 503 || tries > 20) throw new Error(`GET /api/reports: ${res.status} ${res.text}`);
  }
}

/** The server's log line with `msg`, parsed (log lines are written in batches: waits up to 5 s for it). */
async function logLine(server: ServerProcess, msg: string): Promise<Record<string, unknown> & { at: number }> {
  const whole = () => server.output().split('\n').slice(0, -1); // whole lines only
  const at = await waitFor(
    () => {
      const i = whole().findIndex((l) => l.includes(msg));
      return i >= 0 ? { i } : undefined;
    },
    { timeout: 5_000, interval: 50, message: () => `log line "${msg}":\n${server.output().slice(-3000)}` },
  );
  return { ...JSON.parse(whole()[at.i]!), at: at.i };
}

async function signIn(server: ServerProcess): Promise<TestClient> {
  const c = await waitForHealthy(server);
  expect((await c.login(ADMIN.email, ADMIN.password)).status).toBe(200);
  return c;
}

beforeAll(async () => {
  await connectDb(inject('mongoUri'), dbName);
  const seeded = await run(['server/demo/seed.cli.ts', '--reports', String(SEEDED), '--batch', '1000']);
  expect(seeded.code, seeded.out).toBe(0);
  const s = createServices(loadConfig({ NODE_ENV: 'test' }), createLogger({ level: 'silent' }), 'test');
  await s.forces.load();
  await s.users.create({ ...ADMIN, name: 'Recovery Admin', role: 'police_admin' });
});
afterAll(async () => {
  await dropTestDatabase();
});

describe('a restart after kill -9 with thousands of changes since the last map snapshot', () => {
  it('answers health at once and its map index holds every acknowledged change; after a graceful stop the next start has them all too', async () => {
    // The seed wrote the snapshot; every change below comes after it.
    let server = startServer();
    let c = await signIn(server);
    const before = { triaged: await queueTotal(c, 'triaged'), new: await queueTotal(c, 'new') };
    const closed = await ReportModel.collection
      .find({ status: 'closed' }, { projection: { _id: 1 } })
      .limit(STATUS_CHANGES)
      .toArray();
    expect(closed).toHaveLength(STATUS_CHANGES);

    const failures: string[] = [];
    await inParallel(STATUS_CHANGES, 8, async (i) => {
      const res = await c.patch(`/api/reports/${closed[i]!._id.toHexString()}`, { status: 'triaged' });
      if (res.status !== 200) failures.push(`PATCH ${res.status} ${res.text}`);
    });
    const anonymous = new TestClient(server.base);
    await inParallel(NEW_REPORTS, 16, async (i) => {
      const res = await anonymous.post('/api/reports', report(i));
      if (res.status !== 201) failures.push(`POST ${res.status} ${res.text}`);
    });
    expect(failures.slice(0, 3)).toEqual([]);
    // Nothing written a snapshot since the seed's: the restart has to replay all of it.
    expect(server.output()).not.toMatch(/map index snapshot written/);

    await server.stop('SIGKILL');
    const restartedAt = Date.now();
    server = startServer();
    try {
      c = await signIn(server);
      const healthyAfterMs = Date.now() - restartedAt;
      expect(healthyAfterMs, server.output().slice(-2000)).toBeLessThan(HEALTH_WITHIN_MS);
      expect(await queueTotal(c, 'triaged')).toBe(before.triaged + STATUS_CHANGES);
      expect(await queueTotal(c, 'new')).toBe(before.new + NEW_REPORTS);
      // It listened before loading the index, and loaded it from the seed's snapshot plus the logged changes.
      const listening = await logLine(server, 'StayWatch is running');
      const loaded = await logLine(server, 'map index loaded from snapshot');
      expect(listening.at).toBeLessThan(loaded.at);
      expect(loaded.replayed).toBeGreaterThanOrEqual(STATUS_CHANGES + NEW_REPORTS);

      // More changes, then SIGTERM straight after the last answer: they are logged before the process ends, and
      // with this many changes not in a snapshot it writes one on the way out.
      const more = await ReportModel.collection
        .find({ status: 'closed' }, { projection: { _id: 1 } })
        .limit(50)
        .toArray();
      await inParallel(more.length, 8, async (i) => {
        const res = await c.patch(`/api/reports/${more[i]!._id.toHexString()}`, { status: 'triaged' });
        if (res.status !== 200) failures.push(`PATCH ${res.status} ${res.text}`);
      });
      expect(failures.slice(0, 3)).toEqual([]);
      expect(await server.stop('SIGTERM'), server.output().slice(-2000)).toBe(0);
      expect(server.output()).toMatch(/map index snapshot written/);
      expect(more).toHaveLength(50);
    } finally {
      await server.stop();
    }

    server = startServer();
    try {
      c = await signIn(server);
      expect(await queueTotal(c, 'triaged')).toBe(before.triaged + STATUS_CHANGES + 50);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('while the map index loads', () => {
  let server: Server;
  let base: string;
  let release: () => void;
  /** How many requests have waited for the index so far. */
  let waits = 0;
  const index: IndexReadiness & { ready: boolean } = {
    ready: false,
    whenReady: (ms) =>
      new Promise((resolve) => {
        waits++;
        const t = setTimeout(() => resolve(false), ms);
        release = () => {
          clearTimeout(t);
          index.ready = true;
          resolve(true);
        };
      }),
  };

  beforeAll(async () => {
    const app = (_req: unknown, res: import('node:http').ServerResponse) => res.end('app');
    server = createServer(gateUntilIndexReady(index, app, { waitMs: 300 }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const addr = server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers health and routes that do not read the index at once, and the map, the queue and new reports with 503 after a short wait', async () => {
    expect(await (await fetch(`${base}/api/health`)).text()).toBe('app');
    expect(await (await fetch(`${base}/api/reports/${'a'.repeat(24)}`)).text()).toBe('app');
    for (const [method, path] of [
      ['GET', '/api/map/clusters?zoom=5'],
      ['GET', '/api/reports?limit=1'],
      ['GET', '/api/reports/export'],
      ['POST', '/api/reports'],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('db_unavailable');
    }
  });

  it('lets a waiting request through as soon as the index is ready', async () => {
    const waited = waits;
    const pending = fetch(`${base}/api/map/heat?zoom=5`);
    await waitFor(() => waits > waited, { message: 'the request to wait for the index' });
    release();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('app');
  });
});
