import { spawn } from 'node:child_process';
import fs, { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import mongoose from 'mongoose';
import { loadConfig } from '../server/config';
import { connectDb, disconnectDb } from '../server/db/connection';
import { startEngine } from '../server/db/engine';
import { generateReports } from '../server/demo/generate';
import { toReportDocument } from '../server/demo/insert';
import { seedForces } from '../server/demo/seed-demo';
import { createLogger } from '../server/logger';
import { hashPassphrase } from '../server/reports/passphrase';
import { newPassphrase, newReference } from '../server/reports/reference';
import { ReportModel } from '../server/reports/report.model';
import { reportIdFor } from '../server/reports/report-id';
import { createServices } from '../server/services';
import { appendResults, median, percentile } from './support';

/**
 * Report ingest over HTTP (autocannon) against the engine's raw insert rate through the same driver,
 * at the same concurrency, plus latency at a fixed 100 requests/s. Targets: ≥ 70 % of raw, p99 ≤ 50 ms.
 * The server runs in its own process (as in production), so the load generator does not share its thread.
 */
// `npm run bench:ingest -- [runs] [--no-record] [--profile]`: --no-record leaves bench/RESULTS.md alone (trial runs);
// --profile writes the server's CPU profile to /tmp/ingest-profiles/.
const args = process.argv.slice(2);
const RUNS = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
const RECORD = !args.includes('--no-record');
const PROFILE = args.includes('--profile');
const SECONDS = 5;
const WARMUP_SECONDS = 3;
const CONNECTIONS = 10;

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  REPORT_RATE_LIMIT: '100000000',
  LOCAL_ENGINE: 'ferretdb',
  ...pick(process.env, ['MONGODB_URI']),
});
function pick(env: NodeJS.ProcessEnv, keys: string[]) {
  return Object.fromEntries(keys.filter((k) => env[k]).map((k) => [k, env[k]!]));
}

const engine = await startEngine(config, { persistent: false, say: (m) => console.error(m) });
const dbName = `bench_ingest_${Date.now()}`;
await connectDb(engine.uri, dbName);
const services = createServices(config, createLogger({ level: 'silent' }), engine.kind);
await seedForces(services);
await services.forces.load();

const port = 46000 + Math.floor(Math.random() * 2000);
const url = `http://127.0.0.1:${port}/api/reports`;
const profileArgs = PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/ingest-profiles'] : [];
const server = spawn(process.execPath, [...profileArgs, '--import', 'tsx', 'server/serve.ts'], {
  env: {
    ...process.env,
    NODE_ENV: 'test',
    MONGODB_URI: engine.uri,
    DB_NAME: dbName,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    SEED_DEMO: 'false',
    REPORT_RATE_LIMIT: '100000000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
for (let i = 0; ; i++) {
  const ok = await fetch(`http://127.0.0.1:${port}/api/health`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (i > 300) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 200));
}

const now = Date.now();
const body = JSON.stringify({
  location: { lat: 50.8225, lng: -0.1372 },
  propertyType: 'S',
  indicators: [1, 17],
  description: 'Cars pull up for a few minutes through the night.',
  observedFrom: new Date(now - 3_600_000).toISOString(),
  observedTo: new Date(now - 1_800_000).toISOString(),
  reporterRole: 'neighbour',
});

/**
 * The baseline writes to its own collection with the same indexes as `reports`: the server would otherwise see
 * documents appear without events and rebuild its map index from a scan of every report during the HTTP runs.
 */
await ReportModel.init();
const baseline = mongoose.connection.collection('reports_baseline');
for (const { key, name: _name, v: _v, ...options } of await ReportModel.collection.indexes()) {
  if (key._id === undefined) await baseline.createIndex(key, options);
}

/**
 * Baseline: report documents of the shape the HTTP path stores (a fresh reference, the id derived from it, a
 * passphrase hash), built before the clock starts, inserted with insertOne on CONNECTIONS concurrent lanes into
 * a collection indexed like `reports`.
 */
async function rawInsertRate(seconds = SECONDS): Promise<number> {
  const generated = generateReports(8_000, { seed: Math.floor(Math.random() * 1e6) + 1, locator: services.forces.locator });
  const docs = [...generated].map((r) => {
    const reference = newReference();
    return {
      ...toReportDocument(r),
      _id: reportIdFor(reference),
      reference,
      passphraseHash: hashPassphrase(newPassphrase(), reference),
    };
  });
  let n = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until && n < docs.length) await baseline.insertOne(docs[n++]!);
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

/**
 * Latency at a steady `rate`: one request every 1/rate s (open loop, on keep-alive connections), each timed from
 * when it was due to be sent, so a stalled server or load generator counts against the figure. (autocannon's
 * `overallRate` instead sends each connection's quota for the second at once — bursts of `rate` requests at the
 * start of every second — so its percentiles measure how fast a burst drains.)
 */
async function pacedLatency(rate: number, seconds: number): Promise<{ p50: number; p99: number; max: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const latencies: number[] = [];
  let errors = 0;
  const post = (due: number) =>
    new Promise<void>((resolve) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 201) latencies.push(performance.now() - due);
            else errors++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now() + 50;
  const count = rate * seconds;
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(post(due));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(latencies, 50)),
    p99: Math.round(percentile(latencies, 99)),
    max: Math.round(latencies.at(-1) ?? Number.NaN),
    errors,
  };
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return Number.NaN;
  }
}

/** The embedded engine started by this process (a child running the FerretDB launcher), if any. */
function enginePid(): number | undefined {
  for (const dir of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${dir}/cmdline`, 'utf8');
      const ppid = Number(readFileSync(`/proc/${dir}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (cmd.includes('ferretdb') && ppid === process.pid) return Number(dir);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}
const ENGINE_PID = fs.existsSync('/proc') ? enginePid() : undefined;

function cannon(opts: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...opts,
  });
}

