import { gzipSync } from 'node:zlib';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOpenApiPath } from '../../server/http/openapi';
import { dropTestDatabase, startTestApp, type TestApp } from '../support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ BODY_LIMIT: '10kb' });
});
afterAll(async () => {
  await app.close();
  await dropTestDatabase();
});

describe('the HTTP spine', () => {
  it('reports health with the engine in use', async () => {
    const res = await app.client().get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(['mongodb', 'ferretdb']).toContain(res.body.db.engine);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await app.client().get('/api/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'No API route for GET /api/does-not-exist' } });
  });

  it('answers invalid JSON with a 400 in the error shape', async () => {
    const res = await app
      .client()
      .request('POST', '/api/auth/login', { body: '{"email": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('answers a body that claims a compression it does not have with 400, logged below error level', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const before = app.logs.length;
      const res = await app.client().request('POST', '/api/auth/login', {
        body: 'this is not compressed at all',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      });
      expect(res.status, encoding).toBe(400);
      expect(res.body.error.code).toBe('invalid_body');
      const errors = app.logs.slice(before).filter((l) => /"level":(50|60)/.test(l));
      expect(errors, encoding).toEqual([]);
    }
    // A real compressed body still works.
    const ok = await fetch(`${app.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ email: 'nobody@example.test', password: 'not-the-password' })),
    });
    expect(ok.status).toBe(401);
  });

  it('answers an unsupported body encoding with 415 and its own code', async () => {
    const res = await app.client().request('POST', '/api/auth/login', {
      body: '{}',
      headers: { 'content-type': 'application/json', 'content-encoding': 'x-made-up' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('sends a Permissions-Policy that turns off powerful features except geolocation on our own origin', async () => {
    const res = await app.client().get('/api/health');
    const policy = res.headers.get('permissions-policy') ?? '';
    expect(policy).toContain('camera=()');
    expect(policy).toContain('microphone=()');
    expect(policy).toContain('geolocation=(self)');
  });

  it('answers an oversized body with 413 in the error shape', async () => {
    const res = await app.client().post('/api/auth/login', { email: 'a@b.test', password: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('gives field-level details for invalid input', async () => {
    const res = await app.client().post('/api/auth/login', { email: 'not-an-email', password: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['body.email', 'body.password']);
  });

  it('answers OPTIONS on API paths with the JSON 404 (no CORS)', async () => {
    const res = await app.client().request('OPTIONS', '/api/reports');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('tags every response with a request id', async () => {
    const res = await app.client().get('/api/health', { 'x-request-id': 'test-request-1234' });
    expect(res.headers.get('x-request-id')).toBe('test-request-1234');
  });

  it('sends HSTS and a CSP that allows only our origin and the tile host', async () => {
    const res = await app.client().get('/api/health');
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/img-src 'self' data: https:\/\/tile\.openstreetmap\.org/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3 and lists every API route with security schemes', async () => {
    const res = await app.client().get('/api/openapi.json');
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(res.body.components.securitySchemes)).toEqual(['session', 'csrf']);

    const { apiRoutes } = await import('../../server/app');
    const routes = apiRoutes(app.services);
    expect(routes.length).toBeGreaterThan(5);
    for (const r of routes) expect(res.body.paths[toOpenApiPath(r.path)]?.[r.method], `${r.method} ${r.path}`).toBeDefined();
    expect(res.body.paths['/api/openapi.json'].get).toBeDefined();
  });
});

describe('client settings', () => {
  it('carry the configured tile provider to the browser, and the CSP allows exactly its origin', async () => {
    const custom = await startTestApp({ TILE_URL: 'https://tiles.example.org/{z}/{x}/{y}.png', TILE_ATTRIBUTION: '© Example' });
    try {
      const res = await custom.client().get('/api/settings');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ tileUrl: 'https://tiles.example.org/{z}/{x}/{y}.png', tileAttribution: '© Example' });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain('https://tiles.example.org');
      expect(csp).not.toContain('openstreetmap');
    } finally {
      await custom.close();
    }
  });

  it('can turn tiles off, leaving only our own origin in the CSP', async () => {
    const offline = await startTestApp({ TILE_URL: '' });
    try {
      const res = await offline.client().get('/api/settings');
      expect(res.body.tileUrl).toBe('');
      expect(res.headers.get('content-security-policy')).toContain("img-src 'self' data:;");
    } finally {
      await offline.close();
    }
  });
});
