import type pg from 'pg';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openPool } from '../../src/storage/postgres-client.js';
import { backend, freshDatabase, tempDir } from './backend.js';

/**
 * For a file of PostgreSQL tests: a fresh database for the file (dropped after it), and pools
 * opened on it as the server opens its own, each ended after its test. Does nothing on SQLite.
 */
export function postgresPools() {
  let url = '';
  let drop: () => Promise<void> = async () => {};
  let pools: pg.Pool[] = [];
  beforeAll(async () => {
    if (backend !== 'postgres') return;
    ({ url, drop } = await freshDatabase(tempDir()));
  });
  afterEach(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    pools = [];
  });
  afterAll(async () => {
    await drop();
  });
  return {
    get url() {
      return url;
    },
    /** A pool configured by these environment variables, as the server reads them. */
    open(env: Record<string, string>): pg.Pool {
      const location = loadConfig({ DATABASE_URL: url, ...env }).database;
      if (location.kind !== 'postgres') throw new Error('expected PostgreSQL');
      const pool = openPool(location);
      pools.push(pool);
      return pool;
    },
  };
}
