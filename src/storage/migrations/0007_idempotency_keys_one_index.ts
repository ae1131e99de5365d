import type { Kysely } from 'kysely';

// A stored answer's `id` is `<group_id>:<key>`, which the primary key already orders and finds;
// its own unique index was a second random insert into a second B-tree on every POST (a fifth
// of the pages a create wrote to SQLite's WAL). Key rotation walks the primary key instead.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idempotency_keys_by_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('idempotency_keys_by_id').on('idempotency_keys').column('id').unique().execute();
}
