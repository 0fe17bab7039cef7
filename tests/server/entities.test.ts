import zlib from 'node:zlib';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntityIndex } from '../../server/entities/entity-index';
import { MapIndex } from '../../server/map/map-index';
import { reportIdFor } from '../../server/reports/report-id';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { parseCsv } from '../support/csv';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

const BRIGHTON = { lat: 50.8225, lng: -0.1372 };
const HOVE = { lat: 50.8279, lng: -0.1688 };
const GUILDFORD = { lat: 51.2362, lng: -0.5704 };
const HOUR = 3_600_000;

let app: TestApp;
let sussex: TestClient;
let surrey: TestClient;
let admin: TestClient;
let owner: TestClient;

beforeAll(async () => {
  app = await startTestApp();
  const login = async (role: 'police' | 'police_admin' | 'owner', forceId?: string) => {
    const u = await createUser(app.services, role, forceId ? { forceId } : {});
    const c = app.client();
    expect((await c.login(u.email, u.password)).status).toBe(200);
    return c;
  };
  sussex = await login('police', 'sussex');
  surrey = await login('police', 'surrey');
  admin = await login('police_admin');
  owner = await login('owner');
});
afterAll(async () => {
  await app?.close();
  await dropTestDatabase();
});

let n = 0;
/** Files a real report through the public API; returns its id, reference and passphrase. */
async function file(extra: Record<string, unknown>, at = BRIGHTON, hoursAgo = 5) {
  n++;
  const now = Date.now();
  const res = await app.client().post('/api/reports', {
    location: at,
    address: `${n} Entity Street`,
    propertyType: 'S',
    indicators: [1],
    observedFrom: new Date(now - hoursAgo * HOUR).toISOString(),
    observedTo: new Date(now - (hoursAgo - 1) * HOUR).toISOString(),
    reporterRole: 'neighbour',
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  return {
    id: reportIdFor(res.body.reference).toHexString(),
    reference: res.body.reference as string,
    passphrase: res.body.passphrase,
  };
}

const key = (k: string) => encodeURIComponent(k);
/** CSV rows as objects keyed by the header. */
function records(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text).filter((r) => r.length > 1);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

describe('linking reports by entity', () => {
  it('links phone numbers written in different ways, and says they were written differently', async () => {
    const a = await file({ phones: ['07700 900123'] });
    const b = await file({ description: 'A card on the table said text +44 7700 900 123 for anything.' });
    const c = await file({ description: 'The guests kept calling 07700900123 all night.' });
    const res = await sussex.get(`/api/reports/${a.id}/entities`);
    expect(res.status).toBe(200);
    expect(res.body.entities).toEqual([
      expect.objectContaining({
        key: 'phone:+447700900123',
        kind: 'phone',
        label: '+44 7700 900123',
        reports: 2,
        otherForce: false,
      }),
    ]);
    const linked = res.body.linked as Array<{ reference: string; reasons: Array<{ why: string }> }>;
    expect(linked.map((l) => l.reference).sort()).toEqual([b.reference, c.reference].sort());
    for (const l of linked) expect(l.reasons[0]!.why).toBe('same number, written differently');
  });

  it('links Airbnb listings given with different hosts and query strings', async () => {
    const a = await file({ listingUrl: 'https://www.airbnb.co.uk/rooms/48151623?adults=2&check_in=2026-11-01' });
    const b = await file({
      description: 'Booked through https://airbnb.com/rooms/48151623?source_impression_id=p3_17 apparently',
    });
    const c = await file({ listingUrl: 'https://m.airbnb.ie/rooms/48151623#reviews' });
    const res = await sussex.get(`/api/reports/${b.id}/entities`);
    expect(res.body.entities[0]).toMatchObject({ key: 'listing:airbnb:48151623', label: 'Airbnb room 48151623', reports: 2 });
    expect((res.body.linked as Array<{ reference: string }>).map((l) => l.reference).sort()).toEqual(
      [a.reference, c.reference].sort(),
    );
    expect(res.body.linked[0].reasons[0].why).toBe('same listing, different link');
  });

  it('finds registration marks in text and links them to the structured field', async () => {
    const a = await file({ description: 'A black Audi, reg AB12 CDE, drops off every evening; later a P123 XYZ.' });
    const b = await file({ vehicles: ['ab12cde'] }, HOVE);
    const res = await sussex.get(`/api/entities/${key('vehicle:AB12CDE')}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'vehicle', label: 'AB12 CDE', properties: 2, otherForce: false });
    expect((res.body.reports as Array<{ reference: string; raw: string }>).map((r) => [r.reference, r.raw])).toEqual([
      [a.reference, 'AB12 CDE'],
      [b.reference, 'ab12cde'],
    ]);
    const prefix = await sussex.get(`/api/reports/${a.id}/entities`);
    expect(prefix.body.entities.map((e: { key: string }) => e.key)).toEqual(['vehicle:AB12CDE', 'vehicle:P123XYZ']);
  });

  it('finds entities from the search box by any way of writing them, or by their start', async () => {
    await file({ lineNames: ['the Bravo line'], phones: ['07700 900777'] });
    const exact = await sussex.get(`/api/entities/search?q=${encodeURIComponent('+44 (0)7700-900-777')}`);
    expect(exact.body.items[0]).toMatchObject({ key: 'phone:+447700900777', matchedBy: 'exact', reports: 1 });
    const line = await sussex.get('/api/entities/search?q=bravo');
    expect(line.body.items[0]).toMatchObject({ key: 'line:bravo', label: 'Bravo line', matchedBy: 'prefix' });
    const start = await sussex.get('/api/entities/search?q=07700%20900');
    const keys = (start.body.items as Array<{ key: string }>).map((i) => i.key);
    expect(keys).toEqual(expect.arrayContaining(['phone:+447700900123', 'phone:+447700900777']));
  });

  it("finds the reports of an entity from the workspace's one search box, within the officer's force", async () => {
    const near = await file({ description: 'Text from 07700 900565 offering a delivery' });
    const far = await file({ phones: ['+44 7700 900 565'] }, GUILDFORD);
    const found = await sussex.get(`/api/reports/search?q=${encodeURIComponent('07700900565')}`);
    expect(found.status, found.text).toBe(200);
    expect(found.body.items.map((i: { reference: string; matchedBy: string }) => [i.reference, i.matchedBy])).toEqual([
      [near.reference, 'entity'],
    ]);
    const theirs = await surrey.get(`/api/reports/search?q=${encodeURIComponent('(0)7700-900-565')}`);
    expect(theirs.body.items.map((i: { reference: string }) => i.reference)).toEqual([far.reference]);
  });
});

describe('boundaries', () => {
  it('shows another force only that the entity is also reported there, and an admin both', async () => {
    const mine = await file({ phones: ['07700 900555'] });
    const theirs = await file({ description: 'Deal line 07700 900 555 on a card' }, GUILDFORD);

    const own = await sussex.get(`/api/entities/${key('phone:+447700900555')}`);
    expect(own.status).toBe(200);
    expect(own.body.otherForce).toBe(true);
    expect(own.body.reports.map((r: { reference: string }) => r.reference)).toEqual([mine.reference]);
    expect(own.text).not.toContain(theirs.reference);
    expect(own.text).not.toContain(theirs.id);
    const links = await sussex.get(`/api/reports/${mine.id}/entities`);
    expect(links.body.entities[0]).toMatchObject({ reports: 0, otherForce: true });
    expect(links.body.linked).toEqual([]);
    expect((await sussex.get(`/api/reports/${theirs.id}/entities`)).status).toBe(404);
    const pack = await sussex.get(`/api/entities/${key('phone:+447700900555')}/pack?format=csv`);
    expect(pack.text).not.toContain(theirs.reference);

    const other = await surrey.get(`/api/entities/${key('phone:+447700900555')}`);
    expect(other.body.reports.map((r: { reference: string }) => r.reference)).toEqual([theirs.reference]);
    expect(other.body.otherForce).toBe(true);

    const both = await admin.get(`/api/entities/${key('phone:+447700900555')}`);
    expect(both.body.reports.map((r: { forceId: string }) => r.forceId).sort()).toEqual(['surrey', 'sussex']);
    // An entity only another force has is not found at all.
    const only = await file({ phones: ['07700 900556'] }, GUILDFORD);
    expect((await sussex.get(`/api/entities/${key('phone:+447700900556')}`)).status).toBe(404);
    expect((await sussex.get('/api/entities/search?q=07700900556')).body.items).toEqual([]);
    expect((await surrey.get(`/api/reports/${only.id}/entities`)).status).toBe(200);
  });

  it("never links the reporter's own contact details", async () => {
    const contact = { name: 'Sam', phone: '07700 900999', email: 'sam.07700900999@example.test' };
    const a = await file({ contact, description: 'Please call me on 07700900999 if you need more.' });
    const b = await file({ contact: { phone: '+44 7700 900 999' }, phones: ['07700 900 999'] });
    for (const r of [a, b]) {
      const res = await sussex.get(`/api/reports/${r.id}/entities`);
      expect(res.body).toEqual({ entities: [], linked: [] });
    }
    expect((await sussex.get(`/api/entities/${key('phone:+447700900999')}`)).status).toBe(404);
    expect((await sussex.get('/api/entities/search?q=07700900999')).body.items).toEqual([]);
  });

  it('keeps entities out of owner and reporter views', async () => {
    const r = await file({ phones: ['07700 900444'], vehicles: ['XY65 ZZZ'] });
    const follow = await app.client().post('/api/reports/follow-up', { reference: r.reference, passphrase: r.passphrase });
    expect(follow.status).toBe(200);
    expect(follow.text).not.toMatch(/7700|XY65|entities/i);
    expect((await owner.get(`/api/entities/${key('phone:+447700900444')}`)).status).toBe(403);
    expect((await owner.get(`/api/reports/${r.id}/entities`)).status).toBe(403);
    expect((await app.client().get('/api/entities/search?q=07700900444')).status).toBe(401);
  });
});

describe('evidence pack', () => {
  it('holds every report with UK times, places, types, indicators, status and linked reports, and is audited', async () => {
    // Winter (GMT) and summer (BST) observations, so UK local time is visible in the offsets.
    const a = await file(
      { phones: ['07700 900321'], vehicles: ['GH11 JKL'], address: '4 Pack Road, Brighton' },
      BRIGHTON,
      24 * 200,
    );
    const b = await file({ description: 'text 07700 900 321', address: '9 Deal Lane, Hove', indicators: [1, 7] }, HOVE, 30);
    const c = await file({ vehicles: ['GH11JKL'] }, HOVE, 10);
    const csv = await sussex.get(`/api/entities/${key('phone:+447700900321')}/pack?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="staywatch-pack-phone-\+447700900321-.*\.csv"/);
    const rows = records(csv.text);
    expect(rows.map((r) => r.Reference)).toEqual([a.reference, b.reference]);
    expect(rows[0]).toMatchObject({
      Address: '4 Pack Road, Brighton',
      'Property type': 'Short-let, holiday let or second home',
      Status: 'new',
      Priority: 'standard',
      Force: 'Sussex Police',
      'Written as': '07700 900321',
      // Linked by another entity (the vehicle), under its label; b, linked only by the pack's own number, is a row.
      'Linked reports': `GH11 JKL: ${c.reference}`,
    });
    expect(rows[1]!['Linked reports']).toBe('');
    expect(rows[0]!['Observed from (UK time)']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[01]:00$/);
    expect(rows[1]!.Indicators).toContain(';');

    const html = await sussex.get(`/api/entities/${key('phone:+447700900321')}/pack?format=html`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-security-policy')).toMatch(/default-src 'none'; style-src 'sha256-/);
    expect(html.text).toContain('Evidence pack: Phone number +44 7700 900321');
    expect(html.text).toMatch(/<dt>Number of reports<\/dt><dd>2<\/dd>/);
    expect(html.text).toMatch(/<dt>Properties involved<\/dt><dd>2<\/dd>/);
    expect(html.text).toMatch(/<dt>First seen<\/dt><dd>[^<]+ (GMT|BST)<\/dd>/);
    expect(html.text).toContain('<svg');
    expect((html.text.match(/<circle /g) ?? []).length).toBe(2);
    expect(html.text).not.toMatch(/<script|style=/);

    const audit = await admin.get('/api/audit?action=entity.export');
    const entries = audit.body.items as Array<{ details: { key: string; format: string; count: number } }>;
    expect(entries.map((e) => e.details)).toEqual(
      expect.arrayContaining([
        { key: 'phone:+447700900321', format: 'csv', count: 2 },
        { key: 'phone:+447700900321', format: 'html', count: 2 },
      ]),
    );
  });
});

describe('long lists come a page at a time', () => {
  it('pages an entity with more reports than a page, oldest first, with the total and a summary over all of them', async () => {
    const filed = [];
    for (let h = 6; h >= 2; h--) filed.push(await file({ phones: ['07700 900600'], indicators: [h] }, BRIGHTON, h * 24));
    const pages: Array<{ total: number; next?: string; reports: Array<{ reference: string }> }> = [];
    let cursor = '';
    do {
      const res = await sussex.get(`/api/entities/${key('phone:+447700900600')}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toMatchObject({ total: 5, properties: 5 });
      expect(res.body.indicators).toHaveLength(5);
      pages.push(res.body);
      cursor = res.body.next ?? '';
    } while (cursor);
    expect(pages.map((p) => p.reports.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.reports.map((r) => r.reference))).toEqual(filed.map((f) => f.reference));
    expect(pages.at(-1)!.next).toBeUndefined();
    expect((await sussex.get(`/api/entities/${key('phone:+447700900600')}?limit=201`)).status).toBe(400);
  });

  it("pages a report's linked reports: most shared entities first, then newest, with the total", async () => {
    const a = await file({ phones: ['07700 900700'], vehicles: ['LP19 ABC'] }, BRIGHTON, 100);
    const older = await file({ phones: ['07700 900700'] }, BRIGHTON, 90);
    const both = await file({ phones: ['07700 900700'], vehicles: ['LP19ABC'] }, BRIGHTON, 80);
    const newer = await file({ phones: ['07700 900700'] }, BRIGHTON, 10);
    const car = await file({ vehicles: ['LP19 ABC'] }, BRIGHTON, 50);
    const first = await sussex.get(`/api/reports/${a.id}/entities?limit=2`);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ linkedTotal: 4, next: '2' });
    expect(first.body.entities.map((e: { reports: number }) => e.reports)).toEqual([3, 2]);
    const second = await sussex.get(`/api/reports/${a.id}/entities?limit=2&cursor=${first.body.next}`);
    expect(second.body.linkedTotal).toBe(4);
    expect(second.body.next).toBeUndefined();
    const order = [...first.body.linked, ...second.body.linked].map((l: { reference: string }) => l.reference);
    expect(order).toEqual([both.reference, newer.reference, car.reference, older.reference]);
    expect(first.body.linked[0].reasons.map((r: { key: string }) => r.key)).toEqual(['phone:+447700900700', 'vehicle:LP19ABC']);
    // One page holds them all: the payload is as before, with no paging fields.
    const whole = await sussex.get(`/api/reports/${a.id}/entities`);
    expect(whole.body.linked).toHaveLength(4);
    expect(whole.body).not.toHaveProperty('next');
    expect(whole.body).not.toHaveProperty('linkedTotal');
  });

  it("caps a pack row's linked reports per entity and says how many more", async () => {
    const row = await file({ lineNames: ['the Kilo line'], vehicles: ['KX70 KLM'] }, BRIGHTON, 200);
    const sharing = [];
    for (let h = 9; h >= 1; h--) sharing.push(await file({ vehicles: ['KX70KLM'] }, HOVE, h * 10));
    const csv = await sussex.get(`/api/entities/${key('line:kilo')}/pack?format=csv`);
    expect(csv.status).toBe(200);
    const [only] = records(csv.text);
    const newest = sharing.slice(-5).reverse().map((r) => r.reference);
    expect(only!.Reference).toBe(row.reference);
    expect(only!['Linked reports']).toBe(`KX70 KLM: ${newest.join(' ')} (+4 more)`);
  });
});

describe('the entity index', () => {
  const id = (n: number) => n.toString(16).padStart(24, '0');
  const phone = {
    key: 'phone:+447700900001',
    kind: 'phone' as const,
    label: '+44 7700 900001',
    raw: '07700900001',
    source: 'field' as const,
  };

  it("keeps each entity's reports in order of observation, however they arrive, move and leave", () => {
    const ix = new EntityIndex();
    ix.set(id(1), [phone], 3000, 1);
    ix.set(id(2), [phone], 1000, 2);
    ix.set(id(3), [phone], 2000, 3);
    expect(ix.reportsOf(phone.key)).toEqual([id(2), id(3), id(1)]);
    ix.set(id(2), [phone], 5000, 2);
    expect(ix.reportsOf(phone.key)).toEqual([id(3), id(1), id(2)]);
    ix.remove(id(1));
    expect(ix.reportsOf(phone.key)).toEqual([id(3), id(2)]);
    const copy = new EntityIndex();
    copy.load(ix.encode());
    expect(copy.reportsOf(phone.key)).toEqual([id(3), id(2)]);
    expect(copy.labelOf(phone.key)).toBe('+44 7700 900001');
    ix.remove(id(2));
    ix.remove(id(3));
    expect(ix.has(phone.key)).toBe(false);
    expect(ix.reportCount).toBe(0);
  });

  it('keeps no place (in memory or in its snapshot section) for reports that mention nothing', () => {
    const ix = new EntityIndex();
    const facts = (n: number) => ({ forceId: 'sussex', indicators: [], address: `${n} Sea Road`, lat: 50.8, lng: -0.1 });
    for (let n = 1; n <= 50; n++) ix.set(id(n), [], n, n, facts(n));
    ix.set(id(51), [phone], 51, 51, facts(51));
    const section = JSON.parse(zlib.inflateRawSync(ix.encode()).toString()) as { places: string[]; reports: unknown[] };
    expect(section.reports).toHaveLength(1);
    expect(section.places).toEqual(['51 sea road']);
    expect(ix.reportsOf(phone.key)).toEqual([id(51)]);
  });

  it('asks for a backfill when a snapshot section is of the older format', () => {
    const ix = new EntityIndex();
    const old = zlib.deflateRawSync(Buffer.from(JSON.stringify({ format: 1, labels: [], reports: [[id(1), [phone]]] })));
    ix.load(old);
    expect(ix.needsBackfill).toBe(true);
    expect(ix.reportCount).toBe(0);
  });
});

describe('keeping the entity index', () => {
  it('removes mentions with their reports when retention deletes them', async () => {
    const old = await file({ phones: ['07700 900888'] });
    const kept = await file({ phones: ['07700 900888'] });
    const past = new Date(Date.now() - 400 * 86_400_000);
    await mongoose.connection
      .db!.collection('reports')
      .updateOne({ _id: new mongoose.Types.ObjectId(old.id) }, { $set: { createdAt: past } });
    await app.services.retention.run();
    const res = await sussex.get(`/api/entities/${key('phone:+447700900888')}`);
    expect(res.body.reports.map((r: { reference: string }) => r.reference)).toEqual([kept.reference]);
    expect(app.services.entityIndex.mentionsOf(old.id)).toEqual([]);
  });

  it('converges on another instance from the snapshot and the change log', async () => {
    const before = await file({ phones: ['07700 900111'] });
    await app.services.mapIndex.snapshotIfDue({ force: true });
    const after = await file({ description: 'the number is 07700 900 111' });
    await app.services.mapIndex.changes.flush();
    const other = new MapIndex(app.services.logger);
    const entities = new EntityIndex();
    other.follow(entities);
    await other.build();
    expect([...entities.reportsOf('phone:+447700900111')].sort()).toEqual([before.id, after.id].sort());
    expect(entities.needsBackfill).toBe(false);
  });

  it('lists the network of the current selection', async () => {
    const res = await sussex.get('/api/entities/network?limit=500');
    expect(res.status).toBe(200);
    const phone = (res.body.entities as Array<{ key: string; reportIds: string[] }>).find((e) => e.key === 'phone:+447700900123');
    expect(phone?.reportIds).toHaveLength(3);
    expect(res.body.reports.length).toBeGreaterThan(3);
  });
});

describe('summaries of long lists', () => {
  const hex = (n: number) => (0xabc000 + n).toString(16).padStart(24, '0');
  const record = (n: number, forceId: string, indicators: number[]) => ({
    _id: hex(n),
    reference: `SW-TEST-${String(n).padStart(4, '0')}`,
    lat: 50.82 + n / 1e4,
    lng: -0.137,
    address: null,
    propertyType: 'S',
    indicators,
    priority: 'standard',
    status: 'new',
    forceId,
    observedFrom: new Date(Date.UTC(2026, 5, 1) + n * 3_600_000),
    observedTo: new Date(Date.UTC(2026, 5, 1) + n * 3_600_000 + 1_800_000),
    createdAt: new Date(Date.UTC(2026, 6, 1) + n * 1000),
    entities: [{ key: 'line:long', kind: 'line' as const, label: 'Long line', raw: 'long line', source: 'field' as const }],
  });

  it('follows every change to a long list: a report joining, leaving, changing force or indicators', async () => {
    const { ReportIndex } = await import('../../server/map/report-index');
    const { EntityService } = await import('../../server/entities/entities.service');
    const ix = new ReportIndex(1024);
    const entities = new EntityIndex();
    // What MapIndex does with each record it applies: the report index, then its followers.
    const apply = (r: ReturnType<typeof record>) => {
      ix.upsert(r);
      entities.upsert(r);
    };
    for (let n = 0; n < 300; n++) apply(record(n, 'sussex', [1]));
    const svc = new EntityService({ mapIndex: { index: ix } as unknown as MapIndex, entities });
    const officer = { user: { id: 'o', role: 'police', forceId: 'sussex' } } as unknown as Parameters<typeof svc.detail>[0];
    const first = svc.detail(officer, 'line:long');
    expect(first).toMatchObject({
      total: 300,
      properties: 300,
      otherForce: false,
      indicators: [{ id: 1, count: 300 }],
      next: '50',
    });
    expect(first.reports).toHaveLength(50);

    // A report at the place of another (the position to ~10 m) is not another property.
    apply({ ...record(300, 'sussex', [1]), lat: 50.82 + 299 / 1e4 + 1e-6 });
    expect(svc.detail(officer, 'line:long')).toMatchObject({ total: 301, properties: 300 });
    apply(record(7, 'surrey', [1]));
    expect(svc.detail(officer, 'line:long')).toMatchObject({ total: 300, otherForce: true });
    apply(record(8, 'sussex', [1, 5]));
    expect(svc.detail(officer, 'line:long').indicators).toEqual([
      { id: 1, count: 300 },
      { id: 5, count: 1 },
    ]);
    ix.remove(hex(9));
    entities.remove(hex(9));
    const last = svc.detail(officer, 'line:long', { cursor: '250' });
    expect(last).toMatchObject({ total: 299 });
    expect(last.reports).toHaveLength(49);
    expect(last.next).toBeUndefined();
    expect(last.reports.at(-1)!.reference).toBe('SW-TEST-0300');
  });
});
