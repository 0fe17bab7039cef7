import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { ENGINE_CACHE_DIR, EngineError, type RunningEngine, startFerretDb } from './ferretdb';

export type EngineKind = 'external' | 'mongod' | 'ferretdb';
export interface Engine extends RunningEngine {
  kind: EngineKind;
}

const MONGOD_UNAVAILABLE = path.join(ENGINE_CACHE_DIR, 'mongod-unavailable');
const RETRY_MONGOD_AFTER_MS = 24 * 3_600_000;

type Say = (msg: string) => void;

function mongodRecentlyFailed(): boolean {
  const st = fs.statSync(MONGOD_UNAVAILABLE, { throwIfNoEntry: false });
  return !!st && Date.now() - st.mtimeMs < RETRY_MONGOD_AFTER_MS;
}

/** A real mongod through mongodb-memory-server-core, if its binary is cached or can be downloaded. */
async function startMongod(dataDir: string | undefined, say: Say): Promise<Engine | null> {
  if (mongodRecentlyFailed()) return null;
  const lib = await import('mongodb-memory-server-core');
  try {
    // Obtain the binary first: a failed download inside MongoMemoryServer.create prints its whole stack (console.warn).
    await lib.MongoBinary.getPath();
  } catch (err) {
    say(`No mongod binary could be downloaded (${downloadProblem(err)}); using the local FerretDB engine instead.`);
    fs.mkdirSync(ENGINE_CACHE_DIR, { recursive: true });
    fs.writeFileSync(MONGOD_UNAVAILABLE, new Date().toISOString());
    return null;
  }
  try {
    const { MongoMemoryServer } = lib;
    if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
    const server = await MongoMemoryServer.create({
      instance: dataDir ? { dbPath: dataDir, storageEngine: 'wiredTiger', ip: '127.0.0.1' } : { ip: '127.0.0.1' },
    });
    return {
      kind: 'mongod',
      uri: server.getUri(),
      stop: async () => void (await server.stop({ doCleanup: !dataDir })),
    };
  } catch (err) {
    say(`The mongod binary did not start (${downloadProblem(err)}); using the local FerretDB engine instead.`);
    fs.mkdirSync(ENGINE_CACHE_DIR, { recursive: true });
    fs.writeFileSync(MONGOD_UNAVAILABLE, new Date().toISOString());
    return null;
  }
}

/** The short reason of a download or start failure: the library's own `msg` (e.g. "getaddrinfo ENOTFOUND ..."), else the first line. */
function downloadProblem(err: unknown): string {
  const msg = (err as { msg?: unknown }).msg;
  if (typeof msg === 'string' && msg) return msg;
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}

/**
 * Picks the database: MONGODB_URI → mongod via mongodb-memory-server-core → FerretDB (SQLite).
 * With `persistent`, data lives under DATA_DIR and the first engine chosen there is kept.
 */
export async function startEngine(config: Config, opts: { persistent: boolean; say: Say }): Promise<Engine> {
  if (config.mongodbUri) return { kind: 'external', uri: config.mongodbUri, stop: async () => {} };
  const { say } = opts;
  const marker = path.join(config.dataDir, 'engine');
  let wanted = config.localEngine;
  if (opts.persistent && wanted === 'auto' && fs.existsSync(marker)) {
    wanted = fs.readFileSync(marker, 'utf8').trim() === 'mongod' ? 'mongod' : 'ferretdb';
  }
  const dir = (name: string) => (opts.persistent ? path.join(config.dataDir, name) : undefined);
  const remember = (kind: string) => {
    if (!opts.persistent) return;
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.writeFileSync(marker, kind);
  };

  if (wanted !== 'ferretdb') {
    const mongod = await startMongod(dir('mongod'), say);
    if (mongod) {
      remember('mongod');
      return mongod;
    }
    if (wanted === 'mongod') throw new EngineError('LOCAL_ENGINE=mongod but no mongod binary could be obtained.');
  }
  try {
    const fdb = await startFerretDb({ dataDir: dir('ferretdb'), say });
    remember('ferretdb');
    return { ...fdb, kind: 'ferretdb' };
  } catch (err) {
    if (err instanceof EngineError) throw err;
    throw new EngineError(`The local FerretDB engine failed to start: ${(err as Error).message}`);
  }
}

export { EngineError };
