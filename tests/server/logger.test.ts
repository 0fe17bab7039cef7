import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, wantsPrettyLogs } from '../../server/logger';

const run = (code: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });

describe('the server log format', () => {
  it('is readable lines for a terminal in development, JSON for pipes and in production', () => {
    expect(wantsPrettyLogs({ isDev: true }, { isTTY: true })).toBe(true);
    expect(wantsPrettyLogs({ isDev: true }, { isTTY: false })).toBe(false);
    expect(wantsPrettyLogs({ isDev: true }, {})).toBe(false);
    expect(wantsPrettyLogs({ isDev: false }, { isTTY: true })).toBe(false);
  });

  it('writes pretty lines (level, message, fields; secrets still redacted) from the factory', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    createLogger({ level: 'info', pretty: true }, sink).info({ port: 1234, password: 'hunter2' }, 'listening');
    expect(out).toMatch(/INFO.*listening/);
    expect(out).toContain('port: 1234');
    expect(out).not.toContain('hunter2');
    expect(() => JSON.parse(out)).toThrow();
  });

  it('writes JSON lines to stdout when it is a pipe, and pretty lines when asked, flushed before exit', () => {
    const logger = "import { createLogger, wantsPrettyLogs } from './server/logger.ts';";
    const piped = run(
      `${logger} createLogger({ level: 'info', pretty: wantsPrettyLogs({ isDev: true }) }).info({ n: 1 }, 'hello');`,
    );
    expect(piped.status, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout.trim())).toMatchObject({ level: 30, msg: 'hello', n: 1 });
    const pretty = run(`${logger} createLogger({ level: 'info', pretty: true }).info({ n: 1 }, 'hello'); process.exit(0);`);
    expect(pretty.status, pretty.stderr).toBe(0);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes for the terminal
    const plain = pretty.stdout.replace(/\u001b\[\d+m/g, '');
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: hello\n {4}n: 1\n$/);
  });
});
