import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { Checkpointer } from '../../src/storage/checkpointer.js';
import { tempDir } from '../support/backend.js';
import { eventually } from '../support/deliveries.js';

const filename = path.join(tempDir(), 'checkpointed.db');
// A writer like the server's: WAL mode, and no checkpoint of its own.
const writer = new SqliteDatabase(filename);
writer.pragma('journal_mode = WAL');
writer.pragma('wal_autocheckpoint = 0');
writer.exec('CREATE TABLE pages (body TEXT)');
const checkpointer = new Checkpointer(filename, { idleMs: 300 });

afterAll(async () => {
  await checkpointer.stop();
  writer.close();
});

/** Commits about 1 MB, which lands in the WAL; the database file grows only when it is checkpointed. */
function commitAMegabyte(): void {
  const insert = writer.prepare('INSERT INTO pages (body) VALUES (?)');
  writer.transaction(() => {
    for (let i = 0; i < 256; i++) insert.run('x'.repeat(4000));
  })();
  checkpointer.committed();
}

const databaseBytes = () => fs.statSync(filename).size;
const checkpointedPast = (bytes: number) => async () => (databaseBytes() > bytes ? true : undefined);
const stopped = async () => (checkpointer.running ? undefined : true);

it('runs a thread only while there are commits: copies them into the database file, then ends when idle', async () => {
  expect(checkpointer.running).toBe(false);

  const before = databaseBytes();
  commitAMegabyte();
  expect(checkpointer.running).toBe(true);
  await eventually('the first megabyte checkpointed', checkpointedPast(before + 1_000_000), 5_000, 20);
  await eventually('the thread ended after 300 ms without a commit', stopped, 5_000, 20);

  const idle = databaseBytes();
  commitAMegabyte();
  expect(checkpointer.running).toBe(true);
  await eventually('the next megabyte checkpointed by a new thread', checkpointedPast(idle + 1_000_000), 5_000, 20);
  await eventually('the new thread ended too', stopped, 5_000, 20);
});

it('checkpoints a commit made just before it stops, before the delay has passed', async () => {
  const before = databaseBytes();
  commitAMegabyte();
  await checkpointer.stop();
  expect(checkpointer.running).toBe(false);
  expect(databaseBytes()).toBeGreaterThan(before + 1_000_000);
});
