import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('entity_beneficial_owners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('entity_id', 'text', (c) => c.notNull().references('entities.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('company_title', 'text')
    .addColumn('prongs', 'text', (c) => c.notNull())
    .addColumn('individual', 'text', (c) => c.notNull())
    .addColumn('sensitive', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('beneficial_owners_by_group_created')
    .on('entity_beneficial_owners')
    .columns(['group_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('beneficial_owners_by_entity')
    .on('entity_beneficial_owners')
    .columns(['entity_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('filename', 'text')
    .addColumn('mime_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    // Encrypted like personal data: identity documents are personal data.
    .addColumn('contents', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('files_by_group_created').on('files').columns(['group_id', 'created_at', 'id']).execute();

  await db.schema
    .createTable('entity_supplemental_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('entity_id', 'text', (c) => c.notNull().references('entities.id'))
    .addColumn('file_id', 'text', (c) => c.notNull().references('files.id'))
    .addColumn('idempotency_key', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('supplemental_documents_by_entity')
    .on('entity_supplemental_documents')
    .columns(['entity_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('supplemental_documents_by_group')
    .on('entity_supplemental_documents')
    .columns(['group_id', 'created_at', 'id'])
    .execute();

  // The record of every change to an Entity, written in the same transaction as the change:
  // what events and webhooks are built from.
  await db.schema
    .createTable('entity_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id'))
    .addColumn('entity_id', 'text', (c) => c.notNull().references('entities.id'))
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('entity_changes_by_group_created')
    .on('entity_changes')
    .columns(['group_id', 'created_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['entity_changes', 'entity_supplemental_documents', 'files', 'entity_beneficial_owners']) {
    await db.schema.dropTable(table).execute();
  }
}
