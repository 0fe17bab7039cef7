import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestClient } from '../support/http';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-persist-'));
const port = 43000 + Math.floor(Math.random() * 2000);
const base = `http://127.0.0.1:${port}`;

/** The server as `npm start` runs it: development mode, embedded engine in DATA_DIR, demo seed on an empty database. */
function startServer(): { child: ChildProcess; output: () => string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOCAL_ENGINE: 'ferretdb',
    DEMO_REPORTS: '50',
  };
  delete env.MONGODB_URI;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/serve.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function healthy(): Promise<TestClient> {
  const c = new TestClient(base);
  for (let i = 0; i < 250; i++) {
    try {
      if ((await c.get('/api/health')).status === 200) return c;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not start');
}

function stopped(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((r) => child.once('exit', (code) => r(code)));
}

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('npm start on the embedded engine', () => {
  it('seeds the demo once, keeps data across a restart, and exits cleanly on SIGTERM', { timeout: 180_000 }, async () => {
    const first = startServer();
    let c = await healthy().catch((err) => {
      throw new Error(`${err.message}:\n${first.output()}`);
    });
    expect((await c.login('officer@demo.test', 'demo-password-1')).status).toBe(200);
    const reg = await new TestClient(base).post('/api/auth/register', {
      email: 'kept@example.test',
      password: 'a-long-password-1',
      name: 'Kept',
      role: 'owner',
    });
    expect(reg.status).toBe(201);
    const exit1 = stopped(first.child);
    first.child.kill('SIGTERM');
    expect(await exit1).toBe(0);
    expect(first.output()).toMatch(/seeding demo data/);

    const second = startServer();
    try {
      c = await healthy();
      expect((await c.login('kept@example.test', 'a-long-password-1')).status).toBe(200);
      expect(second.output()).not.toMatch(/seeding demo data/);
    } finally {
      const exit2 = stopped(second.child);
      second.child.kill('SIGTERM');
      expect(await exit2).toBe(0);
    }
  });
});
