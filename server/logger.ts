import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

/** Paths never logged: secrets and personal data. IPs and user agents are never put in logs at all. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'passphrase',
  '*.passphrase',
  'token',
  '*.token',
  'contact',
  '*.contact',
  'email',
  '*.email',
  'req.headers',
  'headers',
];

/**
 * JSON lines to `destination`, or to stdout written asynchronously and in batches: lines are written once 4 KB
 * have built up or 200 ms have passed (one write per line cost each report submission a system call), at once
 * after an error line (the lines that explain a crash must not wait), and at exit (pino flushes on `exit`;
 * `flushLogger` before a planned one). With `pretty`, readable lines instead of JSON (see `wantsPrettyLogs`).
 */
export function createLogger(opts: { level: string; pretty?: boolean }, destination?: DestinationStream): Logger {
  if (opts.pretty)
    return pino(options(opts.level), prettyStream(destination ?? pino.destination({ dest: 1, sync: true }), !destination));
  const stdout = destination ? null : pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 });
  return pino(
    {
      ...options(opts.level),
      hooks: {
        logMethod(args, method, level) {
          method.apply(this, args);
          if (stdout && level >= ERROR_LEVEL) stdout.flush();
        },
      },
    },
    destination ?? stdout!,
  );
}

function options(level: string): LoggerOptions {
  return {
    level,
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

/** Readable lines (written at once) for a person at a terminal in development; JSON everywhere else (files, pipes, log collectors). */
export function wantsPrettyLogs(config: { isDev: boolean }, out: { isTTY?: boolean } = process.stdout): boolean {
  return config.isDev && out.isTTY === true;
}

function prettyStream(target: DestinationStream, colorize: boolean): DestinationStream {
  return PinoPretty({
    destination: target as NodeJS.WritableStream,
    colorize,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    sync: true,
  });
}

const ERROR_LEVEL = 50;

/** Writes out buffered log lines (before the process exits). */
export function flushLogger(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}

export type { Logger };
