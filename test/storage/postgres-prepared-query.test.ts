import type { EventEmitter } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PreparingClient } from '../../src/storage/postgres-client.js';
import { backend, freshDatabase, tempDir } from '../support/backend.js';

// A statement's later runs on a connection skip PostgreSQL's description of its result and make
// rows with a maker learnt from the first run (PreparedQuery); the rows must be pg's own.
const onPostgres = backend === 'postgres';
let url: string;
let drop: () => Promise<void> = async () => {};
let client: PreparingClient;
let plain: pg.Client;
/** Row descriptions PostgreSQL sent to `client`: one for each run that asked for one. */
let descriptions = 0;

beforeAll(async () => {
  if (!onPostgres) return;
  ({ url, drop } = await freshDatabase(tempDir()));
  client = new PreparingClient({ connectionString: url, pipeline: true });
  plain = new pg.Client({ connectionString: url });
  await Promise.all([client.connect(), plain.connect()]);
  (client as unknown as { connection: EventEmitter }).connection.on('rowDescription', () => descriptions++);
  await plain.query('CREATE TABLE kinds (id text PRIMARY KEY, n integer)');
});

afterAll(async () => {
  await Promise.all([client?.end(), plain?.end()]);
  await drop();
});

/** As Kysely calls it: the text and its values, which PreparingClient prepares under a name. */
const run = (text: string, values: unknown[]) => client.query(text, values) as Promise<pg.QueryResult>;

it.runIf(onPostgres)('makes the rows pg makes, on every run, without describing them again', async () => {
  // Columns of the kinds pg converts (integers, booleans, JSON, times, arrays) and of the kinds it
  // keeps as text (text, bigint, numeric), nulls, and names a plain property would not survive.
  const text = `SELECT $1::text AS id, $2::int AS count, $3::bigint AS big, $4::numeric AS amount,
      $5::boolean AS flag, $6::jsonb AS details, $7::timestamptz AS at, $8::text[] AS tags,
      NULL::text AS nothing, 'shadowed' AS same, $1::text AS same, 'proto' AS "__proto__",
      'quote"d' AS "a""b"`;
  const values = [
    'first',
    42,
    '9007199254740993',
    '12.50',
    true,
    JSON.stringify({ a: [1, 'b'] }),
    '2026-01-02T03:04:05.678Z',
    ['x', 'y'],
  ];
  const expected = (await plain.query(text, values)).rows;
  expect(expected[0]).toMatchObject({ count: 42, big: '9007199254740993', flag: true, nothing: null, same: 'first' });
  expect(Object.getPrototypeOf(expected[0])).toBe(Object.prototype);

  const before = descriptions;
  for (let runs = 0; runs < 3; runs++) {
    const { rows, rowCount, command } = await run(text, values);
    expect(rows).toEqual(expected);
    expect(Object.getOwnPropertyNames(rows[0])).toEqual(Object.getOwnPropertyNames(expected[0]));
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect([rowCount, command]).toEqual([1, 'SELECT']);
  }
  // The first run asked for the description; the two after it did not need one.
  expect(descriptions - before).toBe(1);
});

it.runIf(onPostgres)('learns nothing from a run that failed before its result was described', async () => {
  const text = 'SELECT $1::int AS n, $2::text AS label';
  // A value PostgreSQL cannot read as an integer fails at Bind: no row description follows.
  await expect(run(text, ['ten', 'a'])).rejects.toThrow(/invalid input syntax for type integer/);
  for (let runs = 0; runs < 3; runs++) {
    expect((await run(text, [runs, 'a'])).rows).toEqual([{ n: runs, label: 'a' }]);
  }
  // And the connection keeps answering the statements queued behind a failed one.
  const [failed, ok] = await Promise.allSettled([run(text, ['x', 'b']), run(text, [7, 'b'])]);
  expect(failed.status).toBe('rejected');
  expect(ok).toEqual({ status: 'fulfilled', value: expect.objectContaining({ rows: [{ n: 7, label: 'b' }] }) });
});

it.runIf(onPostgres)('counts the rows a write changed, and returns what it returns', async () => {
  const insert = 'INSERT INTO kinds (id, n) VALUES ($1, $2)';
  const update = 'UPDATE kinds SET n = n + $1 WHERE id LIKE $2 RETURNING id, n';
  for (const id of ['a', 'b', 'c']) expect((await run(insert, [id, 1])).rowCount).toBe(1);
  for (let runs = 1; runs <= 2; runs++) {
    const { rows, rowCount } = await run(update, [10, '%']);
    expect(rowCount).toBe(3);
    expect(rows.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
      ['a', 'b', 'c'].map((id) => ({ id, n: 1 + 10 * runs })),
    );
  }
  // A run whose write fails (a duplicate key) fails alone; the statement keeps working after it.
  await expect(run(insert, ['a', 2])).rejects.toThrow(/duplicate key/);
  expect((await run(insert, ['d', 2])).rowCount).toBe(1);
});
