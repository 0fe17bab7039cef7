import { randomBytes } from 'node:crypto';
import { trusted } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../server/config';
import { connectDb } from '../../server/db/connection';
import { seedForces } from '../../server/demo/seed-demo';
import { createLogger } from '../../server/logger';
import { ReportModel } from '../../server/reports/report.model';
import { createServices } from '../../server/services';
import { dropTestDatabase } from '../support/app';
import { numberedReport, startServerProcess, waitForHealthy } from '../support/server-process';
import { waitFor } from '../support/wait';

const dbName = `crash_${randomBytes(4).toString('hex')}`;
/** The real server, against the shared test engine, in its own process so it can be SIGKILLed (on a port of its own). */
const startServer = () =>
  startServerProcess({
    NODE_ENV: 'test',
    MONGODB_URI: inject('mongoUri'),
    DB_NAME: dbName,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    REPORT_RATE_LIMIT: '100000',
  });

const report = (i: number) => numberedReport(i, 'Crash test report');

beforeAll(async () => {
  await connectDb(inject('mongoUri'), dbName);
  await seedForces(createServices(loadConfig({ NODE_ENV: 'test' }), createLogger({ level: 'silent' }), 'test'));
});
afterAll(async () => {
  await dropTestDatabase();
});

describe('a crash during a burst of report submissions', () => {
  it('keeps every report that was acknowledged with 201 after SIGKILL and restart', async () => {
    let server = startServer();
    await waitForHealthy(server);
    const { base } = server;
    const acknowledged: string[] = [];
    let sent = 0;
    const statuses = new Set<string>();
    let stop = false;
    const worker = async (w: number) => {
      for (let i = w; !stop; i += 8) {
        sent++;
        try {
          const res = await fetch(`${base}/api/reports`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(report(i)),
          });
          if (res.status === 201) acknowledged.push(((await res.json()) as { reference: string }).reference);
          else statuses.add(`${res.status} ${await res.text()}`);
        } catch {
          if (stop) return;
        }
      }
    };
    const burst = Array.from({ length: 8 }, (_, w) => worker(w));
    // Not thrown here: the server is killed and the burst stopped either way; the count is asserted below.
    await waitFor(() => acknowledged.length >= 40, { timeout: 30_000, message: '40 acknowledged reports' }).catch(() => {});
    expect([...statuses]).toEqual([]);
    const killed = server.stop('SIGKILL');
    stop = true;
    await Promise.all(burst);
    await killed;

    server = startServer();
    try {
      await waitForHealthy(server);
      const stored = await ReportModel.find({ reference: trusted({ $in: acknowledged }) }, { reference: 1 }).lean();
      expect(acknowledged.length).toBeGreaterThanOrEqual(40);
      expect(sent).toBeGreaterThan(acknowledged.length);
      expect(new Set(stored.map((r) => r.reference))).toEqual(new Set(acknowledged));
    } finally {
      await server.stop();
    }
  });
});
