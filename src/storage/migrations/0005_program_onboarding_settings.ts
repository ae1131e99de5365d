import type { Kysely } from 'kysely';

// How the hosted form presents a Program: the operator's settings, not part of Increase's object.
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['display_name', 'logo_url', 'accent_color', 'terms_url', 'structures']) {
    await db.schema.alterTable('programs').addColumn(column, 'text').execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['display_name', 'logo_url', 'accent_color', 'terms_url', 'structures']) {
    await db.schema.alterTable('programs').dropColumn(column).execute();
  }
}
