import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { TokenSigner } from '../server/alerts/tokens';
import { operationsOf } from '../tests/support/openapi';
import { answered, type Call, type Recipe, RECIPES, routeKey, send, VARIANTS, World } from '../tests/support/route-walk';
import { type ServerProcess, startServerProcess, waitForHealthy } from '../tests/support/server-process';
import { TestSmtp } from '../tests/support/smtp';
import { appendResults, percentile } from './support';

const USAGE = `Usage: npm run bench:routes -- [--scales 10000,1000000] [--requests 20] [--concurrency 10]
       [--timeout-seconds 60] [--budget-seconds 300] [--routes TEXT] [--data-dir .data-bench/routes] [--no-results]

Seeds a fresh data directory with \`npm run seed\` up to each scale in turn (smallest first), starts the real
server on it (the default local engine), and times every OpenAPI route as the right role: one request at a
time, then --concurrency at once, --requests each (p50/p95). Then a whole-force CSV and GeoJSON export: time to
first byte and the server's RSS growth. Prints the table and appends it to bench/RESULTS.md.
  --routes TEXT        only routes whose "METHOD /path" contains TEXT (exports still run)
  --timeout-seconds    a request taking longer is aborted and its route stops for that scale
  --budget-seconds     a route stops starting requests after this long per scale and mode
  --no-results         print only; leave bench/RESULTS.md alone`;

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '10000,1000000' },
    requests: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '10' },
    'timeout-seconds': { type: 'string', default: '60' },
    'budget-seconds': { type: 'string', default: '300' },
    routes: { type: 'string' },
    'data-dir': { type: 'string', default: '.data-bench/routes' },
    'no-results': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}, not "${v}"\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
}
const SCALES = [...new Set(values.scales.split(',').map((s) => int('scales', s.trim(), 100, 10_000_000)))].sort((a, b) => a - b);
const REQUESTS = int('requests', values.requests, 1, 10_000);
const CONCURRENCY = int('concurrency', values.concurrency, 1, 200);
const TIMEOUT_MS = int('timeout-seconds', values['timeout-seconds'], 1, 3600) * 1000;
const BUDGET_MS = int('budget-seconds', values['budget-seconds'], 1, 36_000) * 1000;
const DATA_DIR = path.resolve(values['data-dir']);
const WARMUP = 2;
/** Point routes: p95 one at a time at the largest scale, and its ratio to the smallest (issue 10). */
const POINT_P95_MS = 50;
const POINT_RATIO = 2;
const EXPORT_TTFB_MS = 1000;
const EXPORT_RSS_MB = 100;

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const ADMIN = { email: 'bench-routes-admin@staywatch.test', password: 'quiet-harbour-lantern-97' };
const TOKEN_SECRET = randomBytes(24).toString('hex');
const say = (msg: string) => console.log(`[bench:routes] ${msg}`);

// ---------------------------------------------------------------- child processes: always ended

const children = new Set<ChildProcess>();
let server: ServerProcess | null = null;
/** Set on SIGINT/SIGTERM: no new requests, no next route or scale. */
let stopping = false;

function killAll(signal: NodeJS.Signals): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
}
process.on('exit', () => killAll('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    say(`${sig}: stopping the server and any seeding`);
    stopping = true;
    killAll('SIGTERM');
    setTimeout(() => process.exit(130), 5000).unref();
  });
}

/** Runs a project script (`node --import tsx <script>`, as npm runs it) to completion, output shown; throws on failure. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.add(child);
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${script} ${args.join(' ')} ended with ${signal ?? `exit code ${code}`}`));
    });
  });
}

let lastServerOutput = '';

/** Stops the server: SIGTERM, then SIGKILL after 60 s. */
async function stopServer(): Promise<void> {
  if (!server) return;
  const s = server;
  server = null;
  lastServerOutput = s.output();
  const t = setTimeout(() => s.child.kill('SIGKILL'), 60_000);
  await s.stop('SIGTERM');
  clearTimeout(t);
}

// ---------------------------------------------------------------- measuring

interface Sample {
  ms: number[];
  fiveXX: number;
  /** Answers other than the recipe's expected one (5xx included). */
  unexpected: number;
  firstUnexpected: string | null;
  timedOut: number;
  /** Why fewer than asked were sent. */
  stopped: string | null;
}

