import { type ChildProcess, spawn } from 'node:child_process';
import { TestClient } from './http';
import { waitFor } from './wait';

export interface ServerProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` once the server listens (see `listening`); throws before. */
  readonly base: string;
  /** Resolves with `base` once the server listens on the port the system gave it; rejects if it exits first. */
  listening(): Promise<string>;
  output(): string;
  /** Resolves with the exit code once the process has exited (immediately if it already has). */
  exited(): Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The real server (`server/serve.ts`, as `npm start` runs it after the client build) in its own process, on port 0
 * unless `env.PORT` says otherwise: the system picks a free port, and the server reports the one it got over the IPC
 * channel (`{type: 'listening', port}`), so parallel test files never collide on a port.
 */
export function startServerProcess(env: NodeJS.ProcessEnv, unset: string[] = []): ServerProcess {
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...env, HOST: '127.0.0.1' };
  for (const k of unset) delete full[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/serve.ts'], {
    env: full,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = () =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve(child.exitCode)
      : new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let base: string | undefined;
  const listening = new Promise<string>((resolve, reject) => {
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m?.type !== 'listening' || typeof m.port !== 'number') return;
      base = `http://127.0.0.1:${m.port}`;
      resolve(base);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`server exited (${signal ?? code}) before listening:\n${out.slice(-3000)}`)),
    );
  });
  listening.catch(() => {}); // a server stopped before it listened is not an unhandled rejection
  return {
    child,
    get base() {
      if (!base) throw new Error('the server is not listening yet: await listening() or waitForHealthy() first');
      return base;
    },
    listening: () => listening,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const done = exited();
      child.kill(signal);
      return done;
    },
  };
}

/** Waits until the server listens and /api/health answers 200; fails with the server's output otherwise. */
export async function waitForHealthy(server: ServerProcess, timeoutMs = 90_000): Promise<TestClient> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const tooLate = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`server did not listen within ${timeoutMs} ms:\n${server.output().slice(-3000)}`)),
      timeoutMs,
    );
  });
  let c: TestClient;
  try {
    c = new TestClient(await Promise.race([server.listening(), tooLate]));
  } finally {
    clearTimeout(timer);
  }
  const state = await waitFor(
    async () => {
      if (server.child.exitCode !== null || server.child.signalCode !== null) return 'exited';
      return (await c.get('/api/health').catch(() => undefined))?.status === 200 && 'healthy';
    },
    {
      timeout: Math.max(1, timeoutMs - (Date.now() - started)),
      interval: 200,
      message: () => `the server to be healthy:\n${server.output().slice(-3000)}`,
    },
  );
  if (state === 'exited') throw new Error(`server exited before it was healthy:\n${server.output().slice(-3000)}`);
  return c;
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
