import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config';

describe('the server process', () => {
  it('logs an unhandled rejection as fatal, with the error, and exits with 1', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'tests/fixtures/crash-after-start.ts', 'nobody caught me'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    const fatal = res.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message?: string } })
      .find((l) => l.level === 60);
    expect(fatal?.msg).toBe('unhandled promise rejection: exiting');
    expect(fatal?.err?.message).toBe('nobody caught me');
  });

  it('listens on 127.0.0.1 unless HOST is set, and on every interface only in production', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test' }).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'development', HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(
      loadConfig({ NODE_ENV: 'production', TOKEN_SECRET: 'x'.repeat(40), PUBLIC_URL: 'https://staywatch.example' }).host,
    ).toBe('0.0.0.0');
  });
});
