import type { Executor } from '../storage/database.js';
import type { WebhookDeliveryTable } from '../storage/schema.js';
import { queueDeliveries } from './events.js';
import { nowTimestamp } from './time.js';

/** One webhook delivery as the operator sees it (`onboard events deliveries`). */
export interface DeliverySummary {
  id: string;
  event_id: string;
  category: string;
  event_subscription_id: string;
  url: string;
  status: WebhookDeliveryTable['status'];
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string;
  created_at: string;
}

const summaries = (db: Executor) =>
  db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .innerJoin('event_subscriptions as s', 's.id', 'd.event_subscription_id')
    .select([
      'd.id',
      'd.event_id',
      'e.category',
      'd.event_subscription_id',
      's.url',
      'd.status',
      'd.attempt_count',
      'd.last_status_code',
      'd.last_error',
      'd.next_attempt_at',
      'd.created_at',
    ]);

/** The most recent deliveries of every group, newest first; only failed ones if asked. */
export async function listRecentDeliveries(
  db: Executor,
  options: { failedOnly: boolean; limit: number },
): Promise<DeliverySummary[]> {
  let query = summaries(db);
  if (options.failedOnly) query = query.where('d.status', '=', 'failed');
  return query.orderBy('d.created_at', 'desc').orderBy('d.id', 'desc').limit(options.limit).execute();
}

/**
 * Queues the event again, as a new pending delivery due now, for each active subscription of
 * its group that selects its category; earlier deliveries are left as they are. Null when
 * there is no such event.
 */
export async function redeliverEvent(
  db: Executor,
  eventId: string,
): Promise<{ event_id: string; category: string; queued: DeliverySummary[] } | null> {
  const event = await db
    .selectFrom('events')
    .select(['id', 'group_id', 'category'])
    .where('id', '=', eventId)
    .executeTakeFirst();
  if (!event) return null;
  const queued = await queueDeliveries(db, [event], nowTimestamp());
  const ids = queued.map((d) => d.id);
  const rows =
    ids.length === 0
      ? []
      : await summaries(db).where('d.id', 'in', ids).orderBy('d.created_at').orderBy('d.id').execute();
  return { event_id: event.id, category: event.category, queued: rows };
}
