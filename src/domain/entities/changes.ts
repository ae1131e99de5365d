import type { Executor } from '../../storage/database.js';
import type { EntityChangeTable } from '../../storage/schema.js';
import { newId } from '../ids.js';
import { nowTimestamp } from '../time.js';

/**
 * Records that an Entity was created or changed, in the caller's transaction, so that events
 * and webhooks can be built from this record without the Entity domain knowing about them.
 */
export async function recordChange(
  db: Executor,
  change: { groupId: string; entityId: string; change: EntityChangeTable['change']; actor: string },
): Promise<void> {
  await db
    .insertInto('entity_changes')
    .values({
      id: newId('entity_change'),
      group_id: change.groupId,
      entity_id: change.entityId,
      change: change.change,
      actor: change.actor,
      created_at: nowTimestamp(),
    })
    .execute();
}
