import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { compiledOnce } from '../../src/storage/compiled-once.js';
import { Database } from '../../src/storage/database.js';
import { SharedReads } from '../../src/storage/postgres-shared-reads.js';
import { backend } from '../support/backend.js';
import { postgresPools } from '../support/postgres-pools.js';

// Reads outside a transaction share the pool's connections once it has none free (SharedReads).
const onPostgres = backend === 'postgres';
const postgres = postgresPools();

/** A real pool of `size` connections, and the shared reads over it. */
function poolOf(size: number) {
  const pool = postgres.open({ ONBOARD_PG_POOL_SIZE: String(size) });
  return { pool, reads: new SharedReads(pool) };
}

/** Ends a backend from outside, as an operator or a failover would. */
async function terminateBackend(pid: number | undefined) {
  const killer = new pg.Client({ connectionString: postgres.url });
  await killer.connect();
  await killer.query('SELECT pg_terminate_backend($1)', [pid]);
  await killer.end();
}

const settledWithin = async (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))]);

it.runIf(onPostgres)('gives a read a connection already reading, rather than making it wait', async () => {
  const { reads } = poolOf(1);
  const first = await reads.connect();
  const slow = first.query('SELECT pg_sleep(0.5)', []);
  // The pool's one connection is busy for half a second; the second read is sent on it at once.
  const second = reads.connect();
  expect(await settledWithin(second, 100)).toBe(true);
  expect(await second).toBe(first);
  const { rows } = await (await second).query<{ answer: number }>('SELECT 42 AS answer', []);
  expect(rows).toEqual([{ answer: 42 }]);
  await slow;
  first.release();
  (await second).release();
});

it.runIf(onPostgres)('lets a transaction waiting for the pool go before reads that come after it', async () => {
  const { pool, reads } = poolOf(1);
  const first = await reads.connect();
  const slow = first.query('SELECT pg_sleep(0.3)', []);
  // Reads of the same turn would join `first` (the next test); these come in the next.
  await nextTurn();
  const order: string[] = [];
  const transaction = pool.connect().then((client) => {
    order.push('transaction');
    client.release();
  });
  // The pool has someone waiting: this read waits in the same line, so the lent connection
  // drains and goes to the transaction, even if reads keep coming.
  const later = reads.connect().then((connection) => {
    order.push('read');
    return connection;
  });
  expect(await settledWithin(later, 100)).toBe(false);
  await slow;
  first.release();
  await transaction;
  (await later).release();
  expect(order).toEqual(['transaction', 'read']);
});

it.runIf(onPostgres)('sends the reads of one turn together, on one connection', async () => {
  const { pool, reads } = poolOf(3);
  // Three idle connections, each counting the writes that reach its socket.
  const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
  let writes = 0;
  for (const client of clients) {
    const socket = (client as pg.PoolClient & pg.Client).connection.stream as unknown as {
      _write: (...args: unknown[]) => unknown;
      _writev: (...args: unknown[]) => unknown;
    };
    for (const method of ['_write', '_writev'] as const) {
      const write = socket[method];
      socket[method] = (...args) => {
        writes++;
        return write.apply(socket, args);
      };
    }
    client.release();
  }
  const pidOfRead = async () => {
    const connection = await reads.connect();
    try {
      const { rows } = await connection.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.1)', []);
      return rows[0]?.pid;
    } finally {
      connection.release();
    }
  };
  // Three requests handled in one turn, each from a callback of its own as sockets' data is.
  const sameTurn = [0, 1, 2].map(() => nextTurn().then(pidOfRead));
  await sleep(20);
  // A read of a later turn takes a connection of its own: the pool has two idle.
  const laterPid = pidOfRead();
  const pids = await Promise.all(sameTurn);
  expect(new Set(pids).size).toBe(1);
  expect(await laterPid).not.toBe(pids[0]);
  // The three reads left in one write, the later one in another.
  expect(writes).toBe(2);
});

