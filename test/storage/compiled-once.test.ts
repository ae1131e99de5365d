import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { compiledOnce, compiledPerShape } from '../../src/storage/compiled-once.js';
import { Database } from '../../src/storage/database.js';
import type { GroupTable } from '../../src/storage/schema.js';
import { backend, freshDatabase, tempDir } from '../support/backend.js';

// A SQLite file always, and the suite's PostgreSQL database when there is one: the same runners
// must serve both, each with the SQL of its own dialect.
const opened: { label: string; database: Database; drop(): Promise<void> }[] = [];

beforeAll(async () => {
  const sqlite = { url: `sqlite:${tempDir()}/compiled.db`, drop: async () => {} };
  const suites = backend === 'postgres' ? [sqlite, await freshDatabase(tempDir())] : [sqlite];
  for (const { url, drop } of suites) {
    const database = Database.open(parseDatabaseUrl(url));
    await database.migrate();
    opened.push({ label: url.split(':')[0] as string, database, drop });
  }
});

afterAll(async () => {
  for (const { database, drop } of opened) {
    await database.close();
    await drop();
  }
});

const insertGroup = compiledOnce((db, group: GroupTable) => db.insertInto('groups').values(group));
const groupsNamed = compiledOnce((db, { prefix }: { prefix: string }) =>
  db
    .selectFrom('groups')
    .select(['id', 'name'])
    .where('name', 'like', prefix)
    // A constant of the query stays with it on every run.
    .where('created_at', '<', '9999')
    .orderBy('name'),
);

it(`binds each run's own values to a query compiled once, on each backend (${backend})`, async () => {
  for (const { label, database } of opened) {
    await database.transaction(async (tx) => {
      for (const name of ['alpha', 'beta', 'alpine']) {
        const result = await insertGroup(tx, { id: `group_${label}_${name}`, name, created_at: '2026-01-01' });
        expect(result.numAffectedRows).toBe(1n);
      }
    });
    expect((await groupsNamed(database.db, { prefix: 'al%' })).rows).toEqual([
      { id: `group_${label}_alpha`, name: 'alpha' },
      { id: `group_${label}_alpine`, name: 'alpine' },
    ]);
    expect((await groupsNamed(database.db, { prefix: 'b%' })).rows).toEqual([
      { id: `group_${label}_beta`, name: 'beta' },
    ]);
  }
});

it('refuses a run that lacks a value the query has a place for, and runs nothing', async () => {
  for (const { database } of opened) {
    const partial = { id: 'group_partial', name: 'partial' } as GroupTable;
    await expect(database.transaction((tx) => insertGroup(tx, partial))).rejects.toThrow(
      'compiledOnce: no value for created_at',
    );
    expect((await groupsNamed(database.db, { prefix: 'partial' })).rows).toEqual([]);
  }
});

const groups = compiledPerShape(
  (shape: { named: boolean }) => String(shape.named),
  (db, values: { name?: string; limit: number }, shape) => {
    const query = db.selectFrom('groups').select('name').orderBy('name').limit(values.limit);
    return shape.named ? query.where('name', '=', values.name as string) : query;
  },
);

it('compiles a query once for each of its shapes, and each shape keeps its own clauses', async () => {
  for (const { database } of opened) {
    expect((await groups(database.db, { named: true }, { name: 'beta', limit: 5 })).rows).toEqual([{ name: 'beta' }]);
    expect((await groups(database.db, { named: false }, { limit: 2 })).rows).toEqual([
      { name: 'alpha' },
      { name: 'alpine' },
    ]);
    expect((await groups(database.db, { named: true }, { name: 'alpine', limit: 5 })).rows).toEqual([
      { name: 'alpine' },
    ]);
    expect((await groups(database.db, { named: false }, { limit: 1 })).rows).toEqual([{ name: 'alpha' }]);
  }
});

it('refuses a value computed with instead of bound, and a value the query has no place for', async () => {
  const computed = compiledOnce((db, { name }: { name: string }) =>
    db.selectFrom('groups').select('id').where('name', '=', `${name}-copy`),
  );
  for (const { database } of opened) {
    await expect(computed(database.db, { name: 'alpha' })).rejects.toThrow('name must be used as a value');
    await expect(
      groupsNamed(database.db, { prefix: 'al%', limit: 3 } as unknown as { prefix: string }),
    ).rejects.toThrow('compiledOnce: limit has no place in the query');
  }
});
