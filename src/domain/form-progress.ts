import { compiledOnce } from '../storage/compiled-once.js';
import type { Executor } from '../storage/database.js';
import type { Keyring } from './secrets.js';
import { nowTimestamp } from './time.js';

/**
 * What a customer has typed into the hosted form so far, one record per session: personal
 * data, so kept encrypted (the session id as context) and only while the session is open.
 */

const readProgress = compiledOnce((db, { sessionId }: { sessionId: string }) =>
  db.selectFrom('onboarding_progress').select('data').where('id', '=', sessionId),
);

export async function loadFormProgress(db: Executor, keyring: Keyring, sessionId: string): Promise<unknown> {
  const [row] = (await readProgress(db, { sessionId })).rows;
  return row ? JSON.parse(keyring.decrypt(row.data, sessionId)) : undefined;
}

export async function saveFormProgress(
  db: Executor,
  keyring: Keyring,
  session: { id: string; group_id: string },
  progress: object,
): Promise<void> {
  const data = keyring.encrypt(JSON.stringify(progress), session.id);
  const updatedAt = nowTimestamp();
  await db
    .insertInto('onboarding_progress')
    .values({ id: session.id, group_id: session.group_id, data, updated_at: updatedAt })
    .onConflict((c) => c.column('id').doUpdateSet({ data, updated_at: updatedAt }))
    .execute();
}

/** A closed session's answers have no further use. */
export async function forgetFormProgress(db: Executor, sessionIds: string[]): Promise<void> {
  if (sessionIds.length > 0) await db.deleteFrom('onboarding_progress').where('id', 'in', sessionIds).execute();
}
