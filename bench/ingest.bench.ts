import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
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
import { appendResults, median } from './support';

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

async function rawInsertRate(): Promise<number> {
  const docs = generateReports(200_000, { seed: Math.floor(Math.random() * 1e6) + 1, locator: services.forces.locator });
  let n = 0;
  const until = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const next = docs.next();
        if (next.done) return;
        // The document the HTTP path stores: a fresh reference, the id derived from it, a passphrase hash.
        const reference = newReference();
        await ReportModel.collection.insertOne({
          ...toReportDocument(next.value),
          _id: reportIdFor(reference),
          reference,
          passphraseHash: hashPassphrase(newPassphrase(), reference),
        });
        n++;
      }
    }),
  );
  return n / SECONDS;
}

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
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  fixedP99: number;
  fixedRate: number;
}> = [];
for (let run = 1; run <= RUNS; run++) {
  const raw = await rawInsertRate();
  const r = await cannon({});
  const fixed = await cannon({ overallRate: 100, duration: 10, connections: 20 });
  const row = {
    raw,
    http: r.requests.average,
    p50: r.latency.p50,
    p95: r.latency.p97_5,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    fixedP99: fixed.latency.p99,
    fixedRate: fixed.requests.average,
  };
  rows.push(row);
  console.log(
    `run ${run}: raw insert ${raw.toFixed(0)}/s | HTTP ${row.http.toFixed(0)} req/s (${((row.http / raw) * 100).toFixed(0)} % of raw), p50 ${row.p50} ms, p97.5 ${row.p95} ms, p99 ${row.p99} ms, errors ${row.errors} | at 100 req/s: p99 ${row.fixedP99} ms`,
  );
}

const m = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
const ratio = m('http') / m('raw');
const table = [
  '| Measure | Median of runs |',
  '| --- | --- |',
  `| Raw insertOne rate through the driver (${CONNECTIONS} concurrent) — baseline | ${m('raw').toFixed(0)} docs/s |`,
  `| POST /api/reports over HTTP (${CONNECTIONS} connections) | ${m('http').toFixed(0)} req/s |`,
  `| Ratio HTTP / raw (target ≥ 0.70) | ${ratio.toFixed(2)} |`,
  `| Latency at full load p50 / p97.5 / p99 | ${m('p50')} / ${m('p95')} / ${m('p99')} ms |`,
  `| Errors and non-2xx (median) | ${m('errors')} |`,
  `| p99 at a fixed 100 req/s (target ≤ 50 ms) | ${m('fixedP99')} ms (achieved ${m('fixedRate').toFixed(0)} req/s) |`,
].join('\n');
console.log(`\n${table}\n`);
if (RECORD) appendResults(`Report ingest (${engine.kind}, ${RUNS} runs)`, `npm run bench:ingest -- ${RUNS}`, table);

server.kill('SIGTERM');
await new Promise((r) => server.once('exit', r));
await disconnectDb();
await engine.stop();
process.exit(0);
