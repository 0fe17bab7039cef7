import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mongoose, { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DeliveryWorker } from '../../server/alerts/worker';
import { connectDb } from '../../server/db/connection';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { type Access, accessesOf, CommandMonitor, isGrowing, isPointFilter, SMALL_COLLECTIONS } from '../support/command-monitor';
import { createUser } from '../support/factories';
import { type Operation, operationsOf } from '../support/openapi';
import {
  type Actor,
  allows,
  answered,
  type Call,
  RECIPES,
  type Recipe,
  routeKey,
  send,
  VARIANTS,
  World,
} from '../support/route-walk';
import { TestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';

/**
 * Issue 10's guard: on the local engine only `{_id: <value>}` filters use an index, so a request may touch a
 * collection that grows with use only by such a filter or by an insert. This walks every route of the OpenAPI
 * document once, as a role allowed to call it, with inputs that make its handler really run, and records every
 * command the driver sends from the request until the database has been quiet for a moment (so work a request
 * leaves to event listeners counts as the request's). No background job runs in this app (startTestApp starts
 * no timers), and everything a call needs is made before its window opens.
 *
 * Each run writes its findings to test-artifacts/point-filters.txt (and to $POINT_FILTERS_REPORT when set);
 * with POINT_FILTERS_TRACE=1 the file also lists every command of every call.
 */

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };

interface Offence {
  route: string;
  as: Actor;
  access: Access;
  afterResponse: boolean;
}

interface Walked {
  route: string;
  recipe: Recipe;
  status: number;
  text: string;
  /** Everything the call sent to a collection, in order. */
  accesses: Array<{ access: Access; afterResponse: boolean }>;
  offences: Offence[];
}

let app: TestApp;
let smtp: TestSmtp;
let worker: DeliveryWorker;
let monitor: CommandMonitor;
let operations: Operation[];
const walked: Walked[] = [];

/** A call that gets no answer in this long fails with its route named, and the walk goes on. */
const CALL_TIMEOUT_MS = 60_000;

/** One call, watched from just before it is sent until the database is quiet after its answer. */
async function walk(route: string, recipe: Recipe, world: World): Promise<Walked> {
  const result: Walked = { route, recipe, status: 0, text: '', accesses: [], offences: [] };
  let call: Call;
  try {
    [call] = (await recipe.calls(world, 1)) as [Call];
  } catch (err) {
    result.text = `could not prepare the call: ${(err as Error).message}`;
    return result;
  }
  const settledBefore = await monitor.quiet();
  const mark = monitor.mark();
  try {
    const res = await send(call, AbortSignal.timeout(CALL_TIMEOUT_MS));
    result.status = res.status;
    result.text = res.text.slice(0, 300);
  } catch (err) {
    result.text = `no answer: ${(err as Error).message}`;
  }
  const answeredAt = performance.now();
  const settledAfter = await monitor.quiet();
  if (!settledBefore || !settledAfter) {
    result.text += ` (the database was still busy ${settledBefore ? 'after' : 'before'} the call: commands may be misattributed)`;
  }
  result.accesses = monitor
    .since(mark)
    .flatMap((cmd) => accessesOf(cmd).map((access) => ({ access, afterResponse: cmd.at > answeredAt })));
  result.offences = result.accesses
    .filter(({ access }) => access.kind === 'other' && isGrowing(access.collection))
    .map(({ access, afterResponse }) => ({ route, as: recipe.as, access, afterResponse }));
  return result;
}

function offenceLine(o: Offence): string {
  return `${o.route} (as ${o.as}): ${o.access.collection} ← ${o.access.what}${o.afterResponse ? ' [after the response]' : ''}`;
}

