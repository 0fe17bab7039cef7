import type { TokenSigner } from '../../server/alerts/tokens';
import { ALERT_LIMITS } from '../../shared/schemas/alerts';
import { TestClient, type TestResponse } from './http';
import type { Operation } from './openapi';

/**
 * Happy-path recipes for every API route, spoken over HTTP only, so the route-filter guard test
 * (tests/server/point-filters.test.ts) and the route benchmark (bench/routes.bench.ts) call the same things.
 *
 * A recipe says who calls the route and makes `n` calls ready to send. Whatever a call needs first (a
 * property to delete, a fresh session to end, a link token from a confirmation email) is made while
 * preparing, through the API as a user would, and is neither timed nor watched.
 */

export type Actor = 'anonymous' | 'police' | 'police_admin' | 'owner' | 'host';

export interface Call {
  client: TestClient;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  json?: unknown;
}

export interface Recipe {
  as: Actor;
  /** One of the routes issue 10 holds to p95 ≤ 50 ms at 1,000,000 reports and ≤ 2× its time at 10,000. */
  point?: boolean;
  /** The status a successful call answers; any 2xx when absent. */
  expect?: number;
  calls(w: World, n: number): Promise<Call[]>;
}

/** What the world needs from the place the server runs in (the test process, or the bench around a child server). */
export interface WalkEnv {
  baseUrl: string;
  /** A police_admin that exists already (made outside the API: a factory, or `npm run users`). */
  admin: { email: string; password: string };
  /** The force police accounts belong to; reports are filed in it, around `centre`. */
  forceId: string;
  centre: { lat: number; lng: number };
  /** The token in the confirmation email sent for this subscription (waits for the email). */
  confirmToken(subscriptionId: string, email: string): Promise<string>;
  /** Signs link tokens with the server's TOKEN_SECRET (unsubscribe links arrive only in alert emails). */
  tokens: TokenSigner;
}

export interface Account {
  id: string;
  email: string;
  password: string;
  role: Exclude<Actor, 'anonymous'>;
  c: TestClient;
}

export interface FiledReport {
  reference: string;
  passphrase: string;
}

const PASSWORD = 'walk-the-routes-password';
const run = Date.now().toString(36);
let counter = 0;
const unique = (what: string) => `${what}-${run}-${++counter}`;

/** `a` answered `status` (any 2xx when absent), or an error naming the step and the answer. */
function ok<T>(what: string, res: TestResponse<T>, status?: number): TestResponse<T> {
  const good = status === undefined ? res.status >= 200 && res.status < 300 : res.status === status;
  if (!good) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return res;
}

/** Runs `make(i)` for i < n, at most 4 at a time (preparation only). */
async function many<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, n) }, worker));
  return out;
}

/** Takes items round-robin when fewer were made than calls are wanted. */
const cycle = <T>(items: T[], n: number): T[] => Array.from({ length: n }, (_, i) => items[i % items.length]!);

/** The accounts and records the recipes share, made through the API. */
export class World {
  admin!: Account;
  police!: Account;
  owner!: Account;
  host!: Account;
  /** A report the host filed while signed in (so "my reports" has one). */
  hostReport!: FiledReport;
  private walkForceMade = false;

  private constructor(readonly env: WalkEnv) {}

  static async build(env: WalkEnv): Promise<World> {
    const w = new World(env);
    w.admin = await w.signIn({ ...env.admin, id: '', role: 'police_admin' });
    w.police = await w.staff('police');
    w.owner = await w.register('owner');
    w.host = await w.register('host');
    w.hostReport = await w.fileReport(w.host.c);
    await w.addProperty(w.owner);
    await w.addSubscription(w.owner);
    return w;
  }

  client(): TestClient {
    return new TestClient(this.env.baseUrl);
  }

  async signIn(a: Omit<Account, 'c'>): Promise<Account> {
    const c = this.client();
    const res = ok(`sign in ${a.email}`, await c.login(a.email, a.password), 200);
    return { ...a, id: res.body.user.id, c };
  }

