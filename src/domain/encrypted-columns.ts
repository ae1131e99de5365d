import { sql } from 'kysely';
import type { Database } from '../storage/database.js';
import type { Schema } from '../storage/schema.js';
import type { Keyring } from './secrets.js';

type Column<T extends keyof Schema> = {
  [K in T]: {
    table: K;
    column: keyof Schema[K] & string;
    /** The indexed columns that find and order its rows, if not `id` alone. */
    key?: readonly (keyof Schema[K] & string)[];
  };
}[T];

/**
 * Every column that holds ciphertext (see Keyring). Each was encrypted with its row's `id` as
 * the context. A new encrypted column is added here, so that key rotation re-encrypts it.
 */
export const encryptedColumns: readonly (Column<keyof Schema> & { batchSize: number })[] = [
  { table: 'entities', column: 'sensitive', batchSize: 500 },
  { table: 'entity_beneficial_owners', column: 'sensitive', batchSize: 500 },
  // Up to ONBOARD_FILE_SIZE_LIMIT each: one at a time, to bound memory and lock time (the
  // transaction also holds the pages it overwrites in memory until it ends; see Database.open).
  { table: 'files', column: 'contents', batchSize: 1 },
  // Its `id`, `<group_id>:<key>`, is not indexed: the primary key is (see migration 0007).
  { table: 'idempotency_keys', column: 'response_body', batchSize: 500, key: ['group_id', 'key'] },
  { table: 'event_subscriptions', column: 'shared_secret', batchSize: 500 },
  { table: 'onboarding_progress', column: 'data', batchSize: 500 },
];

/** What re-encryption did to one column. */
export interface ColumnReencryption {
  /** Rows read. */
  rows: number;
  /** Rows moved to the current key; the others already were under it. */
  reencrypted: number;
}

/**
 * Re-encrypts every encrypted column under the keyring's current key, a batch at a time, each
 * batch in its own transaction, so that the write lock is never held for long and an
 * interrupted run can simply be run again: rows already under the current key are skipped.
 * A row changed by a server between our read and our write is left as that server wrote it.
 */
export async function reencryptAll(database: Database, keyring: Keyring): Promise<Record<string, ColumnReencryption>> {
  const results: Record<string, ColumnReencryption> = {};
  for (const { table, column, batchSize, key = ['id'] } of encryptedColumns) {
    const result: ColumnReencryption = { rows: 0, reencrypted: 0 };
    const keyColumns = sql.join(key.map((name) => sql.ref(name)));
    const selected = sql.join([...new Set(['id', ...key])].map((name) => sql.ref(name)));
    let after: unknown[] | null = null;
    for (;;) {
      // Counted after the commit: a transaction may run again (see Database.transaction).
      const batch = await database.transaction(async (tx) => {
        let reencrypted = 0;
        const { rows } = await sql<Record<string, unknown> & { id: string; value: string }>`
          SELECT ${selected}, ${sql.ref(column)} AS value FROM ${sql.table(table)}
          ${after ? sql`WHERE (${keyColumns}) > (${sql.join(after)})` : sql``}
          ORDER BY ${keyColumns} LIMIT ${batchSize}`.execute(tx);
        for (const row of rows) {
          if (keyring.keyIdOf(row.value) === keyring.currentKeyId) continue;
          let next: string;
          try {
            next = keyring.reencrypt(row.value, row.id);
          } catch {
            throw new Error(`${table}.${column} of ${row.id} cannot be decrypted with the configured keys`);
          }
          const sameRow = sql.join(
            key.map((name) => sql`${sql.ref(name)} = ${row[name]}`),
            sql` AND `,
          );
          const updated = await sql`
            UPDATE ${sql.table(table)} SET ${sql.ref(column)} = ${next}
            WHERE ${sameRow} AND ${sql.ref(column)} = ${row.value}`.execute(tx);
          if (updated.numAffectedRows !== 0n) reencrypted++;
        }
        const last = rows[rows.length - 1];
        return { read: rows.length, reencrypted, last: last && key.map((name) => last[name]) };
      });
      result.rows += batch.read;
      result.reencrypted += batch.reencrypted;
      if (batch.last) after = batch.last;
      if (batch.read < batchSize) break;
    }
    results[`${table}.${column}`] = result;
  }
  return results;
}
