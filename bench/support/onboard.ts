import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { childEnv, cliPath, freePort, type Probe, run, type ServerProcess, startServer } from './processes.js';

export type Backend = 'sqlite' | 'postgres';

/** An Onboard database made for this run, with an API key and a Program, and how to drop it. */
export interface OnboardSetup {
  backend: Backend;
  /** The server's environment (database, port, key file, limits off). */
  env: NodeJS.ProcessEnv;
  url: string;
  apiKey: string;
  programId: string;
  drop(): Promise<void>;
}

/**
 * Only databases named so are made or dropped here, so that the benchmark never touches one it
 * did not make.
 */
export const benchDatabasePrefix = 'onboard_bench_';

export async function createPostgresDatabase(
  adminUrl: string,
  label: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${benchDatabasePrefix}${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Whether PostgreSQL answers at this URL. */
export async function postgresReachable(adminUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A fresh database (a SQLite file in `dir`, or a new PostgreSQL database), migrated, with a
 * sandbox API key and a Program made by the `onboard` CLI as an operator would, and the
 * environment to serve it: rate limits off (they are per key, and the benchmark is one key).
 */
export async function setUpOnboard(
  backend: Backend,
  dir: string,
  options: { postgresAdminUrl: string; label: string; extraEnv?: Record<string, string> },
): Promise<OnboardSetup> {
  const database =
    backend === 'sqlite'
      ? { url: `sqlite:${path.join(dir, 'onboard.db')}`, drop: async () => {} }
      : await createPostgresDatabase(options.postgresAdminUrl, options.label);
  const port = await freePort();
  const env = childEnv({
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ONBOARD_KEY_FILE: path.join(dir, 'onboard.keys'),
    ONBOARD_RATE_LIMIT_SANDBOX: '0',
    ONBOARD_RATE_LIMIT_PRODUCTION: '0',
    LOG_LEVEL: 'info',
    ...options.extraEnv,
  });
  try {
    const key = JSON.parse(
      await run(process.execPath, [cliPath, 'keys', 'create', '--environment', 'sandbox'], env),
    ) as { api_key: string };
    const program = JSON.parse(
      await run(process.execPath, [cliPath, 'programs', 'create', '--name', 'Benchmark program'], env),
    ) as { id: string };
    return {
      backend,
      env,
      url: `http://127.0.0.1:${port}`,
      apiKey: key.api_key,
      programId: program.id,
      drop: database.drop,
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** The authenticated read that tells Onboard is serving: the first page of sessions. */
export const onboardProbe = (setup: Pick<OnboardSetup, 'url' | 'apiKey'>): Probe => ({
  url: setup.url,
  path: '/entity_onboarding_sessions?limit=1',
  headers: { authorization: `Bearer ${setup.apiKey}` },
  status: 200,
});

/** `onboard serve` on the setup's database; `nodeArgs` such as --cpu-prof go to node. */
export function serveOnboard(setup: OnboardSetup, logFile: string, nodeArgs: string[] = []): Promise<ServerProcess> {
  return startServer(process.execPath, [...nodeArgs, cliPath, 'serve'], setup.env, logFile, onboardProbe(setup));
}

export interface Session {
  id: string;
  session_url: string | null;
}

export const redirectUrl = 'https://example.com/onboarding/done';

/** Creates `count` sessions through the API, as the SDK does, a few at a time. */
export async function seedSessions(
  setup: Pick<OnboardSetup, 'url' | 'apiKey' | 'programId'>,
  count: number,
): Promise<Session[]> {
  const sessions: Session[] = [];
  const createOne = async (): Promise<Session> => {
    const response = await fetch(`${setup.url}/entity_onboarding_sessions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${setup.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': `stainless-node-retry-${randomUUID()}`,
      },
      body: JSON.stringify({ program_id: setup.programId, redirect_url: redirectUrl }),
    });
    if (response.status !== 200)
      throw new Error(`creating a session answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Session;
  };
  for (let done = 0; done < count; done += 10) {
    sessions.push(...(await Promise.all(Array.from({ length: Math.min(10, count - done) }, createOne))));
  }
  return sessions;
}