  /** Registers (202 whether or not the email is new; no session) and signs in with the chosen password. */
  async register(role: 'owner' | 'host'): Promise<Account> {
    const email = `${unique(role)}@walk.test`;
    ok(
      `register ${role}`,
      await this.client().post('/api/auth/register', { email, password: PASSWORD, name: `Walk ${role}`, role }),
      202,
    );
    return this.signIn({ id: '', email, password: PASSWORD, role });
  }

  /** A police officer of the walk's force (or a police_admin), created by the admin and signed in. */
  async staff(role: 'police' | 'police_admin'): Promise<Account> {
    const email = `${unique(role)}@walk.test`;
    const body = {
      email,
      password: PASSWORD,
      name: `Walk ${role}`,
      role,
      ...(role === 'police' ? { forceId: this.env.forceId } : {}),
    };
    const res = ok(`create ${role}`, await this.admin.c.post('/api/users', body), 201);
    return this.signIn({ id: res.body.id, email, password: PASSWORD, role });
  }

  /** `n` accounts for calls that each use up a per-account allowance (subscriptions, properties), `per` calls each. */
  async owners(n: number, per: number): Promise<Account[]> {
    const made = await many(Math.ceil(n / per), () => this.register('owner'));
    return Array.from({ length: n }, (_, i) => made[Math.floor(i / per)]!);
  }

  /** A point near the centre, spread over about a kilometre. */
  near(i: number): { lat: number; lng: number } {
    const a = (i * 137.508 * Math.PI) / 180;
    const r = 0.002 + (0.006 * ((i * 7919) % 101)) / 100;
    return { lat: this.env.centre.lat + r * Math.sin(a), lng: this.env.centre.lng + r * Math.cos(a) };
  }

  /** A square of about 2 km around the centre (inside the force area). */
  square(): Array<{ lat: number; lng: number }> {
    const { lat, lng } = this.env.centre;
    const d = 0.01;
    return [
      { lat: lat - d, lng: lng - d },
      { lat: lat - d, lng: lng + d },
      { lat: lat + d, lng: lng + d },
      { lat: lat + d, lng: lng - d },
    ];
  }

  /** Map queries over about 40 × 30 km around the centre. */
  mapQuery(): string {
    const { lat, lng } = this.env.centre;
    return `bbox=${[lng - 0.3, lat - 0.14, lng + 0.3, lat + 0.14].map((x) => x.toFixed(5)).join(',')}`;
  }

  /** `w,s,e,n` of about 1 km around the centre. */
  smallBbox(): string {
    const { lat, lng } = this.env.centre;
    return [lng - 0.007, lat - 0.0045, lng + 0.007, lat + 0.0045].map((x) => x.toFixed(5)).join(',');
  }

  reportBody(i = counter++): Record<string, unknown> {
    const now = Date.now();
    return {
      location: this.near(i),
      address: `${unique('flat')} Walk Street`,
      propertyType: 'S',
      indicators: [1, 17],
      description: 'Several young people arriving at night with holdalls; walked by the route guard',
      observedFrom: new Date(now - 3 * 3_600_000).toISOString(),
      observedTo: new Date(now - 3_600_000).toISOString(),
      reporterRole: 'neighbour',
    };
  }

  async fileReport(c: TestClient = this.client()): Promise<FiledReport> {
    const res = ok('file a report', await c.post('/api/reports', this.reportBody()), 201);
    return { reference: res.body.reference, passphrase: res.body.passphrase };
  }

