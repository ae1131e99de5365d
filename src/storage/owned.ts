import { sql } from 'kysely';
import { compiledPerShape } from './compiled-once.js';
import type { Executor } from './database.js';
import type { Schema } from './schema.js';

/** Tables whose rows each belong to one group (tenant) and have an id. */
export type OwnedTable = {
  [K in keyof Schema]: Schema[K] extends { id: string; group_id: string } ? K : never;
}[keyof Schema];

const readOwned = compiledPerShape(
  (table: OwnedTable) => table,
  (_db, { groupId, id }: { groupId: string; id: string }, table) =>
    sql`SELECT * FROM ${sql.table(table)} WHERE group_id = ${groupId} AND id = ${id}`,
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
  const { rows } = await readOwned(db, table, { groupId, id });
  return rows[0] as Schema[T] | undefined;
}
