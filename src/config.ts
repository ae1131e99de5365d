import path from 'node:path';

/** A configuration value that could not be used; its message names the variable. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

/** Where the data lives, parsed from `DATABASE_URL`. */
export type DatabaseLocation =
  | { kind: 'sqlite'; filename: string }
  /**
   * `preparedStatements: false` for a pooler that cannot keep them (PgBouncer before 1.21 in
   * transaction mode); `poolSize`: connections this process opens at most (pg's 10 if unset).
   */
  | { kind: 'postgres'; connectionString: string; preparedStatements?: boolean; poolSize?: number };

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (raw: string, name: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
    }
    return Number(raw);
  };

const text = (raw: string): string => raw;

const httpUrl = (raw: string, name: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, not "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an absolute http(s) URL, not "${raw}"`);
  }
  // Every session_url starts with it, and the API writes those without escape checks.
  if (JSON.stringify(raw) !== `"${raw}"`) {
    throw new ConfigError(`${name} must not contain quotes, backslashes or control characters (percent-encode them)`);
  }
  return raw.replace(/\/+$/, '');
};

const boolean = (raw: string, name: string): boolean => {
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, not "${raw}"`);
  return raw === 'true';
};

const logLevel = (raw: string, name: string): string => {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(raw)) throw new ConfigError(`${name} must be one of ${levels.join(', ')}`);
  return raw;
};

export function parseDatabaseUrl(raw: string, name = 'DATABASE_URL'): DatabaseLocation {
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new ConfigError(`${name} must name a file, as in sqlite:./data/onboard.db`);
    return { kind: 'sqlite', filename: path.resolve(file) };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError(`${name} is not a valid postgres:// URL`);
    }
    return { kind: 'postgres', connectionString: raw };
  }
  throw new ConfigError(`${name} must start with sqlite: or postgres:// (for example sqlite:./data/onboard.db)`);
}

/**
 * Every environment variable the server reads: its default and how it is checked.
 * The Config type is derived from this table, so the two cannot drift apart.
 */
const variables = {
  PORT: { default: '4010', parse: integer(0, 65535) },
  HOST: { default: '127.0.0.1', parse: text },
  DATABASE_URL: { default: 'sqlite:./data/onboard.db', parse: parseDatabaseUrl },
  PUBLIC_URL: { default: '', parse: text },
  ONBOARD_SESSION_TTL: { default: '21600', parse: integer(1, 366 * 24 * 3600) },
  ONBOARD_KEY_FILE: { default: './data/onboard.keys', parse: text },
  ONBOARD_TOKEN_SECRET: { default: '', parse: text },
  ONBOARD_ENCRYPTION_KEY: { default: '', parse: text },
  ONBOARD_EXPIRY_SWEEP_INTERVAL: { default: '60', parse: integer(1, 24 * 3600) },
  ONBOARD_RATE_LIMIT_SANDBOX: { default: '0', parse: integer(0) },
  ONBOARD_RATE_LIMIT_PRODUCTION: { default: '0', parse: integer(0) },
  ONBOARD_BODY_LIMIT: { default: '1048576', parse: integer(1024) },
  ONBOARD_FILE_SIZE_LIMIT: { default: '10485760', parse: integer(1, 50 * 1024 * 1024) },
  ONBOARD_WEBHOOK_TIMEOUT: { default: '10', parse: integer(1, 60) },
  ONBOARD_WEBHOOK_RETRY_BASE: { default: '5', parse: integer(1, 3600) },
  ONBOARD_WEBHOOK_RETRY_WINDOW: { default: '259200', parse: integer(1, 30 * 24 * 3600) },
  ONBOARD_WEBHOOK_POLL_INTERVAL: { default: '250', parse: integer(10, 60_000) },
  ONBOARD_FORM_POSTS_PER_MINUTE: { default: '60', parse: integer(1, 100_000) },
  ONBOARD_TRUST_PROXY: { default: 'false', parse: boolean },
  ONBOARD_PG_PREPARED_STATEMENTS: { default: 'true', parse: boolean },
  ONBOARD_PG_POOL_SIZE: { default: '10', parse: integer(1, 1000) },
  LOG_LEVEL: { default: 'info', parse: logLevel },
} satisfies Record<string, { default: string; parse: (raw: string, name: string) => unknown }>;

