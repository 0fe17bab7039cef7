import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';
import { appendResults } from './support';

/**
 * `npx tsx bench/bundle.bench.ts [baseline-ref=main]`: the client build of this checkout against the build of a
 * baseline commit (its client/, shared/ and vite.config.ts, exported with `git archive`), in the same run. Reports the
 * largest JS chunk, what the first page loads (entry + static imports, minified and gzipped) and the total.
 */
const ref = process.argv[2] ?? 'main';
const root = path.resolve('.');

interface Sizes {
  chunks: number;
  largest: { name: string; bytes: number };
  initial: { bytes: number; gzip: number };
  total: number;
}

async function measure(projectRoot: string): Promise<Sizes> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-bundle-'));
  try {
    const result = await build({
      root: path.join(projectRoot, 'client'),
      configFile: path.join(projectRoot, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    });
    const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
    const chunks = outputs.flatMap((o) => o.output.filter((f): f is Rolldown.OutputChunk => f.type === 'chunk'));
    const byName = new Map(chunks.map((c) => [c.fileName, c]));
    const seen = new Set<string>();
    const queue = chunks.filter((c) => c.isEntry).map((c) => c.fileName);
    while (queue.length) {
      const n = queue.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      queue.push(...(byName.get(n)?.imports ?? []));
    }
    // Bytes as served (UTF-8), as vite counts them.
    const bytes = (c: Rolldown.OutputChunk) => Buffer.byteLength(c.code);
    const initial = [...seen].map((n) => byName.get(n)!);
    const largest = chunks.reduce((a, b) => (bytes(b) > bytes(a) ? b : a));
    return {
      chunks: chunks.length,
      largest: { name: largest.name, bytes: bytes(largest) },
      initial: {
        bytes: initial.reduce((s, c) => s + bytes(c), 0),
        gzip: initial.reduce((s, c) => s + gzipSync(c.code).length, 0),
      },
      total: chunks.reduce((s, c) => s + bytes(c), 0),
    };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

// The baseline's sources next to ours, sharing our node_modules (same dependency versions).
const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-bundle-base-'));
const tar = execFileSync('git', ['archive', ref, 'client', 'shared', 'vite.config.ts', 'package.json'], { cwd: root });
execFileSync('tar', ['-x', '-C', baseDir], { input: tar });
fs.symlinkSync(path.join(root, 'node_modules'), path.join(baseDir, 'node_modules'));
const baseRev = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root }).toString().trim();

try {
  const base = await measure(baseDir);
  const target = await measure(root);
  const kb = (b: number) => `${(b / 1000).toFixed(1)} kB`;
  const ratio = (t: number, b: number) => (t / b).toFixed(2);
  const rows: Array<[string, number, number]> = [
    ['Largest JS chunk (minified)', base.largest.bytes, target.largest.bytes],
    ['First page JS: entry + static imports (minified)', base.initial.bytes, target.initial.bytes],
    ['First page JS (gzip)', base.initial.gzip, target.initial.gzip],
    ['All JS chunks (minified)', base.total, target.total],
  ];
  const body = [
    `Baseline: \`${ref}\` (${baseRev}) built from \`git archive\` with the same node_modules; target: this checkout.`,
    '',
    `| Measure | Baseline | Target | Ratio |`,
    `| --- | --- | --- | --- |`,
    ...rows.map(([m, b, t]) => `| ${m} | ${kb(b)} | ${kb(t)} | ${ratio(t, b)} |`),
    `| JS chunks | ${base.chunks} | ${target.chunks} | — |`,
    '',
    `Largest chunk: baseline \`${base.largest.name}\`, target \`${target.largest.name}\`. Vite warns above 500 kB (its default).`,
  ].join('\n');
  console.log(body);
  if (!process.argv.includes('--no-write')) appendResults('Client bundle (code-split)', `npx tsx bench/bundle.bench.ts ${ref}`, body);
} finally {
  fs.rmSync(baseDir, { recursive: true, force: true });
}