/** Per route, then per query shape with the routes that send it: what the lead tracks while services are converted. */
function report(): string {
  const offences = walked.flatMap((w) => w.offences);
  const routes = new Map<string, string[]>();
  for (const o of offences) {
    const lines = routes.get(`${o.route} (as ${o.as})`) ?? [];
    const line = `  ${o.access.collection} ← ${o.access.what}${o.afterResponse ? ' [after the response]' : ''}`;
    if (!lines.includes(line)) lines.push(line);
    routes.set(`${o.route} (as ${o.as})`, lines);
  }
  const shapes = new Map<string, Set<string>>();
  for (const o of offences) {
    const key = `${o.access.collection} ← ${o.access.shape}`;
    shapes.set(key, (shapes.get(key) ?? new Set()).add(o.route));
  }
  const failed = walked.filter((w) => !answered(w.recipe, w.status));
  return [
    `Point-filter guard, ${new Date().toISOString()}: ${walked.length} calls walked, ${routes.size} send something other than`,
    'a point filter ({_id: <value>}) or an insert to a collection that grows with use.',
    `Small collections (not checked): ${Object.keys(SMALL_COLLECTIONS).join(', ')}.`,
    '',
    `== By route (${routes.size})`,
    ...[...routes].flatMap(([route, lines]) => [route, ...lines]),
    '',
    `== By query shape (${shapes.size})`,
    ...[...shapes]
      .sort((a, b) => b[1].size - a[1].size)
      .flatMap(([shape, rs]) => [`${shape}`, `  from ${rs.size} route(s): ${[...rs].join(', ')}`]),
    '',
    `== Calls that did not answer as expected (${failed.length})`,
    ...failed.map((w) => `${w.route} (as ${w.recipe.as}): HTTP ${w.status} ${w.text}`),
    '',
    ...(process.env.POINT_FILTERS_TRACE
      ? [
          '== Everything each call sent (POINT_FILTERS_TRACE)',
          ...walked.flatMap((w) => [
            `${w.route} (as ${w.recipe.as}): HTTP ${w.status}`,
            ...w.accesses.map(
              ({ access, afterResponse }) =>
                `  ${access.kind.padEnd(6)} ${access.collection} ← ${access.what}${afterResponse ? ' [after the response]' : ''}`,
            ),
          ]),
          '',
        ]
      : []),
  ].join('\n');
}

