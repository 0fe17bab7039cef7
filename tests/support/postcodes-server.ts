import { createServer, type Server } from 'node:http';

/** A few places, as postcodes.io answers for them. */
const POSTCODES = [
  { postcode: 'BN1 1AA', latitude: 50.8225, longitude: -0.1372, admin_district: 'Brighton and Hove' },
  { postcode: 'BN1 1AB', latitude: 50.8231, longitude: -0.1381, admin_district: 'Brighton and Hove' },
  { postcode: 'BN3 2PA', latitude: 50.8279, longitude: -0.1683, admin_district: 'Brighton and Hove' },
  { postcode: 'TN34 1AA', latitude: 50.8553, longitude: 0.5735, admin_district: 'Hastings' },
];
const PLACES = [
  { name_1: 'Hove', latitude: 50.8279, longitude: -0.1683, district_borough: 'Brighton and Hove', county_unitary: null },
];

/**
 * A local HTTP server speaking the part of the postcodes.io API the geocoder uses (`/postcodes?q=`, `/places?q=`),
 * with the same JSON shapes, so tests never reach the internet. Records the paths asked.
 */
export class PostcodesServer {
  readonly requests: string[] = [];
  /** When set, every request gets this status. */
  failWith: number | null = null;
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      this.requests.push(u.pathname + u.search);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (this.failWith) return send(this.failWith, { status: this.failWith, error: 'Failure' });
      const q = (u.searchParams.get('q') ?? '').toUpperCase().replace(/\s+/g, '');
      const limit = Number(u.searchParams.get('limit') ?? 10);
      if (u.pathname === '/postcodes') {
        const found = POSTCODES.filter((p) => p.postcode.replace(/\s/g, '').startsWith(q)).slice(0, limit);
        return send(200, { status: 200, result: found.length ? found : null });
      }
      if (u.pathname === '/places') {
        const found = PLACES.filter((p) => p.name_1.toUpperCase().startsWith(q)).slice(0, limit);
        return send(200, { status: 200, result: found });
      }
      send(404, { status: 404, error: 'Resource not found' });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