const rows: Array<{
  raw: number;
  http: number;
  ratio: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  pacedP50: number;
  pacedP99: number;
  pacedMax: number;
  pacedErrors: number;
  burstP99: number;
  rawEngineMs: number;
  httpEngineMs: number;
  serverMs: number;
}> = [];
/**
 * Waits until the server and the engine have been idle for half a second (at most 30 s), so background work the
 * previous run set off (a map snapshot after 10,000 changes, the change-log flush) does not slow the next
 * measurement, the baseline least of all.
 */
async function settled(): Promise<void> {
  const until = performance.now() + 30_000;
  const busy = () => (cpuMs(server.pid) || 0) + (cpuMs(ENGINE_PID) || 0);
  while (performance.now() < until) {
    const before = busy();
    await new Promise((r) => setTimeout(r, 500));
    if (busy() - before <= 20) return;
  }
}

// Warm-up, not measured: the server's first seconds of load are spent compiling its hot paths (run 1 used to show
// ~40 % more server CPU per report than the rest), and the driver's pool fills.
await cannon({ duration: WARMUP_SECONDS });
await rawInsertRate(WARMUP_SECONDS);

for (let run = 1; run <= RUNS; run++) {
  await settled();
  let engineCpu = cpuMs(ENGINE_PID);
  const raw = await rawInsertRate();
  const rawEngineMs = (cpuMs(ENGINE_PID) - engineCpu) / (raw * SECONDS);
  await settled();
  engineCpu = cpuMs(ENGINE_PID);
  const serverCpu = cpuMs(server.pid);
  const r = await cannon({});
  const httpEngineMs = (cpuMs(ENGINE_PID) - engineCpu) / r.requests.total;
  const serverMs = (cpuMs(server.pid) - serverCpu) / r.requests.total;
  const paced = await pacedLatency(100, 10);
  const burst = await cannon({ overallRate: 100, duration: 10, connections: 20 });
  const row = {
    raw,
    http: r.requests.average,
    ratio: r.requests.average / raw,
    p50: r.latency.p50,
    p95: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    pacedP50: paced.p50,
    pacedP99: paced.p99,
    pacedMax: paced.max,
    pacedErrors: paced.errors,
    burstP99: burst.latency.p99,
    rawEngineMs,
    httpEngineMs,
    serverMs,
  };
  rows.push(row);
  console.log(
    `run ${run}: raw insert ${raw.toFixed(0)}/s | HTTP ${row.http.toFixed(0)} req/s (${(row.ratio * 100).toFixed(0)} % of raw), p50 ${row.p50} ms, p97.5 ${row.p95} ms, p99 ${row.p99} ms, errors ${row.errors} | paced 100 req/s: p50 ${paced.p50} ms, p99 ${paced.p99} ms, max ${paced.max} ms, errors ${paced.errors} | autocannon overallRate 100: p99 ${row.burstP99} ms | CPU: engine ${rawEngineMs.toFixed(2)} ms/raw insert, ${httpEngineMs.toFixed(2)} ms/HTTP report; server ${serverMs.toFixed(2)} ms/HTTP report`,
  );
}

const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
const table = [
  '| Measure | Median of runs |',
  '| --- | --- |',
  `| Raw insertOne rate through the driver (${CONNECTIONS} concurrent, same document shape) — baseline | ${m('raw').toFixed(0)} docs/s |`,
  `| POST /api/reports over HTTP (${CONNECTIONS} connections) | ${m('http').toFixed(0)} req/s |`,
  `| Ratio HTTP / raw, median of the per-run ratios (target ≥ 0.70) | ${m('ratio').toFixed(2)} |`,
  `| Ratio of the medians | ${(m('http') / m('raw')).toFixed(2)} |`,
  `| Latency at full load p50 / p97.5 / p99 | ${m('p50')} / ${m('p95')} / ${m('p99')} ms |`,
  `| Errors and non-2xx (median) | ${m('errors')} |`,
  `| At a steady 100 req/s (one request every 10 ms) p50 / p99 / max (target p99 ≤ 50 ms) | ${m('pacedP50')} / ${m('pacedP99')} / ${m('pacedMax')} ms, errors ${m('pacedErrors')} |`,
  `| autocannon \`overallRate: 100\` (20 connections: bursts of 100 at the start of each second) p99 | ${m('burstP99')} ms |`,
  `| CPU per document: engine per raw insertOne / engine per HTTP report / server per HTTP report (full load) | ${m('rawEngineMs').toFixed(2)} / ${m('httpEngineMs').toFixed(2)} / ${m('serverMs').toFixed(2)} ms |`,
].join('\n');
console.log(`\n${table}\n`);
const runs = rows
  .map(
    (r, i) =>
      `| ${i + 1} | ${r.raw.toFixed(0)} | ${r.http.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.p99} | ${r.pacedP50} / ${r.pacedP99} | ${r.burstP99} |`,
  )
  .join('\n');
const perRun = `After a ${WARMUP_SECONDS} s warm-up of each side (not measured).\n\n| Run | Raw docs/s | HTTP req/s | Ratio | Full-load p99 ms | Steady 100/s p50 / p99 ms | Burst p99 ms |\n| --- | --- | --- | --- | --- | --- | --- |\n${runs}`;
if (RECORD)
  appendResults(`Report ingest (${engine.kind}, ${RUNS} runs)`, `npm run bench:ingest -- ${RUNS}`, `${table}\n\n${perRun}`);

server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await disconnectDb();
await engine.stop();
process.exit(0);
