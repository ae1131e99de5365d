import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { PreparedSqliteDialect } from '../../src/storage/sqlite-driver.js';
import { tempDir } from '../support/backend.js';

const filename = path.join(tempDir(), 'driver.db');
const db = new Kysely<unknown>({ dialect: new PreparedSqliteDialect(new SqliteDatabase(filename)) });

afterAll(() => db.destroy());

it('reads rows as objects whose keys follow the schema, also after another process changed it', async () => {
  await sql`CREATE TABLE notes (a TEXT, b TEXT)`.execute(db);
  await sql`INSERT INTO notes VALUES ('one', 'two')`.execute(db);
  const everything = async () => (await sql`SELECT * FROM notes`.execute(db)).rows;
  expect(await everything()).toEqual([{ a: 'one', b: 'two' }]);

  // A migration run by another process (the CLI): SQLite prepares the kept statement again.
  const other = new SqliteDatabase(filename);
  other.exec(`ALTER TABLE notes ADD COLUMN c TEXT DEFAULT 'three'`);
  other.close();
  expect(await everything()).toEqual([{ a: 'one', b: 'two', c: 'three' }]);
});

it('makes a column named __proto__ a plain key, and a later column of a name wins', async () => {
  const { rows } = await sql<Record<string, unknown>>`SELECT 'x' AS "__proto__", 1 AS n, 2 AS n`.execute(db);
  const [row] = rows;
  expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
  expect(Object.keys(row as object)).toEqual(['__proto__', 'n']);
  expect(row).toMatchObject({ n: 2 });
  expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('x');
});
