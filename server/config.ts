import path from 'node:path';
import { z } from 'zod';

/** The only module that reads process.env. Validates it once, at start, and fails fast. */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Unset: 127.0.0.1 in development and test (demo accounts, /dev/mail), 0.0.0.0 in production. */
  HOST: z.string().min(1).optional(),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  PUBLIC_URL: z.url().optional(),
  DATA_DIR: z.string().default('.data'),
  MONGODB_URI: z.string().startsWith('mongodb').optional(),
  DB_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,60}$/)
    .default('staywatch'),
  LOCAL_ENGINE: z.enum(['auto', 'mongod', 'ferretdb']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Map tiles for every map in the client; empty for none (the offline coastline only). */
  TILE_URL: z.string().default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
  TILE_ATTRIBUTION: z.string().default('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
  /** A postcodes.io-compatible geocoder (e.g. https://api.postcodes.io) for finding addresses; empty or unset: off. */
  GEOCODER_URL: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().positive().default(12),
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  REPORT_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  FOLLOWUP_RATE_LIMIT: z.coerce.number().int().positive().default(10),
  RATE_LIMIT_WINDOW_MINUTES: z.coerce.number().positive().default(15),
  /** Expensive map analyses (heat, hotspots, repeats, timeline) per signed-in user per minute. */
  ANALYTICS_RATE_LIMIT: z.coerce.number().int().positive().default(120),
  BODY_LIMIT: z.string().default('200kb'),
  SEED_DEMO: bool.optional(),
  DEMO_PASSWORD: z.string().min(8).default('demo-password-1'),
  DEMO_REPORTS: z.coerce.number().int().min(0).max(100000).default(400),
  /** Unverified reports (new, rejected) are deleted, and every report's contact details purged, after this. */
  RETENTION_MONTHS: z.coerce.number().int().positive().default(12),
  /** Closed reports are deleted this long after closing (the force's policy; 6 years by default). */
  CLOSED_RETENTION_MONTHS: z.coerce.number().int().positive().default(72),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_SECURE: bool.default(false),
  SMTP_USER: z.string().optional(),
  SMTP_PASS: z.string().optional(),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
  MAIL_FROM: z.string().default('StayWatch <alerts@staywatch.invalid>'),
  DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(7),
  WORKER_IN_PROCESS: bool.default(true),
  WORKER_LEASE_SECONDS: z.coerce.number().positive().max(3600).default(60),
  WORKER_RETRY_BASE_MS: z.coerce.number().int().min(10).default(30_000),
  HOTSPOT_N: z.coerce.number().int().min(2).default(3),
  HOTSPOT_R: z.coerce.number().positive().max(5000).default(250),
  HOTSPOT_D: z.coerce.number().positive().max(365).default(14),
  /** Owner area notices (issue 11 item 2): sent once this many reports share a grid square in the window… */
  OWNER_NOTICE_MIN_REPORTS: z.coerce.number().int().min(1).max(100).default(3),
  OWNER_NOTICE_WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** …and then after a random delay between these (seconds; 15 to 90 minutes by default). */
  OWNER_NOTICE_DELAY_MIN_S: z.coerce.number().min(0).max(86_400).default(900),
  OWNER_NOTICE_DELAY_MAX_S: z.coerce.number().min(0).max(86_400).default(5400),
  TOKEN_SECRET: z.string().min(32).optional(),
});

