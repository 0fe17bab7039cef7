import { type ChildProcess, spawn } from 'node:child_process';
import { TestClient } from './http';

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  output(): string;
  /** Resolves with the exit code once the process has exited (immediately if it already has). */
  exited(): Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The real server (`server/serve.ts`, as `npm start` runs it after the client build) in its own process. */
export function startServerProcess(port: number, env: NodeJS.ProcessEnv, unset: string[] = []): ServerProcess {
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env };
  for (const k of unset) delete full[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/serve.ts'], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const done = exited();
      child.kill(signal);
      return done;
    },
  };
}

/** Waits until /api/health answers 200; fails with the server's output otherwise. */
export async function waitForHealthy(server: ServerProcess, timeoutMs = 90_000): Promise<TestClient> {
  const c = new TestClient(server.base);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await c.get('/api/health')).status === 200) return c;
    } catch {
      /* still starting */
    }
    if (server.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become healthy:\n${server.output().slice(-3000)}`);
}

/**
 * A valid anonymous report body for the i-th of many (spread over a few hundred metres of Brighton, observed in the
 * last hour), for tests that load a server process with reports.
 */
export function numberedReport(i: number, label: string) {
  const now = Date.now();
  return {
    location: { lat: 50.8225 + (i % 50) * 0.0005, lng: -0.1372 + (i % 37) * 0.0005 },
    propertyType: 'S',
    indicators: [1, 17],
    description: `${label} ${i}`,
    observedFrom: new Date(now - 3_600_000).toISOString(),
    observedTo: new Date(now - 1_800_000).toISOString(),
    reporterRole: 'neighbour',
  };
}
