import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { createApiKey, findOrCreateGroup } from '../../src/domain/access.js';
import { Database, type Executor } from '../../src/storage/database.js';
import { backend, freshDatabase, tempDir } from '../support/backend.js';

let database: Database;
let groupId: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const fresh = await freshDatabase(tempDir());
  drop = fresh.drop;
  database = Database.open(parseDatabaseUrl(fresh.url));
  await database.migrate();
  groupId = (await database.transaction((tx) => findOrCreateGroup(tx, 'storage'))).id;
});

afterAll(async () => {
  await database.close();
  await drop();
});

const keyCount = () =>
  database.db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('group_id', '=', groupId)
    .executeTakeFirstOrThrow()
    .then(({ count }) => Number(count));

it(`commits transactions that arrive together, and undoes a failing one alone (${backend})`, async () => {
  const before = await keyCount();
  const outcomes = await Promise.allSettled(
    Array.from({ length: 40 }, (_, i) =>
      database.transaction(async (tx) => {
        const { id } = await createApiKey(tx, groupId, 'sandbox');
        if (i % 4 === 3) throw new Error(`transaction ${i} changed its mind`);
        return id;
      }),
    ),
  );
  const kept = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
  expect(kept).toHaveLength(30);
  expect(failed).toEqual(Array.from({ length: 10 }, (_, i) => `transaction ${i * 4 + 3} changed its mind`));
  expect(await keyCount()).toBe(before + 30);
  const stored = await database.db.selectFrom('api_keys').select('id').where('id', 'in', kept).execute();
  expect(stored).toHaveLength(30);
});

const keyIds = (ids: string[]) =>
  database.db
    .selectFrom('api_keys')
    .select('id')
    .where('id', 'in', ids)
    .execute()
    .then((rows) => rows.map((row) => row.id).sort());

const keyInsert = (tx: Executor, id: string) =>
  tx.insertInto('api_keys').values({
    id,
    group_id: groupId,
    environment: 'sandbox',
    key_hash: `hash of ${id}`,
    created_at: new Date().toISOString(),
    revoked_at: null,
  });

const insertKey = (tx: Executor, id: string) => keyInsert(tx, id).execute();

// On PostgreSQL such statements travel together (pipelined); on SQLite they run in turn.
it(`commits statements started together in a transaction, or none of them when one fails (${backend})`, async () => {
  const together = ['api_key_together_1', 'api_key_together_2', 'api_key_together_3'];
  const [, , read] = await database.transaction((tx) =>
    Promise.all([
      insertKey(tx, together[0] as string),
      insertKey(tx, together[1] as string),
      tx
        .selectFrom('api_keys')
        .select('id')
        .where('id', '=', together[0] as string)
        .execute(),
      insertKey(tx, together[2] as string),
    ]),
  );
  expect(read).toEqual([{ id: together[0] }]);
  expect(await keyIds(together)).toEqual(together);

  // The second statement fails (the id is taken): the whole transaction is undone (on PostgreSQL
  // the statement after it, already sent, is refused), and the error is the failing statement's.
  const undone = ['api_key_undone_1', 'api_key_undone_2'];
  await expect(
    database.transaction((tx) =>
      Promise.all([
        insertKey(tx, undone[0] as string),
        insertKey(tx, together[0] as string),
        insertKey(tx, undone[1] as string),
      ]),
    ),
  ).rejects.toThrow(/unique|duplicate/i);
  expect(await keyIds(undone)).toEqual([]);
});

// On PostgreSQL the last statement travels with the COMMIT.
it(`ends a transaction with the statement its work chose, after the work, committed with it or not at all (${backend})`, async () => {
  const ended = 'api_key_ended';
  const result = await database.transaction(async (tx, endWith) => {
    // Chosen before the row it changes exists: it must run after the work.
    endWith(tx.updateTable('api_keys').set({ key_hash: 'changed last' }).where('id', '=', ended).compile());
    await insertKey(tx, ended);
    return "the work's result";
  });
  expect(result).toBe("the work's result");
  expect(
    await database.db.selectFrom('api_keys').select('key_hash').where('id', '=', ended).executeTakeFirst(),
  ).toEqual({ key_hash: 'changed last' });

  // The last statement fails (the id is taken): the work is undone too, with the statement's error.
  const undone = 'api_key_ended_undone';
  await expect(
    database.transaction(async (tx, endWith) => {
      await insertKey(tx, undone);
      endWith(keyInsert(tx, ended).compile());
    }),
  ).rejects.toThrow(/unique|duplicate/i);
  expect(await keyIds([undone])).toEqual([]);
});

it.runIf(backend === 'postgres')(
  'reports a transaction as failed when its work caught a failed statement: PostgreSQL wrote nothing',
  async () => {
    const id = 'api_key_after_caught_error';
    await expect(
      database.transaction(async (tx) => {
        await insertKey(tx, 'api_key_together_1').catch(() => {});
        await insertKey(tx, id).catch(() => {});
        return 'done';
      }),
    ).rejects.toThrow(/rolled back/);
    expect(await keyIds([id])).toEqual([]);
  },
);

