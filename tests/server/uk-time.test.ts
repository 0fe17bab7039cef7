import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInLockedEmail } from '../../server/accounts/account-mail';
import { EXPORT_COLUMNS, INDICATOR_COLUMNS } from '../../shared/schemas/police';
import { INDICATOR_IDS } from '../../shared/taxonomy';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { csvRecords } from '../support/csv';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

let app: TestApp;
let sussex: TestClient;

/** Reports observed around both 2026 clock changes and on a summer night, each at its own street in Brighton. */
const WINDOWS = {
  springBefore: ['2026-03-29T00:10:00Z', '2026-03-29T00:50:00Z'], // Sun 00:10–00:50 GMT
  springAfter: ['2026-03-29T01:10:00Z', '2026-03-29T01:50:00Z'], // Sun 02:10–02:50 BST
  autumnFirst: ['2026-10-25T00:10:00Z', '2026-10-25T00:50:00Z'], // Sun 01:10–01:50 BST
  autumnSecond: ['2026-10-25T01:10:00Z', '2026-10-25T01:50:00Z'], // Sun 01:10–01:50 GMT (the repeated hour)
  summerNight: ['2026-06-30T23:30:00Z', '2026-06-30T23:45:00Z'], // Wed 30 June 23:30 UTC = Thu 1 July 00:30 BST
  acrossSpring: ['2026-03-29T00:00:00Z', '2026-03-29T02:00:00Z'], // 00:00 GMT – 03:00 BST: local hours 0 and 2
} as const;
type Name = keyof typeof WINDOWS;
const refs = new Map<Name, string>();

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  const u = await createUser(app.services, 'police', { forceId: 'sussex' });
  sussex = app.client();
  await sussex.login(u.email, u.password);
  let n = 0;
  for (const [name, [from, to]] of Object.entries(WINDOWS) as Array<[Name, readonly [string, string]]>) {
    n++;
    const res = await app.client().post('/api/reports', {
      location: { lat: 50.82 + n / 1000, lng: -0.14 },
      address: `${n} Clockwork Street, Brighton`,
      propertyType: 'S',
      indicators: [1, 7],
      description: `Visitors at all hours (${name}).`,
      observedFrom: from,
      observedTo: to,
      reporterRole: 'cleaner',
    });
    expect(res.status).toBe(201);
    refs.set(name, res.body.reference);
  }
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

