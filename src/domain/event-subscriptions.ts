import type { Executor } from '../storage/database.js';
import { madeWithKey } from '../storage/made-with-key.js';
import { findOwned } from '../storage/owned.js';
import { keysetPage, type Page, type PageRequest, toPage } from '../storage/pagination.js';
import type { EventSubscriptionTable } from '../storage/schema.js';
import type { Caller } from './access.js';
import { FieldErrors, invalidOperation, notFound } from './errors.js';
import { type EventCategory, eventCategories } from './events.js';
import { newId, randomString } from './ids.js';
import type { Keyring } from './secrets.js';
import { nowTimestamp, wireTimestamp } from './time.js';
import { urlPolicyProblem } from './webhook-url.js';

export type EventSubscriptionStatus = EventSubscriptionTable['status'];

/** An Event Subscription as Increase shows it; its shared secret is never shown. */
export interface EventSubscription {
  type: 'event_subscription';
  id: string;
  created_at: string;
  idempotency_key: string | null;
  oauth_connection_id: null;
  /** Null when the subscription takes every category. */
  selected_event_categories: { event_category: EventCategory }[] | null;
  status: EventSubscriptionStatus;
  url: string;
}

export interface EventSubscriptionCreateParams {
  url: string;
  selected_event_categories?: { event_category: string }[];
  shared_secret?: string;
  status?: 'active' | 'disabled';
  oauth_connection_id?: string;
}

export interface EventSubscriptionUpdateParams {
  status?: EventSubscriptionStatus;
}

/** Length of the shared secret made when the caller gives none: ~238 bits from a CSPRNG. */
const generatedSecretLength = 40;

const isEventCategory = (value: string): value is EventCategory =>
  (eventCategories as readonly string[]).includes(value);

function present(row: EventSubscriptionTable): EventSubscription {
  const selected = row.selected_event_categories;
  return {
    type: 'event_subscription',
    id: row.id,
    created_at: wireTimestamp(row.created_at),
    idempotency_key: row.idempotency_key,
    oauth_connection_id: null,
    selected_event_categories:
      selected === null
        ? null
        : (JSON.parse(selected) as EventCategory[]).map((event_category) => ({ event_category })),
    status: row.status,
    url: row.url,
  };
}

/**
 * Where a group's Events are delivered as webhooks. The shared secret that signs deliveries is
 * encrypted at rest with the subscription's id as context (see Keyring).
 */
export class EventSubscriptions {
  constructor(private readonly keyring: Keyring) {}

  async create(
    db: Executor,
    caller: Caller,
    params: EventSubscriptionCreateParams,
    idempotencyKey: string | null,
  ): Promise<EventSubscription> {
    const errors = new FieldErrors();
    const problem = urlPolicyProblem(params.url, caller.environment);
    if (problem) errors.add('url', problem);
    const categories: EventCategory[] = [];
    if (params.selected_event_categories?.length === 0) {
      errors.add('selected_event_categories', 'must name at least one category; leave it out to receive them all');
    }
    params.selected_event_categories?.forEach(({ event_category }, i) => {
      if (!isEventCategory(event_category)) {
        errors.add(
          `selected_event_categories.${i}.event_category`,
          `must be one of the categories Onboard emits: ${eventCategories.join(', ')}`,
        );
      } else if (!categories.includes(event_category)) {
        categories.push(event_category);
      }
    });
    if (params.oauth_connection_id !== undefined) {
      errors.add('oauth_connection_id', `no OAuth Connection with id ${params.oauth_connection_id} was found`);
    }
    errors.throwIfAny();

    const id = newId('event_subscription');
    const now = nowTimestamp();
    const row: EventSubscriptionTable = {
      id,
      group_id: caller.groupId,
      environment: caller.environment,
      url: params.url,
      shared_secret: this.keyring.encrypt(params.shared_secret ?? randomString(generatedSecretLength), id),
      status: params.status ?? 'active',
      selected_event_categories: params.selected_event_categories ? JSON.stringify(categories) : null,
      idempotency_key: idempotencyKey,
      created_at: now,
      updated_at: now,
    };
    await db.insertInto('event_subscriptions').values(row).execute();
    return present(row);
  }

  private async findRow(db: Executor, groupId: string, id: string): Promise<EventSubscriptionTable> {
    return (await findOwned(db, 'event_subscriptions', groupId, id)) ?? notFound(id);
  }

  async get(db: Executor, groupId: string, id: string): Promise<EventSubscription> {
    return present(await this.findRow(db, groupId, id));
  }

  async list(
    db: Executor,
    groupId: string,
    filter: { idempotencyKey?: string },
    page: PageRequest,
  ): Promise<Page<EventSubscription>> {
    let query = db.selectFrom('event_subscriptions').selectAll().where('group_id', '=', groupId);
    if (filter.idempotencyKey !== undefined) query = madeWithKey(query, groupId, filter.idempotencyKey);
    return toPage(await keysetPage(query, page).execute(), page, present);
  }

  /** Activates, disables or deletes a subscription; a deleted one stays deleted. */
  async update(
    db: Executor,
    groupId: string,
    id: string,
    params: EventSubscriptionUpdateParams,
  ): Promise<EventSubscription> {
    const row = await this.findRow(db, groupId, id);
    const deleted = () => invalidOperation(`Event Subscription ${id} has been deleted and cannot be changed.`);
    if (row.status === 'deleted') throw deleted();
    if (params.status === undefined || params.status === row.status) return present(row);
    const updated: EventSubscriptionTable = { ...row, status: params.status, updated_at: nowTimestamp() };
    // Guarded on the stored status, so a concurrent delete cannot be undone.
    const result = await db
      .updateTable('event_subscriptions')
      .set({ status: updated.status, updated_at: updated.updated_at })
      .where('id', '=', id)
      .where('status', '<>', 'deleted')
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw deleted();
    return present(updated);
  }

  /**
   * The shared secret that signs a subscription's deliveries, decrypted, or null if there is no
   * such subscription (in any group). For the operator
   * (`onboard events subscriptions secret`) and the dispatcher: Increase's object has no field
   * for it, so the API never shows it.
   */
  async sharedSecret(db: Executor, id: string): Promise<string | null> {
    const row = await db
      .selectFrom('event_subscriptions')
      .select(['id', 'shared_secret'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? readSharedSecret(this.keyring, row) : null;
  }
}

/** Decrypts a subscription row's shared secret (encrypted with the row's id as context). */
export function readSharedSecret(keyring: Keyring, row: Pick<EventSubscriptionTable, 'id' | 'shared_secret'>): string {
  try {
    return keyring.decrypt(row.shared_secret, row.id);
  } catch {
    throw new Error(
      `the shared secret of ${row.id} cannot be decrypted with the configured encryption keys; ` +
        'use the key file or ONBOARD_ENCRYPTION_KEY the servers use',
    );
  }
}
