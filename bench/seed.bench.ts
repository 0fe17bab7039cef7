/**
 * Seeding speed: `npx tsx bench/seed.bench.ts [--reports 100000] [--runs 3] [--streams K]`.
 * Each run seeds a fresh data directory on the default local engine (FerretDB unless LOCAL_ENGINE says otherwise)
 * through `npm run seed`, and reads the insert time it prints. Prints every run, the median reports/s, and the load
 * average before each run (the machine's other work shows in the figures: compare runs made back to back).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    reports: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    streams: { type: 'string' },
  },
});
const reports = Number(values.reports);
const runs = Number(values.runs);

function seedOnce(dataDir: string): Promise<{ insertS: number; snapshotS: number; totalS: number }> {
  const args = ['--import', 'tsx', 'server/demo/seed.cli.ts', '--reports', String(reports)];
  if (values.streams) args.push('--streams', values.streams);
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const inserted = /Inserted [\d,]+ reports in ([\d.]+) s/.exec(out);
      const saved = /Saved the map index snapshot in ([\d.]+) s/.exec(out);
      if (code !== 0 || !inserted || !saved) return reject(new Error(`seed failed (${code}):\n${out.slice(-2000)}`));
      resolve({ insertS: Number(inserted[1]), snapshotS: Number(saved[1]), totalS: (performance.now() - t0) / 1000 });
    });
  });
}

const rates: number[] = [];
for (let k = 0; k < runs; k++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staywatch-seed-bench-'));
  const load = os.loadavg()[0]!.toFixed(1);
  try {
    const r = await seedOnce(dir);
    const rate = reports / r.insertS;
    rates.push(rate);
    console.log(
      `run ${k + 1}: ${Math.round(rate).toLocaleString('en-GB')} reports/s (insert ${r.insertS} s, snapshot ${r.snapshotS} s, whole command ${r.totalS.toFixed(1)} s; load ${load})`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
rates.sort((a, b) => a - b);
console.log(`median: ${Math.round(rates[Math.floor(rates.length / 2)]!).toLocaleString('en-GB')} reports/s over ${runs} runs of ${reports.toLocaleString('en-GB')}`);
