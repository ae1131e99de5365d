import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * The backend the suite runs against: SQLite files by default, or the PostgreSQL server named
 * by TEST_DATABASE_URL (postgres://...), where every test server gets a database of its own.
 */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? '';
export const backend: 'sqlite' | 'postgres' = testDatabaseUrl.startsWith('postgres') ? 'postgres' : 'sqlite';

/** A new folder inside the run's own (see global-setup.ts), or the system's when run alone. */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(process.env.ONBOARD_TEST_TMPDIR ?? os.tmpdir(), 'onboard-test-'));
}

/** A DATABASE_URL for a new, empty database, and how to drop it afterwards. */
export async function freshDatabase(dir: string): Promise<{ url: string; drop(): Promise<void> }> {
  if (backend === 'sqlite') {
    return { url: `sqlite:${path.join(dir, 'onboard.db')}`, drop: async () => {} };
  }
  // CI names a prefix per run, so that it can clean up after itself and only after itself.
  const name = `${process.env.TEST_DATABASE_PREFIX ?? 'onboard_test_'}${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: testDatabaseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