/** Sends `calls` with `concurrency` in flight, timing each to the end of its body; stops on a timeout or the budget. */
async function timeCalls(recipe: Recipe, calls: Call[], concurrency: number): Promise<Sample> {
  const s: Sample = { ms: [], fiveXX: 0, unexpected: 0, firstUnexpected: null, timedOut: 0, stopped: null };
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < calls.length && !s.stopped && !stopping) {
      if (performance.now() - started > BUDGET_MS) {
        s.stopped = `budget of ${BUDGET_MS / 1000} s used`;
        break;
      }
      const call = calls[next++]!;
      const t0 = performance.now();
      try {
        const res = await send(call, AbortSignal.timeout(TIMEOUT_MS));
        s.ms.push(performance.now() - t0);
        if (res.status >= 500) s.fiveXX++;
        if (!answered(recipe, res.status)) {
          s.unexpected++;
          s.firstUnexpected ??= `HTTP ${res.status} ${res.text.slice(0, 160)}`;
        }
      } catch (err) {
        const timedOut = (err as Error).name === 'TimeoutError';
        if (timedOut) s.timedOut++;
        s.stopped ??= timedOut ? `a request took over ${TIMEOUT_MS / 1000} s` : `a request failed: ${(err as Error).message}`;
        s.firstUnexpected ??= s.stopped;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, calls.length) }, worker));
  return s;
}

const p = (s: Sample, q: number) =>
  percentile(
    [...s.ms].sort((a, b) => a - b),
    q,
  );

interface RouteResult {
  label: string;
  as: string;
  point: boolean;
  one: Sample | null;
  many: Sample | null;
  error: string | null;
  /** The first error the server logged while this route was timed (why a 5xx happened). */
  serverError: string | null;
}

interface ExportResult {
  format: 'csv' | 'geojson';
  status: number;
  ttfbMs: number;
  totalMs: number;
  bytes: number;
  idleRssMb: number;
  peakRssMb: number;
  error: string | null;
}

interface ScaleResult {
  scale: number;
  engine: string;
  startMs: number;
  routes: RouteResult[];
  exports: ExportResult[];
}

/** The first error-level line of the server's JSON log, shortened to its message and error. */
function firstLoggedError(log: string): string | null {
  for (const text of log.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const e = JSON.parse(text) as { level?: number; msg?: string; err?: { type?: string; message?: string } };
      if ((e.level ?? 0) >= 50)
        return `${e.msg ?? ''}${e.err ? `: ${e.err.type ?? 'Error'}: ${e.err.message ?? ''}` : ''}`.slice(0, 240);
    } catch {
      /* not a log line */
    }
  }
  return null;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** The session cookie of a fresh sign-in (the export is read as a raw stream, outside TestClient). */
