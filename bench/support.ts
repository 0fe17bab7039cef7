import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export function gitHead(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** Appends a dated section to bench/RESULTS.md with the machine and the exact command. */
export function appendResults(title: string, command: string, body: string): void {
  const file = path.resolve('bench/RESULTS.md');
  if (!fs.existsSync(file)) fs.writeFileSync(file, '# Benchmark results\n\nLatest runs are appended at the end. Figures are medians of repeated runs on a shared, noisy machine; each target is reported as a ratio against a baseline measured in the same run.\n');
  const stamp = new Date().toISOString().replace('T', ' ').slice(0, 16);
  fs.appendFileSync(file, `\n## ${title} — ${stamp} UTC\n\n- Machine: ${machine()}\n- Commit: ${gitHead()}\n- Command: \`${command}\`\n\n${body.trim()}\n`);
}
