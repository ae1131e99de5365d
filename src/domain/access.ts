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

async function lookUpKey(db: Executor, keyHash: string): Promise<Authentication> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'group_id', 'environment', 'revoked_at'])
    .where('key_hash', '=', keyHash)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'no_credential' };
  if (row.revoked_at !== null) return { ok: false, reason: 'deleted_credential' };
  return { ok: true, caller: { groupId: row.group_id, environment: row.environment, apiKeyId: row.id } };
}

/** How long a key found valid is trusted before the database is asked again. */
const trustedKeyMs = 1000;
const maxTrustedKeys = 10_000;

/**
 * Authentication with a moment's memory: a key found valid is not looked up again for a second,
 * which spares every request of a busy client a query. A key revoked in the database (by any
 * process) therefore stops working within a second; a key not found is looked up every time, so
 * a new key works at once. Keys are held by their hash only.
 */
export class ApiKeys {
  private readonly trusted = new Map<string, { caller: Caller; until: number }>();

  /**
   * The caller of a key found valid less than a second ago, found without a query (on every
   * request of a busy client, so without a promise either); if none, ask `lookUp`.
   */
  remembered(apiKey: string): { keyHash: string; caller: Caller | undefined } {
    const keyHash = sha256(apiKey);
    const known = this.trusted.get(keyHash);
    return { keyHash, caller: known && known.until > Date.now() ? known.caller : undefined };
  }

  /** Asks the database, and remembers a valid key for a second. */
  async lookUp(db: Executor, keyHash: string): Promise<Authentication> {
    const now = Date.now();
    const result = await lookUpKey(db, keyHash);
    if (!result.ok) this.trusted.delete(keyHash);
    else {
      if (this.trusted.size >= maxTrustedKeys) this.trusted.clear();
      this.trusted.set(keyHash, { caller: result.caller, until: now + trustedKeyMs });
    }
    return result;
  }
}

/** How a change made through the API is attributed in the record of changes. */
export const actorOf = (caller: Caller) => `api_key:${caller.apiKeyId}`;