async function sessionCookie(base: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in for the export failed: HTTP ${res.status}`);
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
}

/** A whole-force export (no filter: every report of the officer's force), read to the end while the server's RSS is sampled. */
async function measureExport(base: string, pid: number, cookie: string, format: 'csv' | 'geojson'): Promise<ExportResult> {
  const idle: number[] = [];
  for (let i = 0; i < 5; i++) {
    idle.push(rssMb(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  const idleRssMb = idle.sort((a, b) => a - b)[2]!;
  let peakRssMb = idleRssMb;
  const sampler = setInterval(() => {
    try {
      peakRssMb = Math.max(peakRssMb, rssMb(pid));
    } catch {
      /* the server went away; the request fails below */
    }
  }, 50);
  const out: ExportResult = {
    format,
    status: 0,
    ttfbMs: Number.NaN,
    totalMs: Number.NaN,
    bytes: 0,
    idleRssMb,
    peakRssMb,
    error: null,
  };
  const t0 = performance.now();
  try {
    const res = await fetch(`${base}/api/reports/export?format=${format}`, {
      headers: { cookie },
      signal: AbortSignal.timeout(30 * 60_000),
    });
    out.status = res.status;
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (out.bytes === 0) out.ttfbMs = performance.now() - t0;
      out.bytes += value.byteLength;
    }
    out.totalMs = performance.now() - t0;
  } catch (err) {
    out.error = (err as Error).message;
  } finally {
    clearInterval(sampler);
  }
  out.peakRssMb = Math.max(peakRssMb, rssMb(pid));
  return out;
}

// ---------------------------------------------------------------- one scale

async function benchScale(scale: number, smtp: TestSmtp, env: NodeJS.ProcessEnv): Promise<ScaleResult> {
  const port = await TestSmtp.freePort();
  const t0 = performance.now();
  server = startServerProcess({ ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` });
  const client = await waitForHealthy(server, 30 * 60_000);
  const startMs = performance.now() - t0;
  const health = (await client.get('/api/health')).body as { db: { engine: string; version: string; local: string } };
  const engine = `${health.db.engine} ${health.db.version} (${health.db.local})`;
  say(`server on :${port} answered in ${(startMs / 1000).toFixed(1)} s; engine ${engine}`);

  const tokens = new TokenSigner(TOKEN_SECRET);
  const world = await World.build({
    baseUrl: server.base,
    admin: ADMIN,
    forceId: 'sussex',
    centre: BRIGHTON,
    tokens,
    async confirmToken(subscriptionId, email) {
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        for (const m of smtp.messages) {
          if (!m.to.includes(email)) continue;
          for (const [, token] of m.text.matchAll(/\/api\/subscriptions\/confirm\?token=([^\s"<>&]+)/g)) {
            const t = decodeURIComponent(token!);
            if (t.split('.')[1] === subscriptionId) return t;
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no confirmation email for subscription ${subscriptionId} within 60 s (is the in-process worker sending?)`);
    },
  });

  const ops = await operationsOf(client);
  // A route without a recipe fails the guard test; here it is reported, so a long run still measures the rest.
  const cases: Array<[string, Recipe | undefined]> = [
    ...ops.map((op) => [routeKey(op), RECIPES[routeKey(op)]] as [string, Recipe | undefined]),
    ...Object.entries(VARIANTS),
  ].filter(([label]) => !values.routes || label.includes(values.routes));

  const routes: RouteResult[] = [];
  for (const [label, recipe] of cases) {
    if (stopping) throw new Error('stopped by a signal');
    if (!recipe) {
      const r = {
        label,
        as: '?',
        point: false,
        one: null,
        many: null,
        error: 'no recipe in tests/support/route-walk.ts',
        serverError: null,
      };
      routes.push(r);
      say(`${scale.toLocaleString('en-GB')}  ${line(r)}`);
      continue;
    }
    const r: RouteResult = { label, as: recipe.as, point: !!recipe.point, one: null, many: null, error: null, serverError: null };
    const logMark = server.output().length;
    try {
      const calls = await recipe.calls(world, WARMUP + REQUESTS);
      await timeCalls(recipe, calls.slice(0, WARMUP), 1);
      r.one = await timeCalls(recipe, calls.slice(WARMUP), 1);
      if (!r.one.stopped) r.many = await timeCalls(recipe, await recipe.calls(world, REQUESTS), CONCURRENCY);
    } catch (err) {
      r.error = (err as Error).message.slice(0, 200);
    }
    r.serverError = firstLoggedError(server.output().slice(logMark));
    routes.push(r);
    say(`${scale.toLocaleString('en-GB')}  ${line(r)}`);
    if (r.one?.timedOut || r.many?.timedOut) {
      // An aborted request may still be running on the server: let it finish before timing the next route.
      await waitForHealthy(server, TIMEOUT_MS * 2).catch(() => undefined);
    }
  }

  const cookie = await sessionCookie(server.base, world.police.email, world.police.password);
  await new Promise((r) => setTimeout(r, 2000));
  const exports: ExportResult[] = [];
  for (const format of ['csv', 'geojson'] as const) {
    const e = await measureExport(server.base, server.child.pid!, cookie, format);
    exports.push(e);
    say(
      `${scale.toLocaleString('en-GB')}  export ${format}: HTTP ${e.status}, first byte ${fmt(e.ttfbMs)} ms, ` +
        `${(e.bytes / 1e6).toFixed(1)} MB in ${fmt(e.totalMs)} ms, RSS +${fmt(e.peakRssMb - e.idleRssMb)} MB${e.error ? `, ${e.error}` : ''}`,
    );
  }
  await stopServer();
  return { scale, engine, startMs, routes, exports };
}

// ---------------------------------------------------------------- report

function fmt(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function cell(s: Sample | null): string {
  if (!s || s.ms.length === 0) return s?.stopped ? `– (${s.stopped})` : '–';
  const short = s.ms.length < REQUESTS ? ` (${s.ms.length} of ${REQUESTS}${s.stopped ? `: ${s.stopped}` : ''})` : '';
  return `${fmt(p(s, 50))} / ${fmt(p(s, 95))}${short}`;
}

function line(r: RouteResult): string {
  if (r.error) return `${r.label} as ${r.as}: not measured: ${r.error}`;
  const bad = (r.one?.unexpected ?? 0) + (r.many?.unexpected ?? 0);
  const note =
    (bad ? `  ${bad} unexpected answer(s), first: ${r.one?.firstUnexpected ?? r.many?.firstUnexpected}` : '') +
    (r.serverError ? `  server logged: ${r.serverError}` : '');
  return `${r.label} as ${r.as}: 1 at a time ${cell(r.one)} ms, ${CONCURRENCY} at once ${cell(r.many)} ms${note}`;
}

const scaleName = (n: number) =>
  n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);

function table(results: ScaleResult[]): string {
  const small = results[0]!;
  const large = results.at(-1)!;
  const ratioOf = (label: string): number => {
    const a = small.routes.find((r) => r.label === label)?.one;
    const b = large.routes.find((r) => r.label === label)?.one;
    return a?.ms.length && b?.ms.length ? p(b, 95) / p(a, 95) : Number.NaN;
  };
  const head = [
    'route',
    'as',
    ...results.flatMap((s) => [
      `${scaleName(s.scale)}: 1 at a time p50 / p95`,
      `${scaleName(s.scale)}: ${CONCURRENCY} at once p50 / p95`,
    ]),
    ...(results.length > 1 ? [`p95 ratio ${scaleName(large.scale)} / ${scaleName(small.scale)}`] : []),
    '5xx',
    'other non-2xx',
    `point target (p95 ≤ ${POINT_P95_MS} ms at ${scaleName(large.scale)}${results.length > 1 ? `, ratio ≤ ${POINT_RATIO}` : ''})`,
  ];
  const rows = small.routes.map((r0) => {
    const per = results.map((s) => s.routes.find((r) => r.label === r0.label));
    const fiveXX = per.reduce((n, r) => n + (r?.one?.fiveXX ?? 0) + (r?.many?.fiveXX ?? 0), 0);
    const other = per.reduce((n, r) => n + (r?.one?.unexpected ?? 0) + (r?.many?.unexpected ?? 0), 0) - fiveXX;
    const ratio = ratioOf(r0.label);
    const last = per.at(-1)?.one;
    let target = '';
    if (r0.point) {
      const p95 = last?.ms.length ? p(last, 95) : Number.NaN;
      const meets = p95 <= POINT_P95_MS && (results.length === 1 || ratio <= POINT_RATIO) && fiveXX === 0 && !last?.stopped;
      target = meets ? '✓ meets' : `✗ misses (p95 ${fmt(p95)} ms${results.length > 1 ? `, ratio ${ratio.toFixed(2)}` : ''})`;
    }
    return [
      `\`${r0.label}\``,
      r0.as,
      ...per.flatMap((r) => (r?.error ? [`not measured: ${r.error}`, ''] : [cell(r?.one ?? null), cell(r?.many ?? null)])),
      ...(results.length > 1 ? [Number.isFinite(ratio) ? ratio.toFixed(2) : '–'] : []),
      String(fiveXX),
      String(other),
      target,
    ];
  });
  const md = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const exportRows = results.flatMap((s) =>
    s.exports.map((e) => {
      const growth = e.peakRssMb - e.idleRssMb;
      const meets = e.status === 200 && !e.error && e.ttfbMs <= EXPORT_TTFB_MS && growth <= EXPORT_RSS_MB;
      return md([
        scaleName(s.scale),
        e.format,
        String(e.status),
        fmt(e.ttfbMs),
        fmt(e.totalMs),
        (e.bytes / 1e6).toFixed(1),
        e.idleRssMb.toFixed(0),
        `+${growth.toFixed(0)}`,
        meets ? '✓ meets' : `✗ misses${e.error ? ` (${e.error})` : ''}`,
      ]);
    }),
  );
  const unexpected = results.flatMap((s) =>
    s.routes
      .filter((r) => r.one?.firstUnexpected || r.many?.firstUnexpected || r.serverError)
      .map(
        (r) =>
          `- ${scaleName(s.scale)}, \`${r.label}\`: ${r.one?.firstUnexpected ?? r.many?.firstUnexpected ?? 'answers as expected'}` +
          (r.serverError ? `; the server logged: ${r.serverError}` : ''),
      ),
  );
  return [
    `Reports seeded with \`npm run seed -- --reports N\` into a fresh data directory, scale by scale (the walk adds a few hundred of its own).`,
    `Server: \`server/serve.ts\` as \`npm start\` runs it (NODE_ENV=production, its background jobs and in-process mail worker on), ${results.map((s) => `${scaleName(s.scale)}: ${s.engine}, healthy ${(s.startMs / 1000).toFixed(1)} s after start`).join('; ')}.`,
    `Each route as the role in \`tests/support/route-walk.ts\`: ${WARMUP} warm-up calls, then ${REQUESTS} one at a time, then ${REQUESTS} with ${CONCURRENCY} in flight; milliseconds to the end of the answer, p50 / p95. Point routes are judged on their one-at-a-time p95. Timeout ${TIMEOUT_MS / 1000} s per request, ${BUDGET_MS / 1000} s per route and mode.`,
    '',
    md(head),
    md(head.map(() => '---')),
    ...rows.map(md),
    '',
    `Whole-force export as a Sussex officer (no filter), read to the end; RSS of the server process (idle = median of 5 samples before, peak sampled every 50 ms). Target: first byte ≤ ${EXPORT_TTFB_MS} ms, growth ≤ ${EXPORT_RSS_MB} MB.`,
    '',
    md(['reports', 'format', 'HTTP', 'first byte ms', 'total ms', 'MB', 'idle RSS MB', 'RSS growth MB', 'target']),
    md(Array(9).fill('---')),
    ...exportRows,
    ...(unexpected.length ? ['', 'First unexpected answer per route:', '', ...unexpected] : []),
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  say(`scales ${SCALES.join(', ')}; ${REQUESTS} requests per route, ${CONCURRENCY} at once; data in ${DATA_DIR}`);
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const smtp = await new TestSmtp().start();
  const env: NodeJS.ProcessEnv = {
    DATA_DIR,
    NODE_ENV: 'production',
    TOKEN_SECRET,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    WORKER_RETRY_BASE_MS: '1000',
    // The walk signs in, files reports and follows up far more often than a person would.
    LOGIN_RATE_LIMIT: '1000000',
    REPORT_RATE_LIMIT: '1000000',
    FOLLOWUP_RATE_LIMIT: '1000000',
    ANALYTICS_RATE_LIMIT: '1000000',
  };
  const results: ScaleResult[] = [];
  try {
    let seeded = 0;
    for (const [k, scale] of SCALES.entries()) {
      const add = scale - seeded;
      say(`seeding ${add.toLocaleString('en-GB')} reports (to ${scale.toLocaleString('en-GB')})`);
      const t = performance.now();
      await runScript('server/demo/seed.cli.ts', ['--reports', String(add), '--seed', String(k + 1)], env, 4 * 3_600_000);
      say(`seeded in ${((performance.now() - t) / 1000).toFixed(0)} s`);
      seeded = scale;
      if (k === 0) {
        await runScript(
          'server/accounts/users.cli.ts',
          ['create', '--role', 'police_admin', '--email', ADMIN.email, '--password', ADMIN.password, '--name', 'Bench admin'],
          env,
          5 * 60_000,
        );
      }
      results.push(await benchScale(scale, smtp, env));
    }
  } finally {
    await stopServer().catch(() => undefined);
    await smtp.stop();
  }
  const body = table(results);
  console.log(`\n${body}\n`);
  if (!values['no-results']) {
    const args = process.argv.slice(2).join(' ');
    appendResults('Routes (bench:routes)', `npm run bench:routes${args ? ` -- ${args}` : ''}`, body);
    say('appended to bench/RESULTS.md');
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[bench:routes] failed: ${(err as Error).stack ?? err}`);
    void stopServer().finally(() => {
      if (lastServerOutput) console.error(`server output (last 3000 characters):\n${lastServerOutput.slice(-3000)}`);
      process.exit(1);
    });
  },
);