it(`never shows a read what it could still lose: a write is seen only once it is answered (${backend})`, async () => {
  // A reader polls while writes are made. When it first sees a row, the transaction that wrote
  // it must already be answerable: it settles before the next turn of the event loop. Had the
  // read run between the COMMIT and the fsync that makes it durable, the transaction would still
  // be waiting for the disk.
  let seenTooEarly = 0;
  for (let round = 1; round <= 30; round++) {
    let answered = false;
    const write = database
      .transaction((tx) => createApiKey(tx, groupId, 'production'))
      .then(() => {
        answered = true;
      });
    const watch = async () => {
      for (;;) {
        const rows = await database.db
          .selectFrom('api_keys')
          .select('id')
          .where('environment', '=', 'production')
          .execute();
        if (rows.length >= round) break;
        await nextTurn();
      }
      await nextTurn();
      if (!answered) seenTooEarly++;
    };
    await Promise.all([write, watch(), watch(), watch()]);
  }
  expect(seenTooEarly).toBe(0);
});

it(`shows an answered write to the next read, while other reads run every turn (${backend})`, async () => {
  // On SQLite the reads of one turn share a read transaction. One that began before this
  // process's COMMIT must not serve a read made once the write is answered, though the reads of
  // every turn keep such transactions open around each commit.
  let reading = true;
  const readEveryTurn = async () => {
    while (reading) {
      await database.db.selectFrom('api_keys').select('id').where('group_id', '=', groupId).execute();
      await nextTurn();
    }
  };
  const readers = [readEveryTurn(), readEveryTurn()];
  const missed: number[] = [];
  try {
    for (let round = 0; round < 40; round++) {
      const { id } = await database.transaction((tx) => createApiKey(tx, groupId, 'sandbox'));
      const seen = await database.db.selectFrom('api_keys').select('id').where('id', '=', id).execute();
      if (seen.length === 0) missed.push(round);
    }
  } finally {
    reading = false;
    await Promise.all(readers);
  }
  expect(missed).toEqual([]);
});

it.runIf(backend === 'sqlite')('refuses a write outside a transaction, which would skip the sync', async () => {
  await expect(
    database.db
      .insertInto('groups')
      .values({ id: 'group_aaaaaaaaaaaaaaaaaaaa', name: 'outside', created_at: new Date().toISOString() })
      .execute(),
  ).rejects.toThrow(/readonly/);
  expect(await database.db.selectFrom('groups').select('id').where('name', '=', 'outside').execute()).toEqual([]);
});

it.runIf(backend === 'sqlite')(
  'fails closed when the disk fails a sync: the write is refused and nothing more is read',
  async () => {
    const fresh = await freshDatabase(tempDir());
    const failing = Database.open(parseDatabaseUrl(fresh.url));
    try {
      await failing.migrate();
      const group = await failing.transaction((tx) => findOrCreateGroup(tx, 'before the failure'));
      // The disk, not Onboard, fails: the next fsync reports an I/O error.
      const fsync = vi
        .spyOn(fs, 'fsync')
        .mockImplementationOnce((_fd, callback) =>
          callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })),
        );
      await expect(failing.transaction((tx) => createApiKey(tx, group.id, 'sandbox'))).rejects.toThrow(/EIO/);
      expect(fsync).toHaveBeenCalled();
      // The server hears of it, to log it and exit so that a supervisor restarts it.
      await expect(failing.failure).resolves.toMatchObject({ code: 'EIO' });
      await expect(failing.db.selectFrom('api_keys').select('id').execute()).rejects.toThrow(/EIO/);
      await expect(failing.transaction((tx) => findOrCreateGroup(tx, 'after'))).rejects.toThrow(/EIO/);
    } finally {
      vi.restoreAllMocks();
      await failing.close();
    }
  },
);

it.runIf(backend === 'sqlite')(
  'syncs the folder that holds the WAL, so the new WAL file itself survives a crash',
  async () => {
    const fresh = await freshDatabase(tempDir());
    const location = parseDatabaseUrl(fresh.url);
    if (location.kind !== 'sqlite') throw new Error('expected SQLite');
    const folder = path.dirname(location.filename);
    const opened = new Map<number, string>();
    const openSync = fs.openSync;
    vi.spyOn(fs, 'openSync').mockImplementation((...args: Parameters<typeof fs.openSync>) => {
      const fd = openSync(...args);
      opened.set(fd, String(args[0]));
      return fd;
    });
    const synced: string[] = [];
    const fsync = fs.fsync;
    vi.spyOn(fs, 'fsync').mockImplementation((fd, callback) => {
      synced.push(opened.get(fd) ?? `fd ${fd}`);
      fsync(fd, callback);
    });
    const database = Database.open(location);
    try {
      await database.migrate();
      await database.transaction((tx) => findOrCreateGroup(tx, 'first write'));
      expect(synced).toContain(`${location.filename}-wal`);
      expect(synced.filter((name) => name === folder)).toHaveLength(1);
    } finally {
      vi.restoreAllMocks();
      await database.close();
    }
  },
);
