import type { Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type pg from 'pg';
import { expect, it } from 'vitest';
import { backend } from '../support/backend.js';
import { postgresPools } from '../support/postgres-pools.js';

// Statements started in one turn of the event loop reach PostgreSQL in one write (CoalescingClient).
const onPostgres = backend === 'postgres';
const postgres = postgresPools();

/** One of the pool's connections, as `ONBOARD_PG_PREPARED_STATEMENTS` makes them, and its writes to the socket. */
async function connection(preparedStatements: boolean) {
  const pool = postgres.open({ ONBOARD_PG_POOL_SIZE: '1', ONBOARD_PG_PREPARED_STATEMENTS: String(preparedStatements) });
  const client = await pool.connect();
  // Each of these is one system call: Writable calls one or the other for what it has buffered.
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  const writes = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method] as (...args: unknown[]) => void;
    socket[method] = function (this: Socket, ...args: unknown[]) {
      writes.count++;
      return original.apply(this, args);
    } as never;
  }
  return { client, writes };
}

const select = (client: pg.PoolClient, n: number) =>
  client.query('SELECT $1::int AS n', [n]).then((result) => result.rows[0].n as number);

it.runIf(onPostgres).each([true, false])(
  'sends the statements started in one turn in one write (prepared statements: %s)',
  async (prepared) => {
    const { client, writes } = await connection(prepared);
    try {
      // Twice, so that the prepared statement's later runs (without a Describe) are counted too.
      for (let round = 0; round < 2; round++) {
        await nextTurn();
        const before = writes.count;
        // Started together, and one after an await that needs no I/O, as Kysely's chains do.
        const answers = Promise.all([
          select(client, 1),
          client.query('SELECT 2 AS n').then((result) => result.rows[0].n as number),
          Promise.resolve().then(() => select(client, 3)),
        ]);
        expect(await answers).toEqual([1, 2, 3]);
        expect(writes.count - before).toBe(1);
      }

      // A statement started after an answer does not wait for another to go with it.
      await nextTurn();
      const before = writes.count;
      expect(await select(client, 4)).toBe(4);
      expect(await select(client, 5)).toBe(5);
      expect(writes.count - before).toBe(2);
    } finally {
      client.release();
    }
  },
);

it.runIf(onPostgres)('answers each statement of a write on its own when one of them fails', async () => {
  const { client, writes } = await connection(true);
  try {
    await nextTurn();
    const before = writes.count;
    const [first, failed, last] = await Promise.allSettled([
      select(client, 1),
      client.query('SELECT $1::int AS n', ['not a number']),
      select(client, 3),
    ]);
    expect(writes.count - before).toBe(1);
    expect(first).toEqual({ status: 'fulfilled', value: 1 });
    expect(failed).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/invalid input/) } });
    expect(last).toEqual({ status: 'fulfilled', value: 3 });
  } finally {
    client.release();
  }
});
