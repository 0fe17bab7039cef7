import type { TestProject } from 'vitest/node';
import { buildClientIfNeeded } from '../../server/client-build';
import { loadConfig } from '../../server/config';
import { type Engine, startEngine } from '../../server/db/engine';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    engineKind: string;
  }
}

let engine: Engine | undefined;

/** One throwaway engine for the whole run (MONGODB_URI, else mongod, else in-memory FerretDB); each test file gets its own database. */
export async function setup(project: TestProject): Promise<void> {
  // Browser tests need the built client; build it when stale.
  if (!buildClientIfNeeded((m) => console.log(`[client] ${m}`))) throw new Error('client build failed');
  const config = loadConfig({ ...process.env, NODE_ENV: 'test' });
  engine = await startEngine(config, { persistent: false, say: (m) => console.log(`[engine] ${m}`) });
  project.provide('mongoUri', engine.uri);
  project.provide('engineKind', engine.kind);
}

export async function teardown(): Promise<void> {
  await engine?.stop();
}
