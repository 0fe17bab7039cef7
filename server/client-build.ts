import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the web client when `dist/client` is missing or older than `client/`, `shared/` or the vite config. Returns false on failure. */
export function buildClientIfNeeded(log: (msg: string) => void): boolean {
  const built = path.join(root, 'dist/client/index.html');
  const sources = Math.max(
    newestMtime(path.join(root, 'client')),
    newestMtime(path.join(root, 'shared')),
    fs.statSync(path.join(root, 'vite.config.ts')).mtimeMs,
  );
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= sources) return true;
  log('Building the web client...');
  const res = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
  });
  return res.status === 0;
}
