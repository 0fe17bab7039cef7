import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, createLogger, type Rolldown } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Vite's default `build.chunkSizeWarningLimit`, in kB of 1,000 bytes as vite counts them. */
const LIMIT_KB = 500;

let chunks: Rolldown.OutputChunk[];
const warnings: string[] = [];
let limitKb: number | undefined;
let outDir: string;

beforeAll(async () => {
  // The project's own vite.config.ts, built into a scratch folder (vite reports chunk sizes only when it
  // writes), with every warning recorded.
  outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-build-'));
  const logger = createLogger('warn', { allowClearScreen: false });
  logger.warn = (msg) => warnings.push(msg);
  logger.warnOnce = (msg) => warnings.push(msg);
  const result = await build({
    configFile: path.join(root, 'vite.config.ts'),
    customLogger: logger,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
    plugins: [
      {
        name: 'read-resolved-limit',
        configResolved(config) {
          limitKb = config.build.chunkSizeWarningLimit;
        },
      },
    ],
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  chunks = outputs.flatMap((o) => o.output.filter((f): f is Rolldown.OutputChunk => f.type === 'chunk'));
}, 120_000);
afterAll(() => {
  if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
});

/** The code modules bundled into a chunk (stylesheets are listed too, but ship as separate .css files). */
function codeModules(chunk: Rolldown.OutputChunk): string[] {
  return Object.keys(chunk.modules).filter((id) => !id.endsWith('.css'));
}

/** Every chunk the browser must fetch before the first page renders: the entry and its static imports. */
function initialChunks(): Rolldown.OutputChunk[] {
  const byName = new Map(chunks.map((c) => [c.fileName, c]));
  const seen = new Set<string>();
  const queue = chunks.filter((c) => c.isEntry).map((c) => c.fileName);
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...(byName.get(name)?.imports ?? []));
  }
  return [...seen].map((n) => byName.get(n)!);
}

describe('the client build', () => {
  it('keeps vite’s default chunk size warning limit', () => {
    expect(limitKb).toBe(LIMIT_KB);
  });

  it('emits no chunk over 500 kB and no size warning', () => {
    expect(chunks.length).toBeGreaterThan(1);
    const bytes = (c: Rolldown.OutputChunk) => Buffer.byteLength(c.code); // as served (UTF-8), as vite counts
    const over = chunks.filter((c) => bytes(c) / 1000 > LIMIT_KB).map((c) => `${c.fileName} ${bytes(c)} B`);
    expect(over).toEqual([]);
    expect(warnings.filter((w) => /larger than/i.test(w))).toEqual([]);
  });

  it('loads the map libraries and the role pages only when they are opened', () => {
    const initialModules = initialChunks().flatMap(codeModules);
    expect(initialModules.some((id) => id.includes('client/src/main.tsx'))).toBe(true);
    for (const lazy of [
      /node_modules[\\/]leaflet[\\/]/,
      /node_modules[\\/]@geoman-io[\\/]/,
      /client[\\/]src[\\/]police[\\/]/,
      /client[\\/]src[\\/]owner[\\/]/,
      /client[\\/]src[\\/]admin[\\/]/,
      /client[\\/]src[\\/]entities[\\/]EntityPage/,
      /client[\\/]src[\\/]report[\\/]ReportPage/,
    ]) {
      expect(initialModules.filter((id) => lazy.test(id))).toEqual([]);
      // ...and the module is in the build, in a chunk of its own loading.
      expect(chunks.some((c) => codeModules(c).some((id) => lazy.test(id)))).toBe(true);
    }
  });

  it('puts leaflet, geoman and react in vendor chunks of their own', () => {
    const chunkOf = (pkg: RegExp) =>
      chunks.filter((c) => codeModules(c).some((id) => pkg.test(id))).map((c) => c.name);
    expect(chunkOf(/node_modules[\\/]leaflet[\\/]dist[\\/]leaflet-src/)).toEqual(['leaflet']);
    expect(chunkOf(/node_modules[\\/]@geoman-io[\\/]/)).toEqual(['geoman']);
    expect(chunkOf(/node_modules[\\/]react-dom[\\/]/)).toEqual(['react']);
  });
});