it.runIf(onPostgres)('fails only the read whose statement fails, not the others on its connection', async () => {
  const { reads } = poolOf(1);
  const connections = [await reads.connect(), await reads.connect(), await reads.connect()];
  expect(new Set(connections).size).toBe(1);
  const [before, failing, after] = await Promise.allSettled([
    connections[0]?.query('SELECT 1 AS n, pg_sleep(0.1)', []),
    connections[1]?.query('SELECT 1 / 0 AS n', []),
    connections[2]?.query('SELECT 3 AS n', []),
  ]);
  expect(before).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 1 }] } });
  expect(failing).toMatchObject({ status: 'rejected', reason: { message: 'division by zero' } });
  expect(after).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 3 }] } });
  for (const connection of connections) connection.release();
});

it.runIf(onPostgres)('closes a connection that broke under its reads and reads on a new one', async () => {
  const { reads } = poolOf(1);
  const first = await reads.connect();
  const { rows } = await first.query<{ pid: number }>('SELECT pg_backend_pid() AS pid', []);
  const pid = rows[0]?.pid;
  const second = await reads.connect();
  const inFlight = Promise.allSettled([first.query('SELECT pg_sleep(5)', []), second.query('SELECT 1', [])]);
  await terminateBackend(pid);
  for (const settled of await inFlight) expect(settled.status).toBe('rejected');
  // Asked for while the broken connection is still lent: the read waits for a new one.
  const next = reads.connect();
  first.release();
  second.release();
  const again = await (await next).query<{ pid: number }>('SELECT pg_backend_pid() AS pid', []);
  expect(again.rows[0]?.pid).not.toBe(pid);
  (await next).release();
});

it.runIf(onPostgres)('serves the reads of a Database from its pool, which transactions share', async () => {
  const database = Database.open(loadConfig({ DATABASE_URL: postgres.url, ONBOARD_PG_POOL_SIZE: '2' }).database);
  try {
    await database.migrate();
    // More reads than connections, with a write among them: all are answered, on two backends.
    const [pids] = await Promise.all([
      Promise.all(
        Array.from({ length: 8 }, () =>
          sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)`.execute(database.db),
        ),
      ),
      database.transaction((tx) =>
        tx.insertInto('groups').values({ id: 'group_shared', name: 'shared', created_at: '2026-01-01' }).execute(),
      ),
    ]);
    expect(new Set(pids.map(({ rows }) => rows[0]?.pid)).size).toBeLessThanOrEqual(2);
    // Reads and transactions share the writer's adapter, so a query is compiled once for both.
    let builds = 0;
    const nameOf = compiledOnce((db, { id }: { id: string }) => {
      builds++;
      return db.selectFrom('groups').select('name').where('id', '=', id);
    });
    expect((await nameOf(database.db, { id: 'group_shared' })).rows).toEqual([{ name: 'shared' }]);
    const inTransaction = await database.transaction((tx) => nameOf(tx, { id: 'group_shared' }));
    expect(inTransaction.rows).toEqual([{ name: 'shared' }]);
    expect(builds).toBe(1);
  } finally {
    await database.close();
  }
});

it.runIf(onPostgres)('fails a transaction whose connection breaks, and goes on serving', async () => {
  const database = Database.open(loadConfig({ DATABASE_URL: postgres.url, ONBOARD_PG_POOL_SIZE: '1' }).database);
  try {
    const pids: number[] = [];
    const broken = database.transaction(async (tx) => {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(tx);
      pids.push(rows[0]?.pid ?? 0);
      await sql`SELECT pg_sleep(5)`.execute(tx);
    });
    const outcome = broken.then(
      () => 'committed',
      () => 'failed',
    );
    while (pids.length === 0) await sleep(10);
    await terminateBackend(pids[0]);
    expect(await outcome).toBe('failed');
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(database.db);
    expect(rows[0]?.pid).not.toBe(pids[0]);
  } finally {
    await database.close();
  }
});
