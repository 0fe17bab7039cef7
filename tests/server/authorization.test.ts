import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionModel } from '../../server/alerts/subscription.model';
import { CONFIRM_TTL_MS } from '../../server/alerts/tokens';
import { type Action, allowed, POLICY } from '../../server/http/policy';
import { ROLES, type Role } from '../../shared/schemas/auth';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient, TestResponse } from '../support/http';
import { fillPath, type Operation, operationsOf } from '../support/openapi';
import { type Account, answered, type Call, RECIPES, type Recipe, routeKey, send, World } from '../support/route-walk';

/**
 * The role × route × object matrix, generated from the policy table (server/http/policy.ts) and the OpenAPI
 * document: every route names an action of the table; every role is refused or served as the action's roles say;
 * and for every `:id` route, every export and every list, objects of ANOTHER force or ANOTHER account answer 404
 * (the app's answer for an object you may not see) and never show their data. Requests are built with the route
 * walk's recipes (tests/support/route-walk.ts), so each call is valid and only who makes it decides the answer.
 */

const FORCE_A = { id: 'sussex', at: { lat: 50.8225, lng: -0.1372 } }; // Brighton
const FORCE_B = { id: 'surrey', at: { lat: 51.2362, lng: -0.5704 } }; // Guildford

type Actor = 'anonymous' | Role;
const ACTORS: readonly Actor[] = ['anonymous', ...ROLES];

interface Op extends Operation {
  key: string;
  action: Action | undefined;
}

/** Strings an object shows to whoever may see it, and must never show to anyone else. */
interface Made {
  id: string;
  secrets: string[];
}

let app: TestApp;
let w: World;
let ops: Op[];
/** An officer of force B (force A's officer is the walk's `w.police`). */
let policeB: Account;
let n = 0;
const marker = (what: string) => `authz${what}${Date.now().toString(36)}x${++n}`;

const roleOf = (a: Actor): Role | null => (a === 'anonymous' ? null : a);
const ruleOf = (op: Op) => (op.action ? POLICY[op.action].rule : undefined);

/** Calls that end the caller's session or account run as a throwaway account of the role, never the walk's own. */
// Routes that end or replace the caller's sessions run as a throwaway account of the role (all share the walk's password).
const ENDS_CALLER = new Set(['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/auth/password', 'DELETE /api/account']);

async function throwaway(role: Role): Promise<Account> {
  return role === 'owner' || role === 'host' ? w.register(role) : w.staff(role);
}

function walkAccount(role: Role): Account {
  return { police: w.police, police_admin: w.admin, owner: w.owner, host: w.host }[role];
}

async function clientOf(op: Op, actor: Actor): Promise<TestClient> {
  if (actor === 'anonymous') return w.client();
  return ENDS_CALLER.has(op.key) ? (await throwaway(actor)).c : walkAccount(actor).c;
}

/** The recipe's valid call for this route, sent by `client`, optionally naming another object for `{id}`. */
async function recipeCall(op: Op, client: TestClient, id?: string, json?: unknown): Promise<Call> {
  const [call] = (await RECIPES[op.key]!.calls(w, 1)) as [Call];
  const query = call.path.includes('?') ? call.path.slice(call.path.indexOf('?')) : '';
  return {
    ...call,
    client,
    path: id === undefined ? call.path : fillPath(op.path, () => id) + query,
    json: json ?? call.json,
  };
}

const describeCall = (op: Op, actor: string, res: TestResponse) =>
  `${op.key} as ${actor}: HTTP ${res.status} ${res.text.slice(0, 160)}`;

const leaked = (res: TestResponse, made: Made) => made.secrets.filter((s) => res.text.includes(s));

// ---- objects, made through the API as their users would

async function signedInOfficer(forceId: string): Promise<Account> {
  const email = `${marker('officer')}@authz.test`;
  const body = { email, password: 'authorization-matrix-pw', name: 'Officer B', role: 'police', forceId };
  const res = await w.admin.c.post('/api/users', body);
  expect(res.status, res.text).toBe(201);
  return w.signIn({ id: res.body.id, email, password: body.password, role: 'police' });
}

/** A report filed in `force` (anonymously, or by `filer`), with its id as that force's officer sees it. */
async function makeReport(force: typeof FORCE_A, officer: Account, filer?: Account): Promise<Made> {
  const mark = marker('report');
  const body = {
    ...w.reportBody(),
    location: { lat: force.at.lat + 0.001 * (n % 7), lng: force.at.lng },
    address: `${mark} Matrix Street`,
  };
  const filed = await (filer?.c ?? w.client()).post('/api/reports', body);
  expect(filed.status, filed.text).toBe(201);
  const listed = await officer.c.get(`/api/reports?q=${mark}`);
  expect(listed.body.items?.length, `the ${force.id} officer sees the report: ${listed.text.slice(0, 200)}`).toBe(1);
  return { id: listed.body.items[0].id, secrets: [mark, filed.body.reference] };
}

