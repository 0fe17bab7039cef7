import fc from 'fast-check';
import mongoose, { trusted } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cellKeys } from '../../server/geo/geohash';
import { PropertyModel } from '../../server/properties/property.model';
import { bumpPropertyVersion } from '../../server/properties/property-version.model';
import { ReportModel } from '../../server/reports/report.model';
import { reportIdFor } from '../../server/reports/report-id';
import { ReportService } from '../../server/reports/reports.service';
import { LIMITS } from '../../shared/limits';
import { REFERENCE_REGEX, ReportCreate } from '../../shared/schemas/reports';
import { RATE_LIMITS } from '../../server/http/rate-limit-store';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import { ukDaySince } from '../support/uk-day';
import { waitFor } from '../support/wait';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

/** A valid anonymous report about a short-let in Brighton; override any field. */
function validReport(overrides: Record<string, unknown> = {}) {
  return {
    location: BRIGHTON,
    address: '12 Example Street, Brighton',
    propertyType: 'S',
    listingUrl: 'https://example.test/listing/123',
    indicators: [1, 7],
    description: 'Lots of short visits late at night; cling film in the bins.',
    observedFrom: hoursAgo(30),
    observedTo: hoursAgo(2),
    reporterRole: 'neighbour',
    ...overrides,
  };
}

function detailPaths(body: { error?: { details?: Array<{ path: string }> } }): string[] {
  return (body.error?.details ?? []).map((d) => d.path);
}

describe('the taxonomy', () => {
  it('serves the property types, all 18 indicators with their flags, reporter roles and signposts', async () => {
    const res = await app.client().get('/api/taxonomy');
    expect(res.status).toBe(200);
    expect(res.body.propertyTypes.map((t: { id: string }) => t.id)).toEqual(['H', 'S', 'R', 'U']);
    expect(res.body.indicators).toHaveLength(18);
    expect(res.body.indicators[4]).toMatchObject({ id: 5, safeguarding: true, call999: true, appliesTo: ['H', 'S', 'R', 'U'] });
    expect(res.body.indicators[11]).toMatchObject({ id: 12, appliesTo: ['H'] });
    expect(res.body.reporterRoles.length).toBeGreaterThan(0);
    expect(res.body.signposts.map((s: { href: string }) => s.href)).toContain('tel:999');
  });
});

