import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { accessLog } from '../../server/http/access-log';
import { createLogger } from '../../server/logger';
import { waitFor } from '../support/wait';

type Line = Record<string, unknown>;

async function withApp(run: (base: string, lines: Line[]) => Promise<void>) {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  const app = express();
  app.use(accessLog(createLogger({ level: 'info' }, sink), { skip: (p) => p === '/quiet' }));
  app.get('/ok', (_req, res) => res.json({ ok: true }));
  app.get('/quiet', (_req, res) => res.json({ ok: true }));
  app.get('/boom', (_req, res) => res.status(503).end());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/** The access log writes when the response has finished, which can be just after the client has it. */
const lineFor = (lines: Line[], path: string) =>
  waitFor(() => lines.find((l) => l.path === path), { message: `the log line for ${path}` });

describe('the access log', () => {
  it('writes one line per request with method, path, status and time, and never the query string', async () => {
    await withApp(async (base, lines) => {
      const res = await fetch(`${base}/ok?email=someone@example.test`, { headers: { 'user-agent': 'secret-agent' } });
      expect(res.status).toBe(200);
      await lineFor(lines, '/ok');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 30, method: 'GET', path: '/ok', status: 200, msg: 'request completed' });
      expect(lines[0]!.reqId).toBe(res.headers.get('x-request-id'));
      expect(typeof lines[0]!.ms).toBe('number');
      expect(JSON.stringify(lines)).not.toMatch(/someone|secret-agent|127\.0\.0\.1/);
    });
  });

  it('keeps a well-formed caller request id, replaces a malformed one, and logs server errors as errors', async () => {
    await withApp(async (base, lines) => {
      const kept = await fetch(`${base}/boom`, { headers: { 'x-request-id': 'caller-id-1234' } });
      const replaced = await fetch(`${base}/ok`, { headers: { 'x-request-id': 'bad id\u00e9' } });
      expect(kept.headers.get('x-request-id')).toBe('caller-id-1234');
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(await lineFor(lines, '/boom')).toMatchObject({ level: 50, status: 503, reqId: 'caller-id-1234' });
      expect(await lineFor(lines, '/ok')).toMatchObject({ level: 30, reqId: replaced.headers.get('x-request-id') });
    });
  });

  it('skips the paths it is told to skip but still tags them with an id', async () => {
    await withApp(async (base, lines) => {
      const res = await fetch(`${base}/quiet`);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      // A logged request after it: once its line is written, a line for /quiet would have been written before it.
      await fetch(`${base}/ok`);
      await lineFor(lines, '/ok');
      expect(lines.map((l) => l.path)).toEqual(['/ok']);
    });
  });
});