type Variables = typeof variables;
type RawConfig = { [K in keyof Variables]: ReturnType<Variables[K]['parse']> };

/** The server's settings, checked. */
export interface Config {
  port: number;
  host: string;
  database: DatabaseLocation;
  /** Base of `session_url`, without a trailing slash. */
  publicUrl: string;
  sessionTtlSeconds: number;
  keyFile: string;
  /** Overrides the token secret kept in the key file (for many hosts sharing one database). */
  tokenSecret: string | null;
  /** Override the key file's encryption keys: base64 keys, newest first, comma-separated. */
  encryptionKeys: string[];
  expirySweepIntervalSeconds: number;
  /** Requests per second per API key, by environment; 0 turns the limit off. */
  rateLimits: { sandbox: number; production: number };
  bodyLimitBytes: number;
  /** Largest File upload, in bytes (File uploads are not bound by bodyLimitBytes). */
  fileSizeLimitBytes: number;
  webhooks: {
    /** Seconds an attempt may take. */
    timeoutSeconds: number;
    /** Seconds before the first retry; each next one waits twice as long, up to an hour. */
    retryBaseSeconds: number;
    /** Seconds after an event during which a failing delivery is retried. */
    retryWindowSeconds: number;
    /** Milliseconds between looks for due deliveries. */
    pollIntervalMs: number;
  };
  /** Posts of the hosted form per session per minute. */
  formPostsPerMinute: number;
  /** Whether X-Forwarded-For names the customer (behind a load balancer): their IP is recorded with the terms. */
  trustProxy: boolean;
  logLevel: string;
}

export function loadConfig(env: Env = process.env): Config {
  const raw = {} as Record<string, unknown>;
  for (const [name, spec] of Object.entries(variables)) {
    const value = env[name];
    raw[name] = spec.parse(value === undefined || value === '' ? spec.default : value, name);
  }
  const c = raw as RawConfig;
  const publicUrl = c.PUBLIC_URL ? httpUrl(c.PUBLIC_URL, 'PUBLIC_URL') : `http://localhost:${c.PORT}`;
  if (c.ONBOARD_TOKEN_SECRET && c.ONBOARD_TOKEN_SECRET.length < 32) {
    throw new ConfigError('ONBOARD_TOKEN_SECRET must be at least 32 characters');
  }
  return {
    port: c.PORT,
    host: c.HOST,
    database:
      c.DATABASE_URL.kind === 'postgres'
        ? { ...c.DATABASE_URL, preparedStatements: c.ONBOARD_PG_PREPARED_STATEMENTS, poolSize: c.ONBOARD_PG_POOL_SIZE }
        : c.DATABASE_URL,
    publicUrl,
    sessionTtlSeconds: c.ONBOARD_SESSION_TTL,
    keyFile: path.resolve(c.ONBOARD_KEY_FILE),
    tokenSecret: c.ONBOARD_TOKEN_SECRET || null,
    encryptionKeys: c.ONBOARD_ENCRYPTION_KEY.split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    expirySweepIntervalSeconds: c.ONBOARD_EXPIRY_SWEEP_INTERVAL,
    rateLimits: { sandbox: c.ONBOARD_RATE_LIMIT_SANDBOX, production: c.ONBOARD_RATE_LIMIT_PRODUCTION },
    bodyLimitBytes: c.ONBOARD_BODY_LIMIT,
    fileSizeLimitBytes: c.ONBOARD_FILE_SIZE_LIMIT,
    webhooks: {
      timeoutSeconds: c.ONBOARD_WEBHOOK_TIMEOUT,
      retryBaseSeconds: c.ONBOARD_WEBHOOK_RETRY_BASE,
      retryWindowSeconds: c.ONBOARD_WEBHOOK_RETRY_WINDOW,
      pollIntervalMs: c.ONBOARD_WEBHOOK_POLL_INTERVAL,
    },
    formPostsPerMinute: c.ONBOARD_FORM_POSTS_PER_MINUTE,
    trustProxy: c.ONBOARD_TRUST_PROXY,
    logLevel: c.LOG_LEVEL,
  };
}

/** The variables and their defaults, for `--help` and the README. */
export const configVariables = Object.fromEntries(
  Object.entries(variables).map(([name, spec]) => [name, spec.default]),
);
