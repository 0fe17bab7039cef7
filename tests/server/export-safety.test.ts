import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReports } from '../../server/demo/generate';
import { insertReports } from '../../server/demo/insert';
import { INDEX_PROJECTION, type IndexRecord, ReportIndex } from '../../server/map/report-index';
import { ReportModel } from '../../server/reports/report.model';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { csvRecords } from '../support/csv';
import { createUser } from '../support/factories';
import type { TestClient } from '../support/http';

let app: TestApp;
let sussex: TestClient;

beforeAll(async () => {
  app = await startTestApp({ LOG_LEVEL: 'silent' });
  await insertReports(generateReports(300, { seed: 11, locator: app.services.forces.locator, now: new Date() }));
  await app.services.mapIndex.build();
  const u = await createUser(app.services, 'police', { forceId: 'sussex' });
  sussex = app.client();
  await sussex.login(u.email, u.password);
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

/** Parses our CSV far enough to read one column (fields may be quoted). */
function column(csv: string, name: string): string[] {
  return csvRecords(csv).map((r) => r[name]!);
}

describe('exports', () => {
  it('write only the selected force even when the index is replaced between selecting and writing', async () => {
    const mapIndex = app.services.mapIndex;
    const original = mapIndex.index;
    // The same reports in the reverse slot order, as a rebuild could leave them: slot numbers now point elsewhere.
    const records = await ReportModel.collection.find({}, { projection: INDEX_PROJECTION }).toArray();
    const swapped = new ReportIndex(records.length + 16);
    for (const r of records.reverse()) swapped.upsert(r as unknown as IndexRecord);
    const triage = app.services.triage;
    const audit = triage.audit.bind(triage);
    triage.audit = async (...args: Parameters<typeof triage.audit>) => {
      mapIndex.index = swapped; // a rebuild or compaction lands while the export awaits
      return audit(...args);
    };
    try {
      const res = await sussex.get('/api/reports/export?format=csv');
      expect(res.status).toBe(200);
      const forces = column(res.text, 'Falls within');
      expect(forces.length).toBeGreaterThan(10);
      expect(new Set(forces)).toEqual(new Set(['Sussex Police']));
      expect(Number(res.headers.get('x-total-count'))).toBe(forces.length);
    } finally {
      triage.audit = audit;
      mapIndex.index = original;
    }
  });

  it('neutralise spreadsheet formulas in text cells, and keep numbers as numbers', async () => {
    const payloads = ['=HYPERLINK("https://evil.example","open")', "+cmd|' /C calc'!A0", '@SUM(1+1)', '-2+3'];
    for (const address of payloads) {
      const res = await app.client().post('/api/reports', {
        location: { lat: 50.8225, lng: -0.1372 },
        address,
        propertyType: 'S',
        indicators: [1],
        description: 'Formula test',
        observedFrom: new Date(Date.now() - 7_200_000).toISOString(),
        observedTo: new Date(Date.now() - 3_600_000).toISOString(),
        reporterRole: 'neighbour',
      });
      expect(res.status).toBe(201);
    }
    const csv = (await sussex.get('/api/reports/export?format=csv')).text;
    const locations = column(csv, 'Location');
    for (const p of payloads) {
      expect(locations).toContain(`'${p}`);
      expect(locations).not.toContain(p);
    }
    // Longitudes west of Greenwich are negative numbers, not escaped text.
    expect(column(csv, 'Longitude').some((v) => /^-\d/.test(v))).toBe(true);
  });
});
