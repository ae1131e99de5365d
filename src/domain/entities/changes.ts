import type { Executor } from '../../storage/database.js';
import type { EntityChangeTable } from '../../storage/schema.js';
import { emitEvent } from '../events.js';
import { newId } from '../ids.js';
import { nowTimestamp } from '../time.js';

/**
 * Records that an Entity was created or changed, in the caller's transaction, and announces it
 * as an `entity.created` or `entity.updated` Event (which queues its webhooks) in the same one.
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
  await emitEvent(db, {
    groupId: change.groupId,
    category: `entity.${change.change}`,
    objectId: change.entityId,
    objectType: 'entity',
  });
}
