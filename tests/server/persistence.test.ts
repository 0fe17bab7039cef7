import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/http';
import { startServerProcess, waitForHealthy } from '../support/server-process';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-persist-'));
/** As `npm start` runs it: development mode, embedded engine in DATA_DIR, demo seed on an empty database. */
const startServer = () =>
  startServerProcess({ NODE_ENV: 'development', DATA_DIR: dataDir, LOCAL_ENGINE: 'ferretdb', DEMO_REPORTS: '50' }, [
    'MONGODB_URI',
  ]);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('npm start on the embedded engine', () => {
  it('seeds the demo once, keeps data across a restart, and exits cleanly on SIGTERM', { timeout: 180_000 }, async () => {
    const first = startServer();
    let c = await waitForHealthy(first);
    expect((await c.login('officer@demo.test', 'demo-password-1')).status).toBe(200);
    const reg = await new TestClient(first.base).post('/api/auth/register', {
      email: 'kept@example.test',
      password: 'a-long-password-1',
      name: 'Kept',
      role: 'owner',
    });
    expect(reg.status).toBe(202); // the same answer for every email; the account signs in after the restart
    expect(await first.stop()).toBe(0);
    expect(first.output()).toMatch(/seeding demo data/);

    const second = startServer();
    try {
      c = await waitForHealthy(second);
      expect((await c.login('kept@example.test', 'a-long-password-1')).status).toBe(200);
      expect(second.output()).not.toMatch(/seeding demo data/);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});
