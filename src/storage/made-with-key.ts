import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import type { Schema } from './schema.js';

/**
 * Only the row an `Idempotency-Key` made, found through the key's idempotency record: a key makes
 * at most one object, and its record, written in the same transaction and never deleted, names
 * that object as `resource_id`. The record's primary key finds it, where the object's own column
 * has no index (one would be a random insert on every create, docs/benchmarks.md #51) and a filter
 * on it alone reads every row of the group. The row's own key must match too, since the key of a
 * later write to the object (an update, an expire) names it as well.
 */
// biome-ignore lint/suspicious/noExplicitAny: serves every table with `id` and `idempotency_key`
export function madeWithKey<QB extends SelectQueryBuilder<any, any, any>>(qb: QB, groupId: string, key: string): QB {
  return qb
    .where('id', '=', (eb: ExpressionBuilder<Schema, never>) =>
      eb.selectFrom('idempotency_keys').select('resource_id').where('group_id', '=', groupId).where('key', '=', key),
    )
    .where('idempotency_key', '=', key) as QB;
}
