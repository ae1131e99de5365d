import type { Kysely } from 'kysely';

// A list of sessions filtered by `idempotency_key` finds its one session through the key's
// idempotency record, whose primary key already orders the keys. The sessions' own index on the
// key was a random insert into one more B-tree on every create: a fifth of the pages a create
// wrote to SQLite's WAL (docs/benchmarks.md, #51).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('sessions_by_group_idempotency_key').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('sessions_by_group_idempotency_key')
    .on('entity_onboarding_sessions')
    .columns(['group_id', 'idempotency_key'])
    .execute();
}