/** An entity (a line name) only a report of `force` mentions: its key is the route's `{key}`. */
async function makeEntity(force: typeof FORCE_A): Promise<Made> {
  const mark = marker('line');
  const filed = await w.client().post('/api/reports', { ...w.reportBody(), location: force.at, lineNames: [mark] });
  expect(filed.status, filed.text).toBe(201);
  return { id: `line:${mark.toLowerCase()}`, secrets: [filed.body.reference] };
}

async function makeProperty(owner: Account, at: { lat: number; lng: number }): Promise<Made> {
  const mark = marker('house');
  const res = await owner.c.post('/api/properties', {
    address: `${mark} Matrix Road`,
    lat: at.lat + 0.002,
    lng: at.lng,
    type: 'S',
  });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id, secrets: [mark] };
}

async function makeSubscription(owner: Account): Promise<Made> {
  const id = await w.addSubscription(owner);
  return { id, secrets: [id, owner.email] };
}

/** What the `{id}` of a route names, by its first path segment. */
const KIND_OF_SEGMENT: Record<string, 'report' | 'property' | 'subscription' | 'user' | 'force' | 'entity'> = {
  reports: 'report',
  entities: 'entity',
  properties: 'property',
  subscriptions: 'subscription',
  users: 'user',
  forces: 'force',
};
const kindOf = (op: Op) => KIND_OF_SEGMENT[op.path.split('/')[2]!];

/** An object of the route's kind in force B (rule sameForce) or owned by `owner` (rule own). */
async function makeFor(op: Op, where: { force: typeof FORCE_A; officer: Account; owner: Account }): Promise<Made> {
  switch (kindOf(op)) {
    case 'report':
      if (op.path.includes('/mine/{reference}')) {
        // The reporter's own route names the report by its reference: one `owner` filed while signed in.
        const made = await makeReport(where.force, where.officer, where.owner);
        return { ...made, id: made.secrets[1]! };
      }
      return makeReport(where.force, where.officer);
    case 'property':
      return makeProperty(where.owner, where.force.at);
    case 'subscription':
      return makeSubscription(where.owner);
    case 'entity':
      return makeEntity(where.force);
    default:
      throw new Error(`no object maker for ${op.key}`);
  }
}

/** A body that is valid for this object (the letter's code belongs to one property). */
async function bodyFor(op: Op, made: Made): Promise<unknown> {
  if (op.key === 'POST /api/properties/{id}/verification/code') {
    const letter = await w.admin.c.post(`/api/properties/${made.id}/verification/letter`);
    expect(letter.status, letter.text).toBe(201);
    return { code: letter.body.code };
  }
  return undefined;
}

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent', TOKEN_SECRET: 'authorization-test-secret-0123456789abcdef' });
  const admin = await createUser(app.services, 'police_admin');
  w = await World.build({
    baseUrl: app.url,
    admin,
    forceId: FORCE_A.id,
    centre: FORCE_A.at,
    tokens: app.services.alerts.tokens,
    // The link an email would carry, signed here: no mail is sent in this file.
    async confirmToken(subscriptionId) {
      const sub = await SubscriptionModel.findById(subscriptionId).lean();
      if (!sub) throw new Error(`no subscription ${subscriptionId}`);
      return app.services.alerts.tokens.sign('c', subscriptionId, sub.tokenVersion, CONFIRM_TTL_MS);
    },
  });
  policeB = await signedInOfficer(FORCE_B.id);
  const doc = (await app.client().get('/api/openapi.json')).body as {
    paths: Record<string, Record<string, { 'x-action'?: Action }>>;
  };
  ops = (await operationsOf(app.client())).map((op) => ({
    ...op,
    key: routeKey(op),
    action: doc.paths[op.path]![op.method]!['x-action'],
  }));
}, 300_000);

afterAll(async () => {
  await app?.close();
  await dropTestDatabase();
});

describe('the policy table', () => {
  it('names an action of the table for every route in the OpenAPI document', () => {
    const unnamed = ops.filter((op) => !op.action || !(op.action in POLICY)).map((op) => `${op.key}: ${op.action}`);
    expect(unnamed).toEqual([]);
  });

  it('has no action that no route performs', () => {
    const used = new Set(ops.map((op) => op.action));
    expect(Object.keys(POLICY).filter((a) => !used.has(a as Action))).toEqual([]);
  });

  it('is what the OpenAPI document tells clients: public, any signed-in user, or the listed roles', () => {
    const wrong = ops
      .filter((op) => op.action)
      .flatMap((op) => {
        const who = POLICY[op.action!].who;
        const documented = who === 'anyone' ? null : who === 'signed-in' ? 'user' : [...who];
        return JSON.stringify(documented) === JSON.stringify(op.roles)
          ? []
          : [`${op.key}: table ${JSON.stringify(who)}, document ${JSON.stringify(op.roles)}`];
      });
    expect(wrong).toEqual([]);
  });

  it('has a recipe for every route, to build the matrix from', () => {
    expect(ops.filter((op) => !RECIPES[op.key]).map((op) => op.key)).toEqual([]);
  });
});

