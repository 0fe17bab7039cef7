import fc from 'fast-check';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';
import { fillPath, type Operation, operationsOf } from '../support/openapi';

const RUNS = 1000;
const MARKER = 'INJECTED-7f3a';

let app: TestApp;
let ops: Operation[];
let signedIn: Record<string, TestClient>;
const seenFilters: unknown[] = [];

async function signInEveryRole(): Promise<void> {
  signedIn = {};
  for (const role of ['police', 'police_admin', 'owner', 'host'] as const) {
    const u = await createUser(app.services, role);
    const c = app.client();
    await c.login(u.email, u.password);
    signedIn[role] = c;
  }
}

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent', BODY_LIMIT: '50kb' });
  ops = await operationsOf(app.client());
  await signInEveryRole();
  // Record every filter mongoose sends, to prove no injected operator reaches a query.
  mongoose.set('debug', (_coll: string, _method: string, ...args: unknown[]) => {
    seenFilters.push(args[0]);
  });
});
afterAll(async () => {
  mongoose.set('debug', false);
  await app.close();
  await dropTestDatabase();
});

/** Walks a filter; `$eq` wraps (sanitizeFilter) hold literals, so their content is skipped; $or/$and/$nor are structure. */
function injectedOperators(filter: unknown, found: string[] = []): string[] {
  if (!filter || typeof filter !== 'object') return found;
  for (const [k, v] of Object.entries(filter as Record<string, unknown>)) {
    if (k === '$eq') continue;
    const logical = k === '$or' || k === '$and' || k === '$nor';
    if (k.startsWith('$') && !logical && JSON.stringify(v ?? null).includes(MARKER)) found.push(k);
    injectedOperators(v, found);
  }
  return found;
}

async function collectionCounts(): Promise<Record<string, number>> {
  const db = mongoose.connection.db!;
  const out: Record<string, number> = {};
  for (const c of await db.listCollections().toArray()) {
    // Sessions and audits change on reads; a refused request still spends rate-limit budget (hashed keys only).
    if (['sessions', 'audits', 'auditentries', 'ratelimits'].includes(c.name)) continue;
    out[c.name] = await db.collection(c.name).countDocuments();
  }
  return out;
}

const hostileKey = fc.constantFrom(
  '$gt',
  '$ne',
  '$where',
  '$regex',
  '__proto__',
  'constructor',
  'status',
  'role',
  'forceId',
  '',
  'a.b',
);
const hostileLeaf = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constant(MARKER),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant({ $gt: MARKER }),
  fc.constant({ $ne: MARKER, $regex: '.*' }),
  fc.string({ minLength: 3000, maxLength: 6000 }),
);
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileLeaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 8 })), tie('value'), { maxKeys: 5 }),
  ),
})).value;
const hostileBody = fc.oneof(
  fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 10 })), hostileValue, { maxKeys: 8 }),
  hostileValue,
  fc.constantFrom('{"__proto__": {"admin": true}}', '{"a":', '[]', 'null', '"x"', `{"email": {"$gt": "${MARKER}"}}`),
);
const pathValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom('000000000000000000000000', '../../etc/passwd', '%00', 'sussex', "'; DROP"),
);
const who = fc.constantFrom('anonymous', 'police', 'police_admin', 'owner', 'host');

/** Signed-in clients never call logout here, so their sessions last the whole property run. */
function clientFor(role: string, op: Operation): TestClient {
  return role === 'anonymous' || op.path === '/api/auth/logout' ? app.client() : signedIn[role]!;
}