  /** Ids of `n` reports the police officer sees (with `statuses`, e.g. `new`), filing more when too few are there. */
  async reportIds(n: number, statuses?: string): Promise<string[]> {
    const query = `/api/reports?limit=${Math.min(200, n)}${statuses ? `&statuses=${statuses}` : ''}`;
    let ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      const res = ok('list reports', await this.police.c.get(query), 200);
      ids = (res.body.items as Array<{ id: string }>).map((r) => r.id);
      if (ids.length >= Math.min(n, 200)) break;
      await many(Math.min(n, 200) - ids.length, () => this.fileReport());
    }
    if (!ids.length) throw new Error('no report is visible to the walk officer');
    return cycle(ids, n);
  }

  async addProperty(a: Account, i = counter++): Promise<string> {
    const at = this.near(i);
    const res = ok(
      'add a property',
      await a.c.post('/api/properties', { address: `${unique('house')} Walk Road`, lat: at.lat, lng: at.lng, type: 'S' }),
      201,
    );
    return res.body.id;
  }

  async addSubscription(a: Account): Promise<string> {
    const res = ok('subscribe', await a.c.post('/api/subscriptions', this.subscriptionBody()), 201);
    return res.body.id;
  }

  subscriptionBody(): Record<string, unknown> {
    return { kind: 'area', polygon: this.square(), mode: 'instant' };
  }

  /** `n` pending subscriptions (each of its own or a shared owner) with their confirm tokens. */
  async pendingSubscriptions(n: number): Promise<Array<{ id: string; confirm: string; version: string }>> {
    const owners = await this.owners(n, ALERT_LIMITS.areasPerWeek);
    return many(n, async (i) => {
      const id = await this.addSubscription(owners[i]!);
      const confirm = await this.env.confirmToken(id, owners[i]!.email);
      // `c.<subscription>.<version>.<expires>.<mac>`: the version is what an unsubscribe link must carry too.
      return { id, confirm, version: confirm.split('.')[2]! };
    });
  }

  unsubscribeToken(s: { id: string; version: string }): string {
    return this.env.tokens.sign('u', s.id, s.version, null);
  }

  /** An entity (a line name) two reports of the walk's force mention; filed once. */
  async walkEntity(): Promise<string> {
    if (!this.walkEntityFiled) {
      for (let k = 0; k < 2; k++)
        ok(
          'file a report naming a line',
          await this.client().post('/api/reports', { ...this.reportBody(), lineNames: ['the Walk line'] }),
          201,
        );
      this.walkEntityFiled = true;
    }
    return 'line:walk';
  }
  private walkEntityFiled = false;

  /** A tiny force far from the others (Shetland), which the force routes may create and change freely. */
  walkForce(): { id: string; name: string; area: unknown } {
    const [lat, lng, d] = [60.3, -1.3, 0.05];
    const ring = [
      [lng - d, lat - d],
      [lng + d, lat - d],
      [lng + d, lat + d],
      [lng - d, lat + d],
      [lng - d, lat - d],
    ];
    return { id: 'walk-force', name: 'Route walk test force', area: { type: 'Polygon', coordinates: [ring] } };
  }

  async ensureWalkForce(): Promise<string> {
    const f = this.walkForce();
    if (!this.walkForceMade) {
      const res = await this.admin.c.post('/api/forces', f);
      // 409: an earlier walk on this database made it (the bench walks once per scale).
      if (res.status !== 409) ok('create the walk force', res, 201);
      this.walkForceMade = true;
    }
    return f.id;
  }
}

const get = (client: TestClient, path: string): Call => ({ client, method: 'GET', path });
const same = (n: number, call: () => Call): Promise<Call[]> => Promise.resolve(Array.from({ length: n }, call));
const enc = encodeURIComponent;