export type Env = z.input<typeof EnvSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  isDev: boolean;
  port: number;
  host: string;
  trustProxy: number;
  publicUrl: string | undefined;
  dataDir: string;
  mongodbUri: string | undefined;
  dbName: string;
  localEngine: 'auto' | 'mongod' | 'ferretdb';
  logLevel: string;
  tileUrl: string;
  /** Geocoder base URL (postcodes.io API), or undefined when there is none. */
  geocoderUrl: string | undefined;
  tileAttribution: string;
  tileOrigin: string | undefined;
  session: {
    idleMs: number;
    absoluteMs: number;
    cookieName: string;
    secureCookie: boolean;
  };
  rateLimits: {
    login: number;
    report: number;
    followUp: number;
    windowMs: number;
    analyticsPerMinute: number;
  };
  bodyLimit: string;
  seedDemo: boolean;
  demoPassword: string;
  demoReports: number;
  retentionMonths: number;
  closedRetentionMonths: number;
  /** Outgoing mail; `host` undefined means "not configured" (development uses the local catcher). */
  mail: {
    host: string | undefined;
    port: number;
    secure: boolean;
    user: string | undefined;
    pass: string | undefined;
    poolSize: number;
    from: string;
  };
  alerts: {
    /** Base of links in emails (PUBLIC_URL, else http://localhost:PORT). */
    publicUrl: string;
    digestHour: number;
    workerInProcess: boolean;
    /** A claimed delivery is another worker's to retake after this long (a crashed worker's in-flight mail). */
    leaseMs: number;
    retryBaseMs: number;
    hotspot: { n: number; radiusM: number; days: number };
    /** Owner area notices: k reports per grid square per window, then a random delay (ms) before sending. */
    ownerNotices: { minReports: number; windowDays: number; delayMinMs: number; delayMaxMs: number };
    /** HMAC key for confirm/unsubscribe tokens; undefined outside production = generated and kept in DATA_DIR. */
    tokenSecret: string | undefined;
  };
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const secure = e.NODE_ENV !== 'development';
  if (e.NODE_ENV === 'production' && e.SEED_DEMO) {
    throw new ConfigError('Invalid configuration:\n  SEED_DEMO: demo data is never seeded in production');
  }
  if (e.NODE_ENV === 'production' && !e.TOKEN_SECRET) {
    throw new ConfigError('Invalid configuration:\n  TOKEN_SECRET: required in production (32+ random characters)');
  }
  return {
    env: e.NODE_ENV,
    isDev: e.NODE_ENV === 'development',
    port: e.PORT,
    host: e.HOST ?? (e.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
    trustProxy: e.TRUST_PROXY,
    publicUrl: e.PUBLIC_URL,
    dataDir: path.resolve(e.DATA_DIR),
    mongodbUri: e.MONGODB_URI,
    dbName: e.DB_NAME,
    localEngine: e.LOCAL_ENGINE,
    logLevel: e.LOG_LEVEL,
    tileUrl: e.TILE_URL,
    geocoderUrl: e.GEOCODER_URL || undefined,
    tileAttribution: e.TILE_ATTRIBUTION,
    tileOrigin: tileOriginOf(e.TILE_URL),
    session: {
      idleMs: e.SESSION_IDLE_MINUTES * 60_000,
      absoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
      cookieName: secure ? '__Host-sid' : 'sid',
      secureCookie: secure,
    },
    rateLimits: {
      login: e.LOGIN_RATE_LIMIT,
      report: e.REPORT_RATE_LIMIT,
      followUp: e.FOLLOWUP_RATE_LIMIT,
      windowMs: e.RATE_LIMIT_WINDOW_MINUTES * 60_000,
      analyticsPerMinute: e.ANALYTICS_RATE_LIMIT,
    },
    bodyLimit: e.BODY_LIMIT,
    seedDemo: e.NODE_ENV !== 'production' && (e.SEED_DEMO ?? e.NODE_ENV === 'development'),
    demoPassword: e.DEMO_PASSWORD,
    demoReports: e.DEMO_REPORTS,
    retentionMonths: e.RETENTION_MONTHS,
    closedRetentionMonths: e.CLOSED_RETENTION_MONTHS,
    mail: {
      host: e.SMTP_HOST,
      port: e.SMTP_PORT,
      secure: e.SMTP_SECURE,
      user: e.SMTP_USER,
      pass: e.SMTP_PASS,
      poolSize: e.SMTP_POOL_SIZE,
      from: e.MAIL_FROM.replace(/[\r\n]/g, ''),
    },
    alerts: {
      publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
      digestHour: e.DIGEST_HOUR,
      workerInProcess: e.WORKER_IN_PROCESS,
      leaseMs: e.WORKER_LEASE_SECONDS * 1000,
      retryBaseMs: e.WORKER_RETRY_BASE_MS,
      hotspot: { n: e.HOTSPOT_N, radiusM: e.HOTSPOT_R, days: e.HOTSPOT_D },
      ownerNotices: {
        minReports: e.OWNER_NOTICE_MIN_REPORTS,
        windowDays: e.OWNER_NOTICE_WINDOW_DAYS,
        delayMinMs: e.OWNER_NOTICE_DELAY_MIN_S * 1000,
        delayMaxMs: Math.max(e.OWNER_NOTICE_DELAY_MIN_S, e.OWNER_NOTICE_DELAY_MAX_S) * 1000,
      },
      tokenSecret: e.TOKEN_SECRET,
    },
  };
}

function tileOriginOf(tileUrl: string): string | undefined {
  if (!/^https?:\/\//.test(tileUrl)) return undefined;
  const u = new URL(tileUrl.replace(/\{[a-z]\}/g, 'a'));
  return `${u.protocol}//${u.host.replace(/^a\./, '*.')}`;
}

/** Environment for child processes we start (the Go build, the engine). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