describe('hostile input against every route in the OpenAPI document', () => {
  it('recognises an injected operator in a filter, but not one neutralised by sanitizeFilter', () => {
    expect(injectedOperators({ email: { $gt: MARKER } })).toEqual(['$gt']);
    expect(injectedOperators({ $or: [{ a: { $ne: MARKER } }] })).toEqual(['$ne']);
    expect(injectedOperators({ email: { $eq: { $gt: MARKER } } })).toEqual([]);
    expect(injectedOperators({ createdAt: { $gte: new Date(0) } })).toEqual([]);
  });

  it('never answers 5xx, stores nothing and passes no injected operator to a query, for generated bodies', {
    timeout: 300_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), hostileBody, pathValue, who, async (i, body, pv, role) => {
        const op = ops[i % ops.length]!;
        const before = await collectionCounts();
        const raw = typeof body === 'string' ? body : JSON.stringify(body);
        const res = await clientFor(role, op).request(
          op.method.toUpperCase(),
          fillPath(op.path, () => pv),
          {
            body: op.method === 'get' ? undefined : raw,
            headers: op.method === 'get' ? {} : { 'content-type': 'application/json' },
          },
        );
        expect(res.status, `${op.method} ${op.path} as ${role}`).toBeLessThan(500);
        if (res.status >= 400) expect(await collectionCounts()).toEqual(before);
      }),
      { numRuns: RUNS, verbose: 1 },
    );
    const leaks = seenFilters.flatMap((f) => injectedOperators(f));
    expect(leaks).toEqual([]);
  });

  it('never answers 5xx for generated query strings', { timeout: 300_000 }, async () => {
    const params = fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          'bbox',
          'zoom',
          'from',
          'to',
          'indicators',
          'types',
          'statuses',
          'priority',
          'q',
          'cursor',
          'limit',
          'format',
          'token',
          'force',
          '$where',
          '__proto__',
          'a[b]',
        ),
        fc.string({ maxLength: 6 }),
      ),
      fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom('-181,-91,181,91', '1e309', 'NaN', '0,0,0,0', '2026-13-45', MARKER, '[$ne]=1'),
      ),
      { maxKeys: 6 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), params, who, async (i, query, role) => {
        const op = ops.filter((o) => o.method === 'get')[i % ops.filter((o) => o.method === 'get').length]!;
        const qs = new URLSearchParams(query).toString();
        const res = await clientFor(role, op).get(`${fillPath(op.path, () => '000000000000000000000000')}?${qs}`);
        expect(res.status, `${op.path}?${qs} as ${role}`).toBeLessThan(500);
      }),
      { numRuns: RUNS, verbose: 1 },
    );
  });

  it('never answers 5xx for generated headers and cookies', { timeout: 300_000 }, async () => {
    const header = fc.record({
      cookie: fc.oneof(fc.string({ maxLength: 100 }), fc.constantFrom('sid=x', '__Host-sid=%', `__Host-sid=${'a'.repeat(500)}`)),
      'x-csrf-token': fc.string({ maxLength: 80 }),
      'content-type': fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
        'multipart/form-data; boundary=x',
      ),
      'x-request-id': fc.string({ maxLength: 80 }),
      'x-forwarded-for': fc.string({ maxLength: 60 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.nat(), header, fc.string({ maxLength: 200 }), async (i, headers, body) => {
        const op = ops[i % ops.length]!;
        const safeHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, '')]));
        const res = await app.client().request(
          op.method.toUpperCase(),
          fillPath(op.path, () => 'x'),
          {
            body: op.method === 'get' ? undefined : body,
            headers: safeHeaders,
          },
        );
        expect(res.status, `${op.method} ${op.path}`).toBeLessThan(500);
      }),
      { numRuns: RUNS, verbose: 1 },
    );
  });
});

describe('the role × route matrix, generated from the OpenAPI document', () => {
  it('denies anonymous callers with 401 and wrong roles with 403 on every protected route', async () => {
    await signInEveryRole();
    const protectedOps = ops.filter((o) => o.roles !== null);
    expect(protectedOps.length).toBeGreaterThan(3);
    for (const op of protectedOps) {
      const path = fillPath(op.path, () => '000000000000000000000000');
      const anon = await app.client().request(op.method.toUpperCase(), path, { json: op.hasBody ? {} : undefined });
      expect(anon.status, `anonymous ${op.method} ${op.path}`).toBe(401);
      if (op.roles === 'user') continue;
      for (const role of Object.keys(signedIn).filter((r) => !(op.roles as string[]).includes(r))) {
        const res = await signedIn[role]!.request(op.method.toUpperCase(), path, { json: op.hasBody ? {} : undefined });
        expect(res.status, `${role} ${op.method} ${op.path}`).toBe(403);
      }
    }
  });
});

describe('security headers', () => {
  it('sends them on API responses and on the client pages', async () => {
    for (const path of ['/api/health', '/', '/report']) {
      const res = await app.client().get(path);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('strict-transport-security'), path).toBe('max-age=31536000; includeSubDomains');
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });
});