/** Keyed `METHOD /api/path/{param}` as in the OpenAPI document. */
export const RECIPES: Readonly<Record<string, Recipe>> = {
  'GET /api/health': { as: 'anonymous', calls: (w, n) => same(n, () => get(w.client(), '/api/health')) },
  'GET /api/openapi.json': { as: 'anonymous', calls: (w, n) => same(n, () => get(w.client(), '/api/openapi.json')) },
  'GET /api/settings': { as: 'anonymous', calls: (w, n) => same(n, () => get(w.client(), '/api/settings')) },
  'GET /api/taxonomy': { as: 'anonymous', calls: (w, n) => same(n, () => get(w.client(), '/api/taxonomy')) },
  'GET /api/forces': { as: 'anonymous', calls: (w, n) => same(n, () => get(w.client(), '/api/forces')) },
  'GET /api/alerts/page.css': { as: 'anonymous', calls: (w, n) => same(n, () => get(w.client(), '/api/alerts/page.css')) },

  // ---- accounts
  // Sign-ins of accounts of their own: a user keeps at most 50 live sessions, and the shared owner's must survive.
  'POST /api/auth/login': {
    as: 'anonymous',
    point: true,
    calls: async (w, n) =>
      (await w.owners(n, 40)).map((a) => ({
        client: w.client(),
        method: 'POST' as const,
        path: '/api/auth/login',
        json: { email: a.email, password: a.password },
      })),
  },
  'POST /api/auth/register': {
    as: 'anonymous',
    point: true,
    expect: 202,
    calls: (w, n) =>
      same(n, () => ({
        client: w.client(),
        method: 'POST',
        path: '/api/auth/register',
        json: { email: `${unique('newcomer')}@walk.test`, password: PASSWORD, name: 'Walk newcomer', role: 'host' },
      })),
  },
  'POST /api/auth/logout': {
    as: 'owner',
    calls: async (w, n) => {
      const owners = await w.owners(n, 40);
      return (await many(n, (i) => w.signIn(owners[i]!))).map((a) => ({
        client: a.c,
        method: 'POST' as const,
        path: '/api/auth/logout',
      }));
    },
  },
  // A fresh account per call: the change ends the account's other sessions.
  'POST /api/auth/password': {
    as: 'owner',
    calls: async (w, n) =>
      (await many(n, () => w.register('owner'))).map((a) => ({
        client: a.c,
        method: 'POST' as const,
        path: '/api/auth/password',
        json: { currentPassword: a.password, newPassword: `${PASSWORD} changed by the walk` },
      })),
  },
  'GET /api/auth/me': { as: 'owner', calls: (w, n) => same(n, () => get(w.owner.c, '/api/auth/me')) },
  'GET /api/users': { as: 'police_admin', calls: (w, n) => same(n, () => get(w.admin.c, '/api/users')) },
  'POST /api/users': {
    as: 'police_admin',
    expect: 201,
    calls: (w, n) =>
      same(n, () => ({
        client: w.admin.c,
        method: 'POST',
        path: '/api/users',
        json: {
          email: `${unique('officer')}@walk.test`,
          password: PASSWORD,
          name: 'Walk officer',
          role: 'police',
          forceId: w.env.forceId,
        },
      })),
  },
  'PATCH /api/users/{id}': {
    as: 'police_admin',
    calls: async (w, n) => {
      // Disabling ends the account's sessions; re-enabling lets the next call disable it again.
      const victim = await w.staff('police');
      return Array.from({ length: n }, (_, i) => ({
        client: w.admin.c,
        method: 'PATCH' as const,
        path: `/api/users/${victim.id}`,
        json: { disabled: i % 2 === 0 },
      }));
    },
  },

  'POST /api/users/{id}/password-reset': {
    as: 'police_admin',
    expect: 201,
    calls: async (w, n) => {
      const member = await w.staff('police');
      return same(n, () => ({ client: w.admin.c, method: 'POST', path: `/api/users/${member.id}/password-reset` }));
    },
  },
  'POST /api/auth/password-reset': {
    as: 'anonymous',
    // A link works once, and a newer one voids it: one account and one link per call.
    calls: (w, n) =>
      many(n, async () => {
        const member = await w.staff('police');
        const link = ok('make a reset link', await w.admin.c.post(`/api/users/${member.id}/password-reset`), 201);
        const token = new URL(link.body.url).searchParams.get('token');
        return {
          client: w.client(),
          method: 'POST' as const,
          path: '/api/auth/password-reset',
          json: { token, password: `renewed-${PASSWORD}` },
        };
      }),
  },
  'GET /api/admin/status': { as: 'police_admin', calls: (w, n) => same(n, () => get(w.admin.c, '/api/admin/status')) },
  'GET /api/audit/export': {
    as: 'police_admin',
    calls: (w, n) => same(n, () => get(w.admin.c, `/api/audit/export?action=report.&userId=${w.police.id}`)),
  },

  // ---- forces
  'POST /api/forces': {
    as: 'police_admin',
    expect: 201,
    // A new id each call: posting an existing id answers 409 (replacing an area is the PUT route).
    calls: (w, n) =>
      same(n, () => ({
        client: w.admin.c,
        method: 'POST',
        path: '/api/forces',
        json: { ...w.walkForce(), id: unique('walk').toLowerCase().slice(0, 40) },
      })),
  },
  'PUT /api/forces/{id}/area': {
    as: 'police_admin',
    calls: async (w, n) => {
      const id = await w.ensureWalkForce();
      return same(n, () => ({
        client: w.admin.c,
        method: 'PUT',
        path: `/api/forces/${id}/area`,
        json: { area: w.walkForce().area, confirm: true },
      }));
    },
  },
  'POST /api/forces/{id}/area/preview': {
    as: 'police_admin',
    calls: async (w, n) => {
      const id = await w.ensureWalkForce();
      return same(n, () => ({
        client: w.admin.c,
        method: 'POST',
        path: `/api/forces/${id}/area/preview`,
        json: w.walkForce().area,
      }));
    },
  },

  // ---- reporters
  'POST /api/reports': {
    as: 'anonymous',
    expect: 201,
    calls: (w, n) => same(n, () => ({ client: w.client(), method: 'POST', path: '/api/reports', json: w.reportBody() })),
  },
  'POST /api/reports/follow-up': {
    as: 'anonymous',
    point: true,
    calls: async (w, n) =>
      (await many(n, () => w.fileReport())).map((r) => ({
        client: w.client(),
        method: 'POST',
        path: '/api/reports/follow-up',
        json: r,
      })),
  },
  'POST /api/reports/follow-up/addendum': {
    as: 'anonymous',
    point: true,
    calls: async (w, n) =>
      (await many(n, () => w.fileReport())).map((r) => ({
        client: w.client(),
        method: 'POST',
        path: '/api/reports/follow-up/addendum',
        json: { ...r, text: 'They came back tonight with two more people.' },
      })),
  },
  'POST /api/reports/mine/{reference}/addendum': {
    as: 'host',
    point: true,
    calls: (w, n) =>
      same(n, () => ({
        client: w.host.c,
        method: 'POST',
        path: `/api/reports/mine/${enc(w.hostReport.reference)}/addendum`,
        json: { text: 'The same car came back this morning.' },
      })),
  },
  'GET /api/reports/mine': { as: 'host', point: true, calls: (w, n) => same(n, () => get(w.host.c, '/api/reports/mine')) },

  // ---- police triage
  'GET /api/reports': { as: 'police', calls: (w, n) => same(n, () => get(w.police.c, '/api/reports?limit=50')) },
  'GET /api/reports/export': {
    as: 'police',
    // A small area: the whole-force export is measured on its own by the bench (time to first byte, memory).
    calls: (w, n) =>
      Promise.resolve(
        Array.from({ length: n }, (_, i) =>
          get(w.police.c, `/api/reports/export?format=${i % 2 ? 'geojson' : 'csv'}&bbox=${w.smallBbox()}`),
        ),
      ),
  },
  'GET /api/reports/search': {
    as: 'police',
    calls: (w, n) => same(n, () => get(w.police.c, '/api/reports/search?q=walk%20road')),
  },
  'GET /api/officers': { as: 'police', point: true, calls: (w, n) => same(n, () => get(w.police.c, '/api/officers')) },
  'GET /api/audit': { as: 'police_admin', calls: (w, n) => same(n, () => get(w.admin.c, '/api/audit')) },
  'GET /api/reports/{id}': {
    as: 'police',
    point: true,
    calls: async (w, n) => (await w.reportIds(n)).map((id) => get(w.police.c, `/api/reports/${id}`)),
  },
  'PATCH /api/reports/{id}': {
    as: 'police',
    point: true,
    calls: async (w, n) =>
      (await w.reportIds(n, 'new')).map((id) => ({
        client: w.police.c,
        method: 'PATCH' as const,
        path: `/api/reports/${id}`,
        json: { status: 'triaged', statusNote: 'Seen by the route walk' },
      })),
  },

  // ---- linked intelligence (entities)
  'GET /api/reports/{id}/entities': {
    as: 'police',
    calls: async (w, n) => (await w.reportIds(n)).map((id) => get(w.police.c, `/api/reports/${id}/entities`)),
  },
  'GET /api/entities/search': {
    as: 'police',
    calls: (w, n) => same(n, () => get(w.police.c, '/api/entities/search?q=walk%20line')),
  },
  'GET /api/entities/network': {
    as: 'police',
    calls: (w, n) => same(n, () => get(w.police.c, `/api/entities/network?${w.mapQuery()}`)),
  },
  'GET /api/entities/{key}': {
    as: 'police',
    calls: async (w, n) => {
      const key = await w.walkEntity();
      return same(n, () => get(w.police.c, `/api/entities/${enc(key)}`));
    },
  },
  'GET /api/entities/{key}/pack': {
    as: 'police',
    calls: async (w, n) => {
      const key = await w.walkEntity();
      return Promise.resolve(
        Array.from({ length: n }, (_, i) => get(w.police.c, `/api/entities/${enc(key)}/pack?format=${i % 2 ? 'html' : 'csv'}`)),
      );
    },
  },

  // ---- police map
  'GET /api/map/clusters': {
    as: 'police',
    calls: (w, n) => same(n, () => get(w.police.c, `/api/map/clusters?zoom=10&${w.mapQuery()}`)),
  },
  'GET /api/map/heat': { as: 'police', calls: (w, n) => same(n, () => get(w.police.c, `/api/map/heat?zoom=10&${w.mapQuery()}`)) },
  'GET /api/map/emerging': {
    as: 'police',
    calls: (w, n) =>
      same(n, () =>
        get(w.police.c, `/api/map/emerging?from=${new Date(Date.now() - 60 * 86_400_000).toISOString()}&${w.mapQuery()}`),
      ),
  },
  'GET /api/map/near-repeat': {
    as: 'police',
    calls: (w, n) => same(n, () => get(w.police.c, `/api/map/near-repeat?${w.mapQuery()}`)),
  },
  'GET /api/forces/areas': { as: 'police', calls: (w, n) => same(n, () => get(w.police.c, '/api/forces/areas')) },
  'GET /api/map/hotspots': { as: 'police', calls: (w, n) => same(n, () => get(w.police.c, `/api/map/hotspots?${w.mapQuery()}`)) },
  'GET /api/map/repeats': { as: 'police', calls: (w, n) => same(n, () => get(w.police.c, `/api/map/repeats?${w.mapQuery()}`)) },
  'GET /api/map/timeline': { as: 'police', calls: (w, n) => same(n, () => get(w.police.c, `/api/map/timeline?${w.mapQuery()}`)) },

  // ---- owners' properties and account
  'GET /api/properties': { as: 'owner', point: true, calls: (w, n) => same(n, () => get(w.owner.c, '/api/properties')) },
  'POST /api/properties': {
    as: 'owner',
    point: true,
    expect: 201,
    calls: async (w, n) =>
      (await w.owners(n, 40)).map((a, i) => {
        const at = w.near(i);
        return {
          client: a.c,
          method: 'POST' as const,
          path: '/api/properties',
          json: { address: `${unique('house')} Walk Road`, lat: at.lat, lng: at.lng, type: 'S' },
        };
      }),
  },
  // No GEOCODER_URL in the walk: the finder says it is off (tests/server/properties-import.test.ts runs one).
  'GET /api/geocode': { as: 'owner', calls: (w, n) => same(n, () => get(w.owner.c, '/api/geocode?q=BN1%201AA')) },
  'POST /api/properties/import': {
    as: 'owner',
    calls: async (w, n) =>
      (await w.owners(n, 40)).map((a, i) => {
        const at = w.near(i);
        return {
          client: a.c,
          method: 'POST' as const,
          path: '/api/properties/import',
          json: {
            rows: [
              { line: 2, values: { address: `${unique('flat')} Import Road`, lat: String(at.lat), lng: String(at.lng), type: 'S' } },
            ],
          },
        };
      }),
  },
  'GET /api/properties/{id}': {
    as: 'owner',
    point: true,
    calls: async (w, n) => {
      const id = await w.addProperty(w.owner);
      return same(n, () => get(w.owner.c, `/api/properties/${id}`));
    },
  },
  'PATCH /api/properties/{id}': {
    as: 'owner',
    point: true,
    calls: async (w, n) => {
      const owners = await w.owners(n, 40);
      const ids = await many(n, (i) => w.addProperty(owners[i]!));
      return ids.map((id, i) => {
        const at = w.near(i + 1000);
        return {
          client: owners[i]!.c,
          method: 'PATCH' as const,
          path: `/api/properties/${id}`,
          json: { address: `${unique('moved')} Walk Road`, lat: at.lat, lng: at.lng },
        };
      });
    },
  },
  'DELETE /api/properties/{id}': {
    as: 'owner',
    point: true,
    calls: async (w, n) => {
      const owners = await w.owners(n, 40);
      const ids = await many(n, (i) => w.addProperty(owners[i]!));
      return ids.map((id, i) => ({ client: owners[i]!.c, method: 'DELETE' as const, path: `/api/properties/${id}` }));
    },
  },
  // ---- ownership verification
  'POST /api/properties/{id}/verification': {
    as: 'owner',
    point: true,
    calls: async (w, n) => {
      const owners = await w.owners(n, 40);
      const ids = await many(n, (i) => w.addProperty(owners[i]!));
      return ids.map((id, i) => ({
        client: owners[i]!.c,
        method: 'POST' as const,
        path: `/api/properties/${id}/verification`,
        json: { note: 'Title number WALK123' },
      }));
    },
  },
  'POST /api/properties/{id}/verification/letter': {
    as: 'police',
    point: true,
    expect: 201,
    calls: async (w, n) => {
      const owners = await w.owners(n, 40);
      const ids = await many(n, (i) => w.addProperty(owners[i]!));
      return ids.map((id) => ({
        client: w.police.c,
        method: 'POST' as const,
        path: `/api/properties/${id}/verification/letter`,
      }));
    },
  },
  'POST /api/properties/{id}/verification/code': {
    as: 'owner',
    point: true,
    calls: async (w, n) => {
      const owners = await w.owners(n, 40);
      return many(n, async (i) => {
        const id = await w.addProperty(owners[i]!);
        const letter = ok('post a letter', await w.police.c.post(`/api/properties/${id}/verification/letter`), 201);
        return {
          client: owners[i]!.c,
          method: 'POST' as const,
          path: `/api/properties/${id}/verification/code`,
          json: { code: letter.body.code },
        };
      });
    },
  },
  'POST /api/properties/{id}/verification/decision': {
    as: 'police_admin',
    calls: async (w, n) => {
      const owners = await w.owners(n, 40);
      return many(n, async (i) => {
        const id = await w.addProperty(owners[i]!);
        ok('ask for verification', await owners[i]!.c.post(`/api/properties/${id}/verification`, {}), 200);
        return {
          client: w.admin.c,
          method: 'POST' as const,
          path: `/api/properties/${id}/verification/decision`,
          json: { decision: 'verified', note: 'Documents checked by the route walk' },
        };
      });
    },
  },
  'GET /api/verification/pending': {
    as: 'police_admin',
    calls: async (w, n) => {
      const id = await w.addProperty(w.owner);
      ok('ask for verification', await w.owner.c.post(`/api/properties/${id}/verification`, {}), 200);
      return same(n, () => get(w.admin.c, '/api/verification/pending?limit=50'));
    },
  },
  'GET /api/reports/{id}/owner-notice': {
    as: 'police',
    point: true,
    calls: async (w, n) => (await w.reportIds(n)).map((id) => get(w.police.c, `/api/reports/${id}/owner-notice`)),
  },

  'DELETE /api/account': {
    as: 'owner',
    calls: async (w, n) =>
      many(n, async () => {
        const a = await w.register('owner');
        await w.addProperty(a);
        await w.addSubscription(a);
        return { client: a.c, method: 'DELETE' as const, path: '/api/account' };
      }),
  },

  // ---- alerts
  'GET /api/subscriptions': { as: 'owner', point: true, calls: (w, n) => same(n, () => get(w.owner.c, '/api/subscriptions')) },
  'POST /api/subscriptions': {
    as: 'owner',
    point: true,
    expect: 201,
    calls: async (w, n) =>
      (await w.owners(n, ALERT_LIMITS.areasPerWeek)).map((a) => ({
        client: a.c,
        method: 'POST' as const,
        path: '/api/subscriptions',
        json: w.subscriptionBody(),
      })),
  },
  'DELETE /api/subscriptions/{id}': {
    as: 'owner',
    point: true,
    calls: async (w, n) => {
      const owners = await w.owners(n, ALERT_LIMITS.areasPerWeek);
      const ids = await many(n, (i) => w.addSubscription(owners[i]!));
      return ids.map((id, i) => ({ client: owners[i]!.c, method: 'DELETE' as const, path: `/api/subscriptions/${id}` }));
    },
  },
  'GET /api/alerts/mine': { as: 'owner', calls: (w, n) => same(n, () => get(w.owner.c, '/api/alerts/mine')) },
  'POST /api/advisories/preview': {
    as: 'police',
    calls: (w, n) =>
      same(n, () => ({ client: w.police.c, method: 'POST', path: '/api/advisories/preview', json: { polygon: w.square() } })),
  },
  'POST /api/advisories': {
    as: 'police',
    expect: 201,
    calls: (w, n) =>
      same(n, () => ({
        client: w.police.c,
        method: 'POST',
        path: '/api/advisories',
        json: { polygon: w.square(), subject: 'Walk advisory', body: 'Please look out for unusual short stays this week.' },
      })),
  },
  'GET /api/advisories': { as: 'police', calls: (w, n) => same(n, () => get(w.police.c, '/api/advisories')) },
  'GET /api/subscriptions/confirm': {
    as: 'anonymous',
    calls: async (w, n) =>
      cycle(await w.pendingSubscriptions(Math.min(n, 5)), n).map((s) =>
        get(w.client(), `/api/subscriptions/confirm?token=${enc(s.confirm)}`),
      ),
  },
  'POST /api/subscriptions/confirm': {
    as: 'anonymous',
    calls: async (w, n) =>
      (await w.pendingSubscriptions(n)).map((s) => ({
        client: w.client(),
        method: 'POST' as const,
        path: `/api/subscriptions/confirm?token=${enc(s.confirm)}`,
      })),
  },
  'GET /api/subscriptions/unsubscribe': {
    as: 'anonymous',
    calls: async (w, n) =>
      cycle(await w.pendingSubscriptions(Math.min(n, 5)), n).map((s) =>
        get(w.client(), `/api/subscriptions/unsubscribe?token=${enc(w.unsubscribeToken(s))}`),
      ),
  },
  'POST /api/subscriptions/unsubscribe': {
    as: 'anonymous',
    calls: async (w, n) =>
      (await w.pendingSubscriptions(n)).map((s) => ({
        client: w.client(),
        method: 'POST' as const,
        path: `/api/subscriptions/unsubscribe?token=${enc(w.unsubscribeToken(s))}`,
      })),
  },
};

