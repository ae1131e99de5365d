import type { Kysely } from 'kysely';

// Migrations take an untyped Kysely: they describe the schema as it was then, not as it is now.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();

  await db.schema
    .createTable('programs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('bank', 'text', (c) => c.notNull())
    .addColumn('interest_rate', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('programs_by_group_created')
    .on('programs')
    .columns(['group_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('entities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('structure', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('creating_entity_onboarding_session_id', 'text')
    .addColumn('details_confirmed_at', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('sensitive', 'text', (c) => c.notNull())
    .addColumn('validation', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('entities_by_group_created')
    .on('entities')
    .columns(['group_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('entity_onboarding_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('program_id', 'text', (c) => c.notNull().references('programs.id'))
    .addColumn('entity_id', 'text', (c) => c.references('entities.id'))
    .addColumn('redirect_url', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Keyset pagination walks (created_at, id) backwards within one group.
  await db.schema
    .createIndex('sessions_by_group_created')
    .on('entity_onboarding_sessions')
    .columns(['group_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('sessions_by_group_idempotency_key')
    .on('entity_onboarding_sessions')
    .columns(['group_id', 'idempotency_key'])
    .execute();
  // The expiry sweep looks for active rows whose time has passed.
  await db.schema
    .createIndex('sessions_by_status_expiry')
    .on('entity_onboarding_sessions')
    .columns(['status', 'expires_at'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_fingerprint', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text')
    .addColumn('response_status', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['group_id', 'key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'entity_onboarding_sessions',
    'entities',
    'programs',
    'api_keys',
    'groups',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
