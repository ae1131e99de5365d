import { sql } from 'kysely';
import { type CompiledQueryRunner, compiledOnce } from './compiled-once.js';
import type { Executor } from './database.js';
import type { Schema } from './schema.js';

/** Tables whose rows each belong to one group (tenant) and have an id. */
export type OwnedTable = {
  [K in keyof Schema]: Schema[K] extends { id: string; group_id: string } ? K : never;
}[keyof Schema];

type OwnedKey = { groupId: string; id: string };
const readers = new Map<OwnedTable, CompiledQueryRunner<OwnedKey, unknown>>();

const readerOf = (table: OwnedTable) =>
  compiledOnce<OwnedKey>(
    (_db, { groupId, id }) => sql`SELECT * FROM ${sql.table(table)} WHERE group_id = ${groupId} AND id = ${id}`,
  );

/**
 * The row with this id, if it belongs to the group. Every read of one object goes through
 * here, so another group's object is exactly as absent as a missing one.
 */
export async function findOwned<T extends OwnedTable>(
  db: Executor,
  table: T,
  groupId: string,
  id: string,
): Promise<Schema[T] | undefined> {
  let read = readers.get(table);
  if (!read) {
    read = readerOf(table);
    readers.set(table, read);
  }
  const { rows } = await read(db, { groupId, id });
  return rows[0] as Schema[T] | undefined;
}
