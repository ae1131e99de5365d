import type { Kysely } from 'kysely';

// The hosted form's saved progress, one row per session, so a customer can resume anywhere.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('onboarding_progress')
    .addColumn('id', 'text', (c) => c.primaryKey().references('entity_onboarding_sessions.id'))
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('onboarding_progress').execute();
}
