import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvObjects, parseCsv } from '../../shared/csv';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import { PostcodesServer } from '../support/postcodes-server';

// Issue 13, owner: finding an address or postcode through a postcodes.io-compatible geocoder (a local server here),
// and importing a letting agency's properties from a CSV file with an error for each rejected row.

let app: TestApp;
let offline: TestApp;
let geo: PostcodesServer;
beforeAll(async () => {
  geo = await new PostcodesServer().start();
  app = await startTestApp({ GEOCODER_URL: geo.url });
});
afterAll(async () => {
  await offline?.close();
  await app.close();
  await geo.stop();
  await dropTestDatabase();
});

async function owner(on: TestApp = app) {
  const u = await createUser(on.services, 'owner');
  const c = on.client();
  await c.login(u.email, u.password);
  return c;
}

describe('the CSV parser', () => {
  it('reads quoted commas, doubled quotes, line breaks in quotes, CRLF and a byte-order mark, with line numbers', () => {
    const text = '\uFEFFaddress,type\r\n"1 Sea Road, Hove",S\r\n"The ""Old"" Mill\nLane",H\r\n\r\nlast,R';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['address', 'type'] },
      { line: 2, fields: ['1 Sea Road, Hove', 'S'] },
      { line: 3, fields: ['The "Old" Mill\nLane', 'H'] },
      { line: 6, fields: ['last', 'R'] },
    ]);
    expect(csvObjects('Address,Listing URL\nx,y').rows[0]!.values).toEqual({ address: 'x', listingurl: 'y' });
  });
});

describe('finding an address or postcode', () => {
  it('finds a postcode typed in lower case without a space, and a town, through the provider', async () => {
    const c = await owner();
    const byPostcode = await c.get('/api/geocode?q=bn11aa');
    expect(byPostcode.status).toBe(200);
    expect(byPostcode.body).toEqual({
      available: true,
      results: [{ label: 'BN1 1AA, Brighton and Hove', lat: 50.8225, lng: -0.1372 }],
    });
    const byTown = await c.get('/api/geocode?q=Hove');
    expect(byTown.body.results[0]).toMatchObject({ label: 'Hove, Brighton and Hove' });
    expect(geo.requests).toContain('/postcodes?q=bn11aa&limit=5');
  });

  it('answers 502 when the provider fails, and says it is unavailable when none is configured', async () => {
    const c = await owner();
    geo.failWith = 500;
    try {
      expect((await c.get('/api/geocode?q=BN1')).status).toBe(502);
    } finally {
      geo.failWith = null;
    }
    offline = await startTestApp({ GEOCODER_URL: '' });
    const o = await owner(offline);
    expect((await o.get('/api/geocode?q=BN1')).body).toEqual({ available: false, results: [] });
  });

  it('is for the people who set alert areas: owners, hosts and officers, not admins or the public', async () => {
    expect((await app.client().get('/api/geocode?q=BN1')).status).toBe(401);
    const signedIn = async (role: 'police' | 'police_admin') => {
      const u = await createUser(app.services, role);
      const c = app.client();
      await c.login(u.email, u.password);
      return c;
    };
    // An officer centres an alert or advisory area on a postcode (the keyboard alternative to drawing it).
    const officer = await signedIn('police');
    expect((await officer.get('/api/geocode?q=BN1 1AA')).body.results[0]).toMatchObject({ lat: 50.8225, lng: -0.1372 });
    expect((await (await signedIn('police_admin')).get('/api/geocode?q=BN1')).status).toBe(403);
  });
});

describe('importing properties from a CSV file', () => {
  it('creates the good rows and rejects each bad row with its line and reason', async () => {
    const c = await owner();
    const csv = [
      'Address,Postcode,Type,Latitude,Longitude,Listing URL',
      '"Flat 2, 10 Sea Road",BN1 1AA,S,,,https://example.test/listing/1',
      '4 Marine Parade,,Hotel,50.8190,-0.1290,',
      ',BN1 1AB,S,,,',
      '9 Nowhere Lane,ZZ9 9ZZ,S,,,',
      '1 Odd Street,BN1 1AB,castle,,,',
      '2 Far Away,,S,,,',
      '3 Tiny,BN3 2PA,S,,,ftp://bad',
    ].join('\n');
    const { rows } = csvObjects(csv);
    const res = await c.post('/api/properties/import', { rows });
    expect(res.status).toBe(200);
    expect(res.body.created.map((r: { line: number }) => r.line)).toEqual([2, 3]);
    expect(res.body.rejected).toEqual([
      { line: 4, message: 'The address is missing' },
      { line: 5, message: 'Postcode "ZZ9 9ZZ" was not found' },
      { line: 6, message: 'Unknown property type "castle"' },
      { line: 7, message: 'Give a postcode or the latitude and longitude' },
      { line: 8, message: expect.stringMatching(/^listingUrl: /) },
    ]);
    const list = (await c.get('/api/properties')).body.properties;
    expect(list).toHaveLength(2);
    expect(list.find((p: { address: string }) => p.address.startsWith('Flat 2'))).toMatchObject({
      address: 'Flat 2, 10 Sea Road, BN1 1AA',
      lat: 50.8225,
      lng: -0.1372,
      type: 'S',
      listingUrl: 'https://example.test/listing/1',
    });
  });

  it('asks the geocoder once per postcode of a batch, however the rows write it', async () => {
    const c = await owner();
    const before = geo.requests.length;
    const res = await c.post('/api/properties/import', {
      rows: [
        { line: 2, values: { address: 'Flat 1, 5 Hove Street', postcode: 'BN3 2PA', type: 'S' } },
        { line: 3, values: { address: 'Flat 2, 5 Hove Street', postcode: 'bn32pa', type: 'S' } },
      ],
    });
    expect(res.body.created.map((r: { line: number }) => r.line)).toEqual([2, 3]);
    expect(geo.requests.slice(before).filter((r) => r.startsWith('/postcodes'))).toHaveLength(1);
    const placed = (await c.get('/api/properties')).body.properties;
    expect(placed.map((p: { lat: number; lng: number }) => [p.lat, p.lng])).toEqual([
      [50.8279, -0.1683],
      [50.8279, -0.1683],
    ]);
  });

  it('refuses a batch over 50 rows and rows without coordinates when there is no geocoder', async () => {
    const c = await owner();
    const many = Array.from({ length: 51 }, (_, i) => ({ line: i + 2, values: { address: `${i} Road`, type: 'S' } }));
    expect((await c.post('/api/properties/import', { rows: many })).status).toBe(400);
    offline ??= await startTestApp({ GEOCODER_URL: '' });
    const o = await owner(offline);
    const res = await o.post('/api/properties/import', {
      rows: [{ line: 2, values: { address: '1 A Road', postcode: 'BN1 1AA', type: 'S' } }],
    });
    expect(res.body.rejected).toEqual([
      { line: 2, message: 'Give the latitude and longitude: this StayWatch has no postcode finder' },
    ]);
  });
});
