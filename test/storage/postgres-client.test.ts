import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Database } from '../../src/storage/database.js';
import { backend, freshDatabase, tempDir } from '../support/backend.js';

// PostgreSQL prepares each statement once per connection (PreparingClient); a migration run by
// another process must not break the statements a running server has already prepared.
const onPostgres = backend === 'postgres';
let database: Database;
let url: string;
let drop: () => Promise<void> = async () => {};

beforeAll(async () => {
  if (!onPostgres) return;
  const fresh = await freshDatabase(tempDir());
  ({ url, drop } = fresh);
  // One connection, so that the statements prepared below are the ones the migration makes stale.
  database = Database.open(loadConfig({ DATABASE_URL: url, ONBOARD_PG_POOL_SIZE: '1' }).database);
  await database.migrate();
  await database.transaction((tx) =>
    tx.insertInto('groups').values({ id: 'group_prepared', name: 'prepared', created_at: '2026-01-01' }).execute(),
  );
});

afterAll(async () => {
  await database?.close();
  await drop();
});

const readAlone = () => sql`SELECT * FROM groups WHERE id = ${'group_prepared'}`.execute(database.db);
const readInTransaction = () =>
  database.transaction((tx) => sql`SELECT *, 1 AS one FROM groups WHERE id = ${'group_prepared'}`.execute(tx));

const preparedNames = async (database: Database) =>
  (await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(database.db)).rows.map(
    (row) => row.name,
  );

it.runIf(onPostgres)('keeps answering after another process adds a column to a table it reads', async () => {
  expect((await readAlone()).rows).toEqual([{ id: 'group_prepared', name: 'prepared', created_at: '2026-01-01' }]);
  expect((await readInTransaction()).rows).toHaveLength(1);
  // Both were prepared on the one connection (the stale plan below can only happen so).
  expect((await preparedNames(database)).filter((name) => name.startsWith('onboard_')).length).toBeGreaterThan(1);

  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query('ALTER TABLE groups ADD COLUMN note text');
  await other.end();

  const expected = { id: 'group_prepared', name: 'prepared', created_at: '2026-01-01', note: null };
  expect((await readAlone()).rows).toEqual([expected]);
  expect((await readInTransaction()).rows).toEqual([{ ...expected, one: 1 }]);
  // And again, now that both were prepared afresh.
  expect((await readAlone()).rows).toEqual([expected]);
  expect((await readInTransaction()).rows).toEqual([{ ...expected, one: 1 }]);
});

it.runIf(onPostgres)(
  'prepares nothing when prepared statements are turned off (for a pooler that drops them)',
  async () => {
    const unprepared = Database.open(
      loadConfig({ DATABASE_URL: url, ONBOARD_PG_POOL_SIZE: '1', ONBOARD_PG_PREPARED_STATEMENTS: 'false' }).database,
    );
    try {
      expect((await sql`SELECT * FROM groups WHERE id = ${'group_prepared'}`.execute(unprepared.db)).rows).toHaveLength(
        1,
      );
      expect(await preparedNames(unprepared)).toEqual([]);
    } finally {
      await unprepared.close();
    }
  },
);

it.runIf(onPostgres)('opens at most ONBOARD_PG_POOL_SIZE connections', async () => {
  const limited = Database.open(loadConfig({ DATABASE_URL: url, ONBOARD_PG_POOL_SIZE: '2' }).database);
  try {
    // Reads of one turn share a connection (SharedReads), so these come a few milliseconds apart.
    const reads = [];
    for (let read = 0; read < 4; read++) {
      reads.push(sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.2)`.execute(limited.db));
      await sleep(5);
    }
    const backends = await Promise.all(reads);
    expect(new Set(backends.map(({ rows }) => rows[0]?.pid)).size).toBe(2);
  } finally {
    await limited.close();
  }
});

it('refuses a pool size that is not a whole number from 1 to 1000', () => {
  for (const size of ['0', '1001', 'ten']) {
    expect(() => loadConfig({ ONBOARD_PG_POOL_SIZE: size })).toThrow(
      `ONBOARD_PG_POOL_SIZE must be a whole number from 1 to 1000, not "${size}"`,
    );
  }
});