describe('filing a report', () => {
  it('accepts a report with only the required fields', async () => {
    const { address: _a, listingUrl: _l, description: _d, ...minimal } = validReport();
    const res = await app.client().post('/api/reports', minimal);
    expect(res.status).toBe(201);
    const stored = await ReportModel.findOne({ reference: res.body.reference }).lean();
    expect(stored).toMatchObject({ address: null, listingUrl: null, description: '' });
  });

  it('stores a valid anonymous report and returns its reference and passphrase once', async () => {
    const res = await app.client().post('/api/reports', validReport());
    expect(res.status).toBe(201);
    expect(res.body.reference).toMatch(REFERENCE_REGEX);
    expect(res.body.passphrase).toMatch(/^[a-z]+(-[a-z]+){3}-[2-9a-z]{4}-[2-9a-z]{4}$/);
    expect(res.body).toMatchObject({ priority: 'standard', call999: false });

    const stored = await ReportModel.findOne({ reference: res.body.reference }).lean();
    expect(stored).toMatchObject({
      lat: BRIGHTON.lat,
      lng: BRIGHTON.lng,
      propertyType: 'S',
      indicators: [1, 7],
      status: 'new',
      priority: 'standard',
      forceId: 'sussex',
      filedBy: null,
      contact: null,
    });
    expect(stored!.cells).toEqual(cellKeys(BRIGHTON.lat, BRIGHTON.lng));
    expect(stored!.statusHistory.map((h) => h.status)).toEqual(['new']);
    expect(stored!.passphraseHash).toMatch(/^sha256\$[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(stored)).not.toContain(res.body.passphrase);
  });

  it('puts a report with a safeguarding indicator first and says when 999 applies', async () => {
    const res = await app.client().post('/api/reports', validReport({ indicators: [6, 3] }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ priority: 'safeguarding', call999: true });
  });

  it('emits report.created with the stored report', async () => {
    const seen: string[] = [];
    app.services.events.on('report.created', ({ report }) => {
      seen.push(report.reference);
    });
    const res = await app.client().post('/api/reports', validReport());
    expect(seen).toContain(res.body.reference);
  });

  it('suggests the registered property of the same type within 30 m, and only to police', async () => {
    const owner = await createUser(app.services, 'owner');
    const near = { lat: 50.83, lng: -0.14 };
    const properties = app.services.properties;
    const sameType = await properties.create(owner.id, { address: 'Flat 1', lat: near.lat + 0.0001, lng: near.lng, type: 'S' });
    await properties.create(owner.id, { address: 'Hotel', lat: near.lat, lng: near.lng, type: 'H' });
    await properties.create(owner.id, { address: 'Far', lat: near.lat + 0.001, lng: near.lng, type: 'S' });
    const res = await app.client().post('/api/reports', validReport({ location: near }));
    expect(res.status).toBe(201);
    expect(res.body).not.toHaveProperty('propertyId');
    const stored = await ReportModel.findOne({ reference: res.body.reference }).lean();
    expect(stored!.propertyId?.toString()).toBe(sameType._id.toString());

    const elsewhere = await app.client().post('/api/reports', validReport({ location: { lat: 50.84, lng: -0.15 } }));
    expect((await ReportModel.findOne({ reference: elsewhere.body.reference }).lean())!.propertyId).toBeNull();
  });

  it('stops suggesting a property once its owner moves or deletes it', async () => {
    const owner = await createUser(app.services, 'owner');
    const spot = { lat: 50.835, lng: -0.145 };
    const properties = app.services.properties;
    const flat = await properties.create(owner.id, { address: 'Flat 2', lat: spot.lat, lng: spot.lng, type: 'S' });
    const suggested = async () => {
      const res = await app.client().post('/api/reports', validReport({ location: spot }));
      return (await ReportModel.findOne({ reference: res.body.reference }).lean())!.propertyId?.toString() ?? null;
    };
    expect(await suggested()).toBe(flat._id.toString());
    await properties.update(owner.id, flat._id.toString(), { lat: spot.lat + 0.01, lng: spot.lng });
    expect(await suggested()).toBeNull();
    await properties.update(owner.id, flat._id.toString(), { lat: spot.lat, lng: spot.lng });
    expect(await suggested()).toBe(flat._id.toString());
    await properties.remove(owner.id, flat._id.toString());
    expect(await suggested()).toBeNull();
  });

  it('picks up properties written by another instance or a script', async () => {
    const owner = await createUser(app.services, 'owner');
    const spot = { lat: 50.825, lng: -0.155 };
    await app.services.properties.ready();
    const [written] = await PropertyModel.insertMany([
      { ownerId: owner.id, address: 'Flat 3', lat: spot.lat, lng: spot.lng, cells: cellKeys(spot.lat, spot.lng), type: 'S' },
    ]);
    await bumpPropertyVersion();
    await app.services.properties.reloadIfChanged();
    const res = await app.client().post('/api/reports', validReport({ location: spot }));
    const stored = await ReportModel.findOne({ reference: res.body.reference }).lean();
    expect(stored!.propertyId?.toString()).toBe(written!._id.toString());
  });

  it('stores each report once, under an id derived from its reference', async () => {
    const res = await app.client().post('/api/reports', validReport());
    const stored = await ReportModel.findOne({ reference: res.body.reference }).lean();
    expect(stored!._id.toString()).toBe(reportIdFor(res.body.reference).toString());
  });

  it('retries with a new reference when one is already taken', async () => {
    const first = await app.client().post('/api/reports', validReport());
    const queue = [first.body.reference, 'SW-2345-6789'];
    const service = new ReportService({
      forces: app.services.forces,
      events: app.services.events,
      properties: app.services.properties,
      newReference: () => queue.shift()!,
    });
    const input = ReportCreate.parse(validReport());
    const res = await service.create(input, null);
    expect(res.reference).toBe('SW-2345-6789');
    expect(await ReportModel.countDocuments({ reference: first.body.reference })).toBe(1);
    const followUp = await app.client().post('/api/reports/follow-up', { reference: 'SW-2345-6789', passphrase: res.passphrase });
    expect(followUp.status).toBe(200);
  });

  it('stores a burst of concurrent reports once each, even when two of them draw the same reference', async () => {
    const refs = Array.from({ length: 24 }, (_, i) => `SW-7777-${'23456789ABCDEFGHJKMNPQRSTVWXYZ'[i]}${'2345'[i % 4]}22`);
    const queue = [...refs.slice(0, 20)];
    queue[9] = queue[8]!;
    queue[15] = queue[3]!;
    queue.push(...refs.slice(20));
    const service = new ReportService({
      forces: app.services.forces,
      events: app.services.events,
      properties: app.services.properties,
      newReference: () => queue.shift()!,
    });
    const input = ReportCreate.parse(validReport());
    const created = await Promise.all(Array.from({ length: 20 }, () => service.create(input, null)));
    const references = created.map((c) => c.reference);
    expect(new Set(references).size).toBe(20);
    expect(await ReportModel.countDocuments({ reference: trusted({ $in: references }) })).toBe(20);
    for (const c of [created[8]!, created[9]!, created[15]!]) {
      const res = await app.client().post('/api/reports/follow-up', { reference: c.reference, passphrase: c.passphrase });
      expect(res.status).toBe(200);
    }
  });

  it('keeps optional contact details for police', async () => {
    const contact = { name: 'Sam', phone: '+44 7700 900123', email: 'Sam@Example.test' };
    const res = await app.client().post('/api/reports', validReport({ contact }));
    expect(res.status).toBe(201);
    const stored = await ReportModel.findOne({ reference: res.body.reference }).lean();
    expect(stored!.contact).toMatchObject({ name: 'Sam', phone: '+44 7700 900123', email: 'sam@example.test' });
  });

  it('records the signed-in host who filed it', async () => {
    const host = await createUser(app.services, 'host');
    const c = app.client();
    await c.login(host.email, host.password);
    const res = await c.post('/api/reports', validReport());
    expect(res.status).toBe(201);
    const stored = await ReportModel.findOne({ reference: res.body.reference }).lean();
    expect(stored!.filedBy?.toString()).toBe(host.id);
  });
});

describe('rejecting invalid reports with field details', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a report without a location', { location: undefined }, 'body.location'],
    ['a latitude of 91', { location: { lat: 91, lng: 0 } }, 'body.location.lat'],
    ['an unknown indicator', { indicators: [1, 99] }, 'body.indicators.1'],
    ['an indicator that does not apply to the property type', { propertyType: 'R', indicators: [12] }, 'body.indicators.0'],
    ['the same indicator twice', { indicators: [7, 7] }, 'body.indicators.1'],
    ['no indicators', { indicators: [] }, 'body.indicators'],
    ['a description that is too long', { description: 'x'.repeat(LIMITS.descriptionMax + 1) }, 'body.description'],
    ['an address that is too long', { address: 'x'.repeat(LIMITS.addressMax + 1) }, 'body.address'],
    ['observedTo before observedFrom', { observedFrom: hoursAgo(2), observedTo: hoursAgo(5) }, 'body.observedTo'],
    ['an observed time in the future', { observedTo: new Date(Date.now() + 86_400_000).toISOString() }, 'body.observedTo'],
    ['a date that is not a date', { observedFrom: 'yesterday' }, 'body.observedFrom'],
    ['a listing link that is not http(s)', { listingUrl: 'javascript:alert(1)' }, 'body.listingUrl'],
    ['an unknown property type', { propertyType: 'X' }, 'body.propertyType'],
    ['an unknown reporter role', { reporterRole: 'police' }, 'body.reporterRole'],
    ['an extra field status', { status: 'closed' }, 'body'],
    ['an extra field priority', { priority: 'safeguarding' }, 'body'],
    ['an extra field forceId', { forceId: 'surrey' }, 'body'],
    ['an unknown contact field', { contact: { name: 'A', address: 'x' } }, 'body.contact'],
  ];
  for (const [what, overrides, path] of cases) {
    it(`rejects ${what}`, async () => {
      const res = await app.client().post('/api/reports', validReport(overrides));
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(detailPaths(res.body)).toContain(path);
    });
  }

  const operatorFields: Array<[string, Record<string, unknown>, string]> = [
    ['address', { address: { $gt: '' } }, 'body.address'],
    ['description', { description: { $gt: '' } }, 'body.description'],
    ['propertyType', { propertyType: { $gt: '' } }, 'body.propertyType'],
    ['reporterRole', { reporterRole: { $ne: null } }, 'body.reporterRole'],
    ['observedFrom', { observedFrom: { $gt: '' } }, 'body.observedFrom'],
    ['listingUrl', { listingUrl: { $gt: '' } }, 'body.listingUrl'],
    ['location.lat', { location: { lat: { $gt: '' }, lng: 0 } }, 'body.location.lat'],
    ['indicators', { indicators: { $gt: '' } }, 'body.indicators'],
    ['contact.email', { contact: { email: { $gt: '' } } }, 'body.contact.email'],
  ];
  for (const [field, overrides, path] of operatorFields) {
    it(`rejects a query operator {"$gt": ""} in ${field}`, async () => {
      const res = await app.client().post('/api/reports', validReport(overrides));
      expect(res.status).toBe(400);
      expect(detailPaths(res.body)).toContain(path);
    });
  }

  it('rejects a __proto__ key as an unknown field, at the top level and nested', async () => {
    const base = JSON.stringify(validReport());
    const top = `${base.slice(0, -1)},"__proto__":{"status":"closed"}}`;
    const res = await app
      .client()
      .request('POST', '/api/reports', { body: top, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.some((d: { message: string }) => d.message.includes('__proto__'))).toBe(true);

    const nested = base.replace('"location":{', '"location":{"__proto__":{"x":1},');
    const res2 = await app
      .client()
      .request('POST', '/api/reports', { body: nested, headers: { 'content-type': 'application/json' } });
    expect(res2.status).toBe(400);
    expect(detailPaths(res2.body)).toContain('body.location');
    expect(({} as Record<string, unknown>).status).toBeUndefined();
  });

  it('answers any malformed body with 400 and field details, never a server error', async () => {
    const valid = validReport();
    const keys = Object.keys(valid);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), fc.jsonValue(), async (key, value) => {
        const body = { ...valid, [key]: value };
        const res = await app.client().post('/api/reports', body);
        expect([201, 400, 422]).toContain(res.status);
        if (res.status === 400) expect(res.body.error.details.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a point outside every force area with 422 and a clear message', async () => {
    const res = await app.client().post('/api/reports', validReport({ location: { lat: 55.9533, lng: -3.1883 } }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('outside_force_area');
    expect(res.body.error.message).toMatch(/outside every police force area/);
  });
});

describe('follow-up by reference and passphrase', () => {
  async function file() {
    const res = await app.client().post('/api/reports', validReport());
    return res.body as { reference: string; passphrase: string };
  }

  it('shows the public status, the date and the questions police asked, and nothing police-only', async () => {
    const since = Date.now();
    const { reference, passphrase } = await file();
    await ReportModel.updateOne(
      { reference },
      {
        $set: { status: 'triaged' },
        $push: { questions: { text: 'Which flat number?', at: new Date('2026-01-02T10:00:00Z'), by: null } },
      },
    );
    const res = await app
      .client()
      .post('/api/reports/follow-up', { reference: reference.toLowerCase(), passphrase: ` ${passphrase.toUpperCase()} ` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      reference,
      status: 'reviewed',
      statusText: 'Reviewed by police',
      createdOn: ukDaySince(since),
      questions: [{ text: 'Which flat number?', on: '2026-01-02' }],
      addenda: [],
    });
  });

  it('gives the same 404 for a wrong passphrase as for an unknown reference', async () => {
    const { reference } = await file();
    const wrong = await app.client().post('/api/reports/follow-up', { reference, passphrase: 'amber-oak-fox-reed-moss-11' });
    const unknown = await app
      .client()
      .post('/api/reports/follow-up', { reference: 'SW-2222-2222', passphrase: 'amber-oak-fox-reed-moss-11' });
    expect(wrong.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.text).toBe(unknown.text);
  });

  it('reads a police-rejected report as simply closed', async () => {
    const { reference, passphrase } = await file();
    await ReportModel.updateOne({ reference }, { $set: { status: 'rejected' } });
    const res = await app.client().post('/api/reports/follow-up', { reference, passphrase });
    expect(res.body).toMatchObject({ status: 'closed', statusText: 'Closed' });
  });

  it('adds an addendum, bumps updatedAt and emits report.updated', async () => {
    const { reference, passphrase } = await file();
    const before = (await ReportModel.findOne({ reference }).lean())!;
    const changes: string[][] = [];
    app.services.events.on('report.updated', (e) => {
      if (e.report.reference === reference) changes.push(e.changes);
    });
    // updatedAt has millisecond resolution: let the clock pass the report's own before adding to it.
    await waitFor(() => Date.now() > before.updatedAt.getTime());
    const since = Date.now();
    const res = await app
      .client()
      .post('/api/reports/follow-up/addendum', { reference, passphrase, text: 'The car was a grey hatchback.' });
    expect(res.status).toBe(200);
    expect(res.body.addenda).toEqual([{ text: 'The car was a grey hatchback.', on: ukDaySince(since), answers: null }]);
    const after = (await ReportModel.findOne({ reference }).lean())!;
    expect(after.addenda).toHaveLength(1);
    expect(after.updatedAt.getTime()).toBeGreaterThan(before.updatedAt.getTime());
    expect(changes).toEqual([['addenda']]);
  });

  it('dates an addendum by the London calendar day, which just after midnight in summer is a day ahead of UTC', async () => {
    const { reference, passphrase } = await file();
    // 23:30 UTC on 15 June is 00:30 on 16 June in London (BST). Only Date is faked; it keeps ticking.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-06-15T23:30:00Z'), shouldAdvanceTime: true });
    try {
      const res = await app.client().post('/api/reports/follow-up/addendum', { reference, passphrase, text: 'Seen again.' });
      expect(res.status).toBe(200);
      expect(res.body.addenda).toEqual([{ text: 'Seen again.', on: '2026-06-16', answers: null }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an addendum with a wrong passphrase and an empty one', async () => {
    const { reference, passphrase } = await file();
    const wrong = await app.client().post('/api/reports/follow-up/addendum', { reference, passphrase: 'nope', text: 'x' });
    expect(wrong.status).toBe(404);
    const empty = await app.client().post('/api/reports/follow-up/addendum', { reference, passphrase, text: '   ' });
    expect(empty.status).toBe(400);
    expect(detailPaths(empty.body)).toContain('body.text');
    expect((await ReportModel.findOne({ reference }).lean())!.addenda).toHaveLength(0);
  });
});

describe("a host's own reports", () => {
  it('lists the reports a signed-in host filed, and no one else’s', async () => {
    const host = await createUser(app.services, 'host');
    const c = app.client();
    await c.login(host.email, host.password);
    const a = await c.post('/api/reports', validReport());
    const b = await c.post('/api/reports', validReport({ indicators: [3] }));
    await app.client().post('/api/reports', validReport());
    const res = await c.get('/api/reports/mine');
    expect(res.status).toBe(200);
    expect(res.body.reports.map((r: { reference: string }) => r.reference).sort()).toEqual(
      [a.body.reference, b.body.reference].sort(),
    );
    expect(res.body.reports[0]).toMatchObject({ status: 'received', questions: [], addenda: [] });
    expect((await app.client().get('/api/reports/mine')).status).toBe(401);
  });

  it('refuses police the list of their own filed reports', async () => {
    const officer = await createUser(app.services, 'police');
    const c = app.client();
    await c.login(officer.email, officer.password);
    expect((await c.get('/api/reports/mine')).status).toBe(403);
  });
});

describe('rate limits', () => {
  it('returns 429 with Retry-After after too many reports, and for follow-up guesses', async () => {
    // Counters live in the database and are shared by every app on it: start this client with a fresh budget.
    await mongoose.connection.db!.collection(RATE_LIMITS).deleteMany({});
    const limited = await startTestApp({ REPORT_RATE_LIMIT: '2', FOLLOWUP_RATE_LIMIT: '2' });
    try {
      const c = limited.client();
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await c.post('/api/reports', validReport())).status);
      expect(statuses).toEqual([201, 201, 429]);
      const res = await c.post('/api/reports', validReport());
      expect(res.body.error.code).toBe('rate_limited');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);

      const guesses = [];
      const guess = { reference: 'SW-2222-2222', passphrase: 'wrong' };
      guesses.push((await c.post('/api/reports/follow-up', guess)).status);
      guesses.push((await c.post('/api/reports/follow-up/addendum', { ...guess, text: 'x' })).status);
      guesses.push((await c.post('/api/reports/follow-up', guess)).status);
      expect(guesses).toEqual([404, 404, 429]);
    } finally {
      await limited.close();
    }
  });
});
