import type { Executor } from '../storage/database.js';
import { newId, randomString } from './ids.js';
import { sha256 } from './secrets.js';
import { nowTimestamp } from './time.js';

export type Environment = 'sandbox' | 'production';

/** Who is calling: the API key's group (the tenant every object belongs to) and environment. */
export interface Caller {
  groupId: string;
  environment: Environment;
  apiKeyId: string;
}

export interface Group {
  id: string;
  name: string;
}

export const defaultGroupName = 'default';

/** The group with this name, created if it does not exist yet. */
export async function findOrCreateGroup(db: Executor, name: string): Promise<Group> {
  const existing = await db.selectFrom('groups').select(['id', 'name']).where('name', '=', name).executeTakeFirst();
  if (existing) return existing;
  const group = { id: newId('group'), name };
  await db
    .insertInto('groups')
    .values({ ...group, created_at: nowTimestamp() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  // Another process may have created it between our read and our insert.
  return db.selectFrom('groups').select(['id', 'name']).where('name', '=', name).executeTakeFirstOrThrow();
}

export async function hasAnyGroup(db: Executor): Promise<boolean> {
  return (await db.selectFrom('groups').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** A new API key. The key is returned once; only its hash is stored. */
export async function createApiKey(
  db: Executor,
  groupId: string,
  environment: Environment,
): Promise<{ apiKey: string; id: string }> {
  const apiKey = `onboard_${environment}_${randomString(40)}`;
  const id = newId('api_key');
  await db
    .insertInto('api_keys')
    .values({
      id,
      group_id: groupId,
      environment,
      key_hash: sha256(apiKey),
      created_at: nowTimestamp(),
      revoked_at: null,
    })
    .execute();
  return { apiKey, id };
}

export type Authentication =
  | { ok: true; caller: Caller }
  | { ok: false; reason: 'no_credential' | 'deleted_credential' };

export async function authenticate(db: Executor, apiKey: string): Promise<Authentication> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'group_id', 'environment', 'revoked_at'])
    .where('key_hash', '=', sha256(apiKey))
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'no_credential' };
  if (row.revoked_at !== null) return { ok: false, reason: 'deleted_credential' };
  return { ok: true, caller: { groupId: row.group_id, environment: row.environment, apiKeyId: row.id } };
}

/** How a change made through the API is attributed in the record of changes. */
export const actorOf = (caller: Caller) => `api_key:${caller.apiKeyId}`;
