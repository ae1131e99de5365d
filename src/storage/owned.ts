import { sql } from 'kysely';
import type { Executor } from './database.js';
import type { Schema } from './schema.js';

/** Tables whose rows each belong to one group (tenant) and have an id. */
export type OwnedTable = {
  [K in keyof Schema]: Schema[K] extends { id: string; group_id: string } ? K : never;
}[keyof Schema];

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
  const { rows } = await sql<
    Schema[T]
  >`SELECT * FROM ${sql.table(table)} WHERE group_id = ${groupId} AND id = ${id}`.execute(db);
  return rows[0];
}
