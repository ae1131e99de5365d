import { type Kysely, sql } from 'kysely';

// Stored answers are encrypted like other personal data (a replayed Entity carries dates of
// birth); the ciphertext's context is this id, `<group_id>:<key>`, so that key rotation can
// address each row as it does in other tables.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').addColumn('id', 'text').execute();
  await sql`UPDATE idempotency_keys SET id = group_id || ':' || ${sql.ref('key')}`.execute(db);
  await db.schema.createIndex('idempotency_keys_by_id').on('idempotency_keys').column('id').unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idempotency_keys_by_id').execute();
  await db.schema.alterTable('idempotency_keys').dropColumn('id').execute();
}