beforeAll(async () => {
  await connectDb(inject('mongoUri'), `t_${randomBytes(6).toString('hex')}`, { monitorCommands: true });
  monitor = new CommandMonitor(mongoose.connection.getClient());
  app = await startTestApp({ TOKEN_SECRET: 'point-filters-test-secret-0123456789abcdef' });
  smtp = await new TestSmtp().start();
  worker = new DeliveryWorker(
    { host: '127.0.0.1', port: smtp.port, secure: false, poolSize: 2, from: 'StayWatch <alerts@staywatch.test>' },
    { publicUrl: app.url, tokens: app.services.alerts.tokens, logger: app.services.logger, digestHour: 7 },
    { retryBaseMs: 50, retryMaxMs: 500, digests: false },
  );
  const admin = await createUser(app.services, 'police_admin');
  const world = await World.build({
    baseUrl: app.url,
    admin,
    forceId: 'sussex',
    centre: BRIGHTON,
    tokens: app.services.alerts.tokens,
    confirmToken: (subscriptionId, email) =>
      waitFor(
        async () => {
          await worker.drain();
          for (const m of smtp.messages.filter((x) => x.to.includes(email))) {
            for (const [, token] of m.text.matchAll(/\/api\/subscriptions\/confirm\?token=([^\s"<>&]+)/g)) {
              const t = decodeURIComponent(token!);
              if (t.split('.')[1] === subscriptionId) return t;
            }
          }
          return undefined;
        },
        { timeout: 20_000, interval: 100, message: `a confirmation email for subscription ${subscriptionId} to ${email}` },
      ),
  });
  operations = await operationsOf(app.client());
  for (const op of operations) {
    const recipe = RECIPES[routeKey(op)];
    if (recipe) walked.push(await walk(routeKey(op), recipe, world));
  }
  for (const [label, variant] of Object.entries(VARIANTS)) walked.push(await walk(label, variant, world));

  const text = report();
  fs.mkdirSync('test-artifacts', { recursive: true });
  fs.writeFileSync(path.join('test-artifacts', 'point-filters.txt'), text);
  if (process.env.POINT_FILTERS_REPORT) fs.writeFileSync(process.env.POINT_FILTERS_REPORT, text);
}, 900_000);

afterAll(async () => {
  monitor?.stop();
  await worker?.stop();
  await smtp?.stop();
  await app?.close();
  await dropTestDatabase();
});

describe('the route walk', () => {
  it('has a happy-path recipe for every route in the OpenAPI document', () => {
    const missing = operations.map(routeKey).filter((k) => !RECIPES[k]);
    expect(missing, 'routes without a recipe in tests/support/route-walk.ts').toEqual([]);
  });

  it('has no recipe for a route the document no longer lists', () => {
    const listed = new Set(operations.map(routeKey));
    const stale = [...Object.keys(RECIPES), ...Object.values(VARIANTS).map((v) => v.route)].filter((k) => !listed.has(k));
    expect(stale).toEqual([]);
  });

  it('calls each route as a role the document allows', () => {
    const wrong = operations
      .filter((op) => RECIPES[routeKey(op)] && !allows(op, RECIPES[routeKey(op)]!.as))
      .map((op) => `${routeKey(op)}: walked as ${RECIPES[routeKey(op)]!.as}, allowed ${JSON.stringify(op.roles)}`);
    expect(wrong).toEqual([]);
  });

  it('gets the expected answer from every call, so each handler really ran', () => {
    const failed = walked
      .filter((w) => !answered(w.recipe, w.status))
      .map((w) => `${w.route} (as ${w.recipe.as}): HTTP ${w.status} ${w.text}`);
    expect(failed).toEqual([]);
  });
});

describe('every request on the local engine', () => {
  it('sends a collection that grows with use only point filters ({_id: <value>}) and inserts', () => {
    const lines = [...new Set(walked.flatMap((w) => w.offences.map(offenceLine)))];
    expect(lines, 'non-point access from a request (see test-artifacts/point-filters.txt)').toEqual([]);
  });
});

describe('the guard itself', () => {
  it('counts only {_id: <ObjectId or string>} as a point filter', () => {
    expect(isPointFilter({ _id: new Types.ObjectId() })).toBe(true);
    expect(isPointFilter({ _id: 'sessions:abc' })).toBe(true);
    expect(isPointFilter({ _id: { $in: ['a', 'b'] } })).toBe(false);
    expect(isPointFilter({ _id: { $eq: 'a' } })).toBe(false);
    expect(isPointFilter({ _id: 'a', status: 'new' })).toBe(false);
    expect(isPointFilter({ email: 'a@b.test' })).toBe(false);
    expect(isPointFilter({})).toBe(false);
  });

  it('sees what the driver sends, telling a scan from a point read and naming the collection and filter', async () => {
    const id = new Types.ObjectId();
    const probe = mongoose.connection.collection('guardprobes');
    const mark = monitor.mark();
    await probe.findOne({ status: 'new' });
    await probe.findOne({ _id: id });
    await probe.countDocuments({ _id: id });
    const seen = monitor
      .since(mark)
      .flatMap((c) => accessesOf(c))
      // Only this test's own collection: work a walked request left running must not count here.
      .filter((a) => a.collection === 'guardprobes')
      .map((a) => `${a.kind} ← ${a.what}`);
    expect(seen).toEqual([
      'other ← find {"status":"new"}',
      `point ← find {"_id":"ObjectId(${id})"}`,
      `other ← aggregate [{"$match":{"_id":"ObjectId(${id})"}},{"$group":{"_id":1,"n":{"$sum":1}}}]`,
    ]);
  });
});
