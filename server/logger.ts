import pino, { type DestinationStream, type Logger } from 'pino';

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

export function createLogger(opts: { level: string; pretty?: boolean }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: opts.level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
