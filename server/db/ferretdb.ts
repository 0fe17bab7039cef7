import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../config';

const SOURCE_DIR = fileURLToPath(new URL('../../tools/ferretdb/', import.meta.url));
const SOURCE_FILES = ['main.go', 'idindex.go', 'go.mod', 'go.sum', 'lazylog.go'];
const LOCK_STALE_MS = 20 * 60_000;
/** How often a first start says the engine build is still going. */
const BUILD_PROGRESS_MS = 5_000;

export const ENGINE_CACHE_DIR = path.join(os.homedir(), '.cache', 'staywatch');

export class EngineError extends Error {}

type Say = (msg: string) => void;

function sourceHash(): string {
  const h = createHash('sha256');
  for (const f of SOURCE_FILES) h.update(fs.readFileSync(path.join(SOURCE_DIR, f)));
  return h.digest('hex').slice(0, 12);
}

export function launcherPath(): string {
  return path.join(ENGINE_CACHE_DIR, `ferretdb-${sourceHash()}`, 'ferretdb-launcher');
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: SOURCE_DIR,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: -1, output: String(err) }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

async function withLock<T>(dir: string, say: Say, fn: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waited) say('Another process is building the local database engine; waiting for it...');
      waited = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the Go launcher once into the cache (locked so concurrent starts build it once). */
export async function ensureFerretDbBuilt(say: Say): Promise<string> {
  const bin = launcherPath();
  if (fs.existsSync(bin)) return bin;
  return withLock(path.dirname(bin), say, async () => {
    if (fs.existsSync(bin)) return bin;
    say('Building the local FerretDB engine from the Go module proxy (first run only; this takes a few minutes)...');
    const started = Date.now();
    const progress = setInterval(
      () => say(`Still building the local FerretDB engine (${Math.round((Date.now() - started) / 1000)} s so far)...`),
      BUILD_PROGRESS_MS,
    );
    progress.unref();
    try {
      return await buildLauncher(bin, say);
    } finally {
      clearInterval(progress);
    }
  });
}

async function buildLauncher(bin: string, say: Say): Promise<string> {
  const tmp = `${bin}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  const args = ['build', '-trimpath', '-o', tmp, '.'];
  const base = { CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  let res = await run('go', args, base);
  if (res.code === -1) {
    throw new EngineError(
      `Go is needed to build the local database engine and was not found (${res.output.trim()}).\n` +
        'Install Go 1.24 or newer, or set MONGODB_URI to a MongoDB server.',
    );
  }
  if (res.code !== 0) {
    say('Build with the installed Go failed; retrying with the go1.24.3 toolchain...');
    res = await run('go', args, { ...base, GOTOOLCHAIN: 'go1.24.3' });
  }
  if (res.code !== 0) {
    throw new EngineError(
      `Building the FerretDB launcher failed:\n${res.output.slice(-3000)}\nSet MONGODB_URI to use a MongoDB server instead.`,
    );
  }
  fs.renameSync(tmp, bin);
  say('Local FerretDB engine built.');
  return bin;
}

export interface RunningEngine {
  uri: string;
  stop(): Promise<void>;
  process?: ChildProcess;
}

/** Starts FerretDB on 127.0.0.1 with SQLite in `dataDir` (or in memory) and waits for its URI. */
export async function startFerretDb(opts: { dataDir?: string; say: Say }): Promise<RunningEngine> {
  const bin = await ensureFerretDbBuilt(opts.say);
  // Throwaway engines use files in a temp dir (RAM-backed where /dev/shm exists): FerretDB 1.24's
  // SQLite `?mode=memory` deadlocks on the first update, so it is not used.
  const throwaway = !opts.dataDir;
  const tmpRoot = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = opts.dataDir ?? fs.mkdtempSync(path.join(tmpRoot, 'staywatch-fdb-'));
  fs.mkdirSync(dir, { recursive: true });
  const sqliteUrl = `file:${dir}/`;
  const child = spawn(bin, ['-listen', '127.0.0.1:0', '-sqlite-url', sqliteUrl, '-exit-on-eof'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const uri = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new EngineError(`FerretDB did not start in 30 s: ${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new EngineError(`FerretDB exited with code ${code}: ${stderr}`));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    uri,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      if (throwaway) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