describe('the role × route matrix', () => {
  it('refuses a valid request with 401 signed out and 403 for a role the action does not list, and serves the roles it lists', {
    timeout: 900_000,
  }, async () => {
    const wrong: string[] = [];
    for (const op of ops.filter((o) => o.action && RECIPES[o.key])) {
      const recipe: Recipe = RECIPES[op.key]!;
      for (const actor of ACTORS) {
        let res: TestResponse;
        try {
          // The recipe's own caller sends the recipe's call as it is; anyone else sends it with their own session.
          const call =
            actor === recipe.as ? ((await recipe.calls(w, 1))[0] as Call) : await recipeCall(op, await clientOf(op, actor));
          res = await send(call);
        } catch (err) {
          wrong.push(`${op.key} as ${actor}: could not prepare or send: ${(err as Error).message}`);
          continue;
        }
        let good: boolean;
        let want: string;
        if (!allowed(roleOf(actor), op.action!)) {
          want = actor === 'anonymous' ? '401' : '403';
          good = res.status === Number(want);
        } else if (actor !== recipe.as && ruleOf(op) === 'own' && op.pathParams.length > 0) {
          // The recipe's object belongs to the recipe's caller: to anyone else it does not exist.
          want = '404';
          good = res.status === 404;
        } else {
          want = recipe.expect ? String(recipe.expect) : '2xx';
          good = answered(recipe, res.status);
        }
        if (!good) wrong.push(`${describeCall(op, actor, res)} (wanted ${want})`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('objects of another force or another account', () => {
  it('answer 404 without their data on every :id route, to police of another force and to other accounts; their own force or owner is served', {
    timeout: 900_000,
  }, async () => {
    const wrong: string[] = [];
    const idOps = ops.filter((op) => op.action && op.pathParams.length > 0 && RECIPES[op.key]);
    expect(idOps.length).toBeGreaterThan(5);
    for (const op of idOps) {
      const rule = ruleOf(op);
      if (rule === 'none') continue; // admin work on any object; the role matrix covers who may
      if (rule !== 'sameForce' && rule !== 'own') {
        wrong.push(`${op.key}: an :id route with rule ${rule} has no object test`);
        continue;
      }
      // sameForce: an object of force B, asked for by force A's officer, served to force B's.
      // own: an object of a new account, asked for by every walk account the role admits, served to its owner.
      const owner = await w.register('owner');
      const made =
        rule === 'sameForce'
          ? await makeFor(op, { force: FORCE_B, officer: policeB, owner })
          : await makeFor(op, { force: FORCE_A, officer: w.police, owner });
      const json = await bodyFor(op, made);
      const denied = rule === 'sameForce' ? [w.police] : ROLES.filter((r) => allowed(r, op.action!)).map((r) => walkAccount(r));
      for (const who of denied) {
        const res = await send(await recipeCall(op, who.c, made.id, json));
        const seen = leaked(res, made);
        if (res.status !== 404 || seen.length) {
          wrong.push(
            `${describeCall(op, `${who.role} of another ${rule === 'sameForce' ? 'force' : 'account'}`, res)}${seen.length ? ` showing ${seen.join(', ')}` : ''}`,
          );
        }
      }
      // The same call by whoever may: served, so the refusals above were the rule's (and changed nothing).
      const entitled = rule === 'sameForce' ? policeB : owner;
      const res = await send(await recipeCall(op, entitled.c, made.id, json));
      if (!answered(RECIPES[op.key]!, res.status))
        wrong.push(`${describeCall(op, `${entitled.role} the object belongs to`, res)}`);
      if (rule === 'sameForce' && op.method === 'get') {
        const admin = await send(await recipeCall(op, w.admin.c, made.id, json));
        if (!answered(RECIPES[op.key]!, admin.status)) wrong.push(describeCall(op, 'police_admin', admin));
      }
    }
    expect(wrong).toEqual([]);
  });

  it("never show another force's reports or advisories in police lists, exports and map layers, even when asked for with force=", {
    timeout: 600_000,
  }, async () => {
    const report = await makeReport(FORCE_B, policeB);
    const subject = marker('advisory');
    const square = [-0.01, 0.01].flatMap((dy) =>
      [-0.01, 0.01].map((dx) => ({ lat: FORCE_B.at.lat + dy, lng: FORCE_B.at.lng + dx })),
    );
    const advisory = await policeB.c.post('/api/advisories', {
      polygon: [square[0], square[1], square[3], square[2]],
      subject,
      body: 'Please look out for unusual short stays this week.',
    });
    expect(advisory.status, advisory.text).toBe(201);
    const forceB: Made = { id: report.id, secrets: [...report.secrets, report.id, subject] };

    const { lat, lng } = FORCE_B.at;
    const bbox = [lng - 0.05, lat - 0.03, lng + 0.05, lat + 0.03].map((x) => x.toFixed(5)).join(',');
    const lists = ops.filter(
      (op) => op.action && ruleOf(op) === 'sameForce' && op.method === 'get' && op.pathParams.length === 0,
    );
    expect(lists.map((op) => op.action)).toEqual(
      expect.arrayContaining(['report.read', 'report.export', 'map.view', 'advisory.send']),
    );
    const wrong: string[] = [];
    let shownToB = 0;
    for (const op of lists) {
      const [call] = (await RECIPES[op.key]!.calls(w, 1)) as [Call];
      const base = new URLSearchParams(call.path.split('?')[1] ?? '');
      const variants = op.key === 'GET /api/reports/export' ? ['csv', 'geojson'].map((f) => ({ format: f })) : [{}];
      for (const extra of variants) {
        for (const force of [undefined, FORCE_B.id]) {
          const q = new URLSearchParams({ ...Object.fromEntries(base), ...extra });
          if (base.has('bbox')) q.set('bbox', bbox);
          if (q.has('zoom')) q.set('zoom', '16');
          if (force) q.set('force', force);
          const path = `${op.path}?${q}`;
          const a = await w.police.c.get(path);
          const seen = leaked(a, forceB);
          if (a.status !== 200 || seen.length)
            wrong.push(`${path} as police of ${FORCE_A.id}: HTTP ${a.status}${seen.length ? ` showing ${seen.join(', ')}` : ''}`);
          const b = await policeB.c.get(path);
          if (b.status !== 200) wrong.push(`${path} as police of ${FORCE_B.id}: HTTP ${b.status}`);
          if (leaked(b, forceB).length) shownToB += 1;
        }
      }
    }
    expect(wrong).toEqual([]);
    // The same queries do show force B's own officer its report and advisory (the list, both exports, the advisories).
    expect(shownToB).toBeGreaterThanOrEqual(4);
  });

  it("never show another account's properties, subscriptions, filed reports or email in the caller's own lists", async () => {
    const other = await w.register('owner');
    const property = await makeProperty(other, FORCE_A.at);
    const subscription = await makeSubscription(other);
    const filed = await makeReport(FORCE_A, w.police, other);
    const theirs: Made = { id: other.id, secrets: [...property.secrets, ...subscription.secrets, ...filed.secrets] };
    // The address finder is a lookup, not a list of anything an account owns.
    const lists = ops.filter(
      (op) =>
        op.action && ruleOf(op) === 'own' && op.method === 'get' && op.pathParams.length === 0 && op.key !== 'GET /api/geocode',
    );
    expect(lists.length).toBeGreaterThanOrEqual(4);
    const wrong: string[] = [];
    let shownToOwner = 0;
    for (const op of lists) {
      for (const role of ROLES.filter((r) => allowed(r, op.action!))) {
        const res = await walkAccount(role).c.get(op.path);
        // Police see the filed report in their own queue anyway (makeReport checks it): their alerts may name it,
        // now that a staff subscription is live at once (issue 13).
        const hidden =
          role === 'police' || role === 'police_admin'
            ? { ...theirs, secrets: [...property.secrets, ...subscription.secrets] }
            : theirs;
        const seen = leaked(res, hidden);
        if (res.status !== 200 || seen.length)
          wrong.push(`${describeCall(op, role, res)}${seen.length ? ` showing ${seen.join(', ')}` : ''}`);
      }
      if (leaked(await other.c.get(op.path), theirs).length) shownToOwner += 1;
    }
    expect(wrong).toEqual([]);
    // Their own properties, subscriptions, filed reports and account are theirs to see.
    expect(shownToOwner).toBeGreaterThanOrEqual(4);
  });

  it("answer 404 to a reporter with another report's reference and their own passphrase, showing nothing of either", async () => {
    const mine = await w.fileReport();
    const theirs = await w.fileReport();
    const crossed = { reference: theirs.reference, passphrase: mine.passphrase };
    for (const [path, body] of [
      ['/api/reports/follow-up', crossed],
      ['/api/reports/follow-up/addendum', { ...crossed, text: 'Trying my passphrase on another report.' }],
    ] as const) {
      const res = await w.client().post(path, body);
      expect(res.status, `${path}: ${res.text}`).toBe(404);
      expect(res.text).not.toContain(theirs.reference);
    }
    expect((await w.client().post('/api/reports/follow-up', theirs)).status).toBe(200);
  });
});