/** Calls that are not a route's happy path but must stay point operations too. */
export const VARIANTS: Readonly<Record<string, Recipe & { route: string }>> = {
  'POST /api/reports/follow-up (unknown reference)': {
    route: 'POST /api/reports/follow-up',
    as: 'anonymous',
    point: true,
    expect: 404,
    calls: (w, n) =>
      same(n, () => ({
        client: w.client(),
        method: 'POST',
        path: '/api/reports/follow-up',
        // Valid in form (no 0/O, 1/I/L, U), unknown in fact.
        json: { reference: `SW-${randomChars(4)}-${randomChars(4)}`, passphrase: 'no such passphrase' },
      })),
  },
};

function randomChars(k: number): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from({ length: k }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

export const routeKey = (op: Pick<Operation, 'method' | 'path'>) => `${op.method.toUpperCase()} ${op.path}`;

/** Whether the document lets `actor` call `op` (null roles: public, so anonymous). */
export function allows(op: Operation, actor: Actor): boolean {
  if (op.roles === null) return actor === 'anonymous';
  if (op.roles === 'user') return actor !== 'anonymous';
  return actor !== 'anonymous' && op.roles.includes(actor);
}

export function send(call: Call, signal?: AbortSignal): Promise<TestResponse> {
  return call.client.request(call.method, call.path, { json: call.json, signal });
}

export function answered(recipe: Recipe, status: number): boolean {
  return recipe.expect === undefined ? status >= 200 && status < 300 : status === recipe.expect;
}