/** The timeline for one report only (each has its own street; the index takes a report in before its 201). */
async function timelineOf(name: Name): Promise<{ days: Array<{ date: string; count: number }>; hourWeekday: number[][] }> {
  const street = Object.keys(WINDOWS).indexOf(name) + 1;
  const res = await sussex.get(`/api/map/timeline?q=${encodeURIComponent(`${street} Clockwork Street`)}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The non-zero cells of an hour × weekday matrix as "weekday:hour" → weight (Monday = 0). */
const cells = (m: number[][]) =>
  Object.fromEntries(m.flatMap((row, d) => row.flatMap((v, h) => (v > 0 ? [[`${d}:${h}`, v]] : []))));

describe('the hour × weekday chart and the daily counts', () => {
  it('count in UK local hours on both sides of the spring change, where 01:00 local never happens', async () => {
    expect(cells((await timelineOf('springBefore')).hourWeekday)).toEqual({ '6:0': 1 });
    expect(cells((await timelineOf('springAfter')).hourWeekday)).toEqual({ '6:2': 1 });
    expect(cells((await timelineOf('acrossSpring')).hourWeekday)).toEqual({ '6:0': 0.5, '6:2': 0.5 });
  });

  it('put both of the autumn 01:00 hours (BST, then GMT) in local hour 1', async () => {
    expect(cells((await timelineOf('autumnFirst')).hourWeekday)).toEqual({ '6:1': 1 });
    expect(cells((await timelineOf('autumnSecond')).hourWeekday)).toEqual({ '6:1': 1 });
  });

  it('count a report seen at 00:30 BST on the UK day and weekday it happened, not the UTC one', async () => {
    const t = await timelineOf('summerNight');
    expect(t.days).toEqual([{ date: '2026-07-01', count: 1 }]);
    expect(cells(t.hourWeekday)).toEqual({ '2:0': 1 });
  });
});

describe('the CSV export', () => {
  it('writes police.uk columns with the force, the reporter role in its own column and times with their UK offset', async () => {
    const res = await sussex.get('/api/reports/export?format=csv&q=Clockwork');
    expect(res.status).toBe(200);
    const rows = csvRecords(res.text);
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS]);
    const byRef = new Map(rows.map((r) => [r.ID, r]));
    expect(byRef.size).toBe(refs.size);

    const summer = byRef.get(refs.get('summerNight')!)!;
    expect(summer).toMatchObject({
      Month: '2026-07',
      'Reported by': 'Sussex Police',
      'Falls within': 'Sussex Police',
      'Property type': 'Short-let, holiday let or second home',
      'Reporter role': 'Cleaner or maintenance',
      Priority: 'standard',
      Status: 'new',
      'Observed from': '2026-07-01T00:30:00+01:00',
      'Observed to': '2026-07-01T00:45:00+01:00',
    });
    expect(summer['Reported at']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[01]:00$/);
    expect(Date.parse(summer['Reported at']!)).toBeGreaterThan(Date.now() - 3_600_000);

    expect(byRef.get(refs.get('autumnFirst')!)!['Observed from']).toBe('2026-10-25T01:10:00+01:00');
    expect(byRef.get(refs.get('autumnSecond')!)!['Observed from']).toBe('2026-10-25T01:10:00+00:00');
    expect(byRef.get(refs.get('springAfter')!)!['Observed from']).toBe('2026-03-29T02:10:00+01:00');
    // Every written time names the same instant as the report's.
    expect(Date.parse(byRef.get(refs.get('autumnSecond')!)!['Observed from']!)).toBe(Date.parse(WINDOWS.autumnSecond[0]));
  });

  it('writes one 0/1 column per indicator', async () => {
    const rows = csvRecords((await sussex.get('/api/reports/export?format=csv&q=Clockwork')).text);
    expect(INDICATOR_COLUMNS).toHaveLength(INDICATOR_IDS.length);
    expect(rows.length).toBeGreaterThan(0); // the loop below checks something
    for (const row of rows) {
      const set = INDICATOR_COLUMNS.filter((c) => row[c] === '1');
      expect(set).toEqual(['Indicator 1', 'Indicator 7']);
      expect(INDICATOR_COLUMNS.every((c) => row[c] === '0' || row[c] === '1')).toBe(true);
    }
  });

  it('is described column by column in the README data dictionary', () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');
    const dictionary = readme.slice(readme.indexOf('Data dictionary of the CSV'));
    const named = new Set([...dictionary.matchAll(/^\| `([^`]+)`(?:, `([^`]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]));
    expect(EXPORT_COLUMNS.filter((c) => !named.has(c))).toEqual([]);
  });

  it('gives GeoJSON features the same properties, with numbers for the indicator columns', async () => {
    const res = await sussex.get('/api/reports/export?format=geojson&q=Clockwork');
    const feature = JSON.parse(res.text).features.find(
      (f: { properties: Record<string, unknown> }) => f.properties.ID === refs.get('autumnSecond'),
    );
    expect(feature.properties).toMatchObject({
      'Observed from': '2026-10-25T01:10:00+00:00',
      'Indicator 7': 1,
      'Indicator 2': 0,
    });
  });
});

describe('emails', () => {
  it('say when a sign-in lock ends in UK time, GMT or BST, on either side of a clock change', () => {
    const url = 'https://staywatch.example/sign-in';
    expect(signInLockedEmail({ until: new Date('2026-10-25T00:30:00Z'), signInUrl: url }).text).toContain(
      'at 01:30 BST on 25 October 2026',
    );
    expect(signInLockedEmail({ until: new Date('2026-10-25T01:30:00Z'), signInUrl: url }).text).toContain(
      'at 01:30 GMT on 25 October 2026',
    );
    expect(signInLockedEmail({ until: new Date('2026-03-29T01:30:00Z'), signInUrl: url }).text).toContain(
      'at 02:30 BST on 29 March 2026',
    );
  });
});
