import { compiledOnce } from '../storage/compiled-once.js';
import type { Executor } from '../storage/database.js';
import { findOwned } from '../storage/owned.js';
import {
  type CreatedAtFilter,
  keysetPage,
  type Page,
  type PageRequest,
  toPage,
  whereCreatedAt,
} from '../storage/pagination.js';
import type { EventTable, WebhookDeliveryTable } from '../storage/schema.js';
import { notFound } from './errors.js';
import { newId } from './ids.js';
import { nowTimestamp, wireTimestamp } from './time.js';

/** The categories Onboard emits: Increase's, and its own for sessions in the same shape. */
export const eventCategories = [
  'entity.created',
  'entity.updated',
  'program.created',
  'program.updated',
  'entity_onboarding_session.created',
  'entity_onboarding_session.updated',
] as const;
export type EventCategory = (typeof eventCategories)[number];

/** An Event as Increase shows it. */
export interface Event {
  type: 'event';
  id: string;
  category: EventCategory;
  associated_object_id: string;
  associated_object_type: string;
  created_at: string;
}

export const presentEvent = (row: EventTable): Event => ({
  type: 'event',
  id: row.id,
  category: row.category as EventCategory,
  associated_object_id: row.associated_object_id,
  associated_object_type: row.associated_object_type,
  created_at: wireTimestamp(row.created_at),
});

/** What happened, to whom: the makings of an Event. */
export interface Happening {
  groupId: string;
  category: EventCategory;
  objectId: string;
  objectType: string;
}

/**
 * Records that something happened, in the caller's transaction, and queues one webhook
 * delivery for each active subscription that wants it (the outbox). Nothing is sent here:
 * if the transaction rolls back, the event and its deliveries never existed.
 */
export async function emitEvent(db: Executor, happening: Happening): Promise<Event> {
  return (await emitEvents(db, [happening]))[0] as Event;
}

const insertEvent = compiledOnce((db, row: EventTable) => db.insertInto('events').values(row));

/** Rows per multi-row INSERT: well under either backend's limit of bound parameters. */
const rowsPerInsert = 500;

/** `emitEvent` for many at once: one INSERT of the events and one of their deliveries. */
export async function emitEvents(db: Executor, happenings: Happening[]): Promise<Event[]> {
  const now = nowTimestamp();
  const rows: EventTable[] = happenings.map((happening) => ({
    id: newId('event'),
    group_id: happening.groupId,
    category: happening.category,
    associated_object_id: happening.objectId,
    associated_object_type: happening.objectType,
    created_at: now,
  }));
  // Sent together: one round trip on PostgreSQL (see PostgresTransactions).
  const [, subscriptions] = await Promise.all([insertEvents(db, rows), subscriptionsFor(db, rows)]);
  await insertDeliveries(db, deliveriesOf(rows, subscriptions, now));
  return rows.map(presentEvent);
}

async function insertEvents(db: Executor, rows: EventTable[]): Promise<void> {
  // One event, the common case, by a statement compiled once; several by multi-row INSERTs.
  if (rows.length === 1) await insertEvent(db, rows[0] as EventTable);
  else for (const chunk of chunks(rows)) await db.insertInto('events').values(chunk).execute();
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += rowsPerInsert) out.push(items.slice(i, i + rowsPerInsert));
  return out;
}

/** Whether a subscription's stored selection (JSON, or null for every category) takes `category`. */
const selectsCategory = (selected: string | null, category: string) =>
  selected === null || (JSON.parse(selected) as string[]).includes(category);

const activeSubscriptions = (db: Executor) =>
  db
    .selectFrom('event_subscriptions')
    .select(['id', 'group_id', 'selected_event_categories'])
    .where('status', '=', 'active')
    .orderBy('created_at')
    .orderBy('id');

const subscriptionsOfGroup = compiledOnce((db, { groupId }: { groupId: string }) =>
  activeSubscriptions(db).where('group_id', '=', groupId),
);

type DeliveredEvent = Pick<EventTable, 'id' | 'group_id' | 'category'>;
type Subscription = { id: string; group_id: string; selected_event_categories: string | null };

/** The active subscriptions of the events' groups; each group's are read once. */
async function subscriptionsFor(db: Executor, events: DeliveredEvent[]): Promise<Subscription[]> {
  const groupIds = [...new Set(events.map((event) => event.group_id))];
  if (groupIds.length === 0) return [];
  if (groupIds.length === 1) return (await subscriptionsOfGroup(db, { groupId: groupIds[0] as string })).rows;
  return activeSubscriptions(db).where('group_id', 'in', groupIds).execute();
}

/** One pending delivery of each event to each subscription of its group that selects its category, due at `now`. */
const deliveriesOf = (events: DeliveredEvent[], subscriptions: Subscription[], now: string): WebhookDeliveryTable[] =>
  events.flatMap((event) =>
    subscriptions
      .filter((s) => s.group_id === event.group_id && selectsCategory(s.selected_event_categories, event.category))
      .map((subscription) => ({
        id: newId('webhook_delivery'),
        group_id: event.group_id,
        event_id: event.id,
        event_subscription_id: subscription.id,
        status: 'pending' as const,
        attempt_count: 0,
        next_attempt_at: now,
        locked_until: null,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })),
  );

async function insertDeliveries(db: Executor, deliveries: WebhookDeliveryTable[]): Promise<void> {
  for (const chunk of chunks(deliveries)) await db.insertInto('webhook_deliveries').values(chunk).execute();
}

/**
 * Queues one pending delivery of each event to each active subscription of its group that
 * selects its category, due at `now`; returns the deliveries it queued. Used when an operator
 * asks for events to be delivered again.
 */
export async function queueDeliveries(
  db: Executor,
  events: DeliveredEvent[],
  now: string,
): Promise<WebhookDeliveryTable[]> {
  const deliveries = deliveriesOf(events, await subscriptionsFor(db, events), now);
  await insertDeliveries(db, deliveries);
  return deliveries;
}

export interface EventFilter {
  categories?: EventCategory[];
  associatedObjectId?: string;
  createdAt: CreatedAtFilter;
}

export async function getEvent(db: Executor, groupId: string, id: string): Promise<Event> {
  return presentEvent((await findOwned(db, 'events', groupId, id)) ?? notFound(id));
}

export async function listEvents(
  db: Executor,
  groupId: string,
  filter: EventFilter,
  page: PageRequest,
): Promise<Page<Event>> {
  let query = db.selectFrom('events').selectAll().where('group_id', '=', groupId);
  if (filter.categories) query = query.where('category', 'in', filter.categories);
  if (filter.associatedObjectId !== undefined)
    query = query.where('associated_object_id', '=', filter.associatedObjectId);
  query = whereCreatedAt(query, filter.createdAt);
  return toPage(await keysetPage(query, page).execute(), page, presentEvent);
}
