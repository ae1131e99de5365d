import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { findOrCreateGroup } from '../../src/domain/access.js';
import { reencryptAll } from '../../src/domain/encrypted-columns.js';
import { Keyring } from '../../src/domain/secrets.js';
import { Database } from '../../src/storage/database.js';
import { backend, freshDatabase, tempDir } from '../support/backend.js';

/**
 * Key rotation walks each table a batch at a time. Stored idempotent answers are walked by their
 * two-column primary key: a batch must start exactly after the last row of the one before, also
 * when keys repeat across groups and sort between them.
 */

let database: Database;
let drop: () => Promise<void>;
const oldKey = randomBytes(32);
const oldKeys = new Keyring([oldKey]);
const newKeys = new Keyring([randomBytes(32), oldKey]);

beforeAll(async () => {
  const fresh = await freshDatabase(tempDir());
  drop = fresh.drop;
  database = Database.open(parseDatabaseUrl(fresh.url));
  await database.migrate();
});

afterAll(async () => {
  await database.close();
  await drop();
});

it(`re-encrypts every stored answer across batches, each once (${backend})`, async () => {
  const groups = await database.transaction(async (tx) => [
    (await findOrCreateGroup(tx, 'rotation-a')).id,
    (await findOrCreateGroup(tx, 'rotation-b')).id,
  ]);
  // More than two batches of 500, with the same keys in both groups.
  const rows = groups.flatMap((groupId) =>
    Array.from({ length: 600 }, (_, i) => {
      const key = `key-${String(i).padStart(4, '0')}`;
      const id = `${groupId}:${key}`;
      return {
        id,
        group_id: groupId,
        key,
        request_fingerprint: 'f',
        resource_id: null,
        response_status: 200,
        response_body: oldKeys.encrypt(`{"answer":"${id}"}`, id),
        created_at: '2026-11-26T00:00:00.000Z',
      };
    }),
  );
  await database.transaction((tx) => tx.insertInto('idempotency_keys').values(rows).execute());

  const first = await reencryptAll(database, newKeys);
  expect(first['idempotency_keys.response_body']).toEqual({ rows: 1200, reencrypted: 1200 });

  const stored = await database.db.selectFrom('idempotency_keys').select(['id', 'response_body']).execute();
  expect(stored).toHaveLength(1200);
  for (const row of stored) {
    expect(newKeys.keyIdOf(row.response_body)).toBe(newKeys.currentKeyId);
    expect(newKeys.decrypt(row.response_body, row.id)).toBe(`{"answer":"${row.id}"}`);
  }
  const again = await reencryptAll(database, newKeys);
  expect(again['idempotency_keys.response_body']).toEqual({ rows: 1200, reencrypted: 0 });
});
