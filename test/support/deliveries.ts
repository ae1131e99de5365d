import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Database } from '../../src/storage/database.js';
import type { WebhookDeliveryAttemptTable, WebhookDeliveryTable } from '../../src/storage/schema.js';

/** The webhook outbox and its attempts, read straight from a server's database. */
export class DeliveryLog {
  readonly database: Database;

  constructor(databaseUrl: string) {
    this.database = Database.open(loadConfig({ DATABASE_URL: databaseUrl, ONBOARD_PG_POOL_SIZE: '2' }).database);
  }

  /** Deliveries of these events (or of every event), oldest first. */
  deliveries(filter: { eventIds?: string[]; subscriptionIds?: string[] } = {}): Promise<WebhookDeliveryTable[]> {
    let query = this.database.db.selectFrom('webhook_deliveries').selectAll();
    if (filter.eventIds) query = query.where('event_id', 'in', filter.eventIds);
    if (filter.subscriptionIds) query = query.where('event_subscription_id', 'in', filter.subscriptionIds);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  /** The one delivery of an event (to its one subscription). */
  async delivery(eventId: string): Promise<WebhookDeliveryTable> {
    const rows = await this.deliveries({ eventIds: [eventId] });
    expect(rows, `deliveries of ${eventId}`).toHaveLength(1);
    return rows[0] as WebhookDeliveryTable;
  }

  /** The recorded attempts of these deliveries, by delivery then attempt number. */
  attempts(deliveryIds: string[]): Promise<WebhookDeliveryAttemptTable[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return this.database.db
      .selectFrom('webhook_delivery_attempts')
      .selectAll()
      .where('delivery_id', 'in', deliveryIds)
      .orderBy('delivery_id')
      .orderBy('attempt_number')
      .execute();
  }

  /** When an event was recorded, to the millisecond (the API shows it to the second). */
  async eventCreatedAt(eventId: string): Promise<number> {
    const row = await this.database.db
      .selectFrom('events')
      .select('created_at')
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    return Date.parse(row.created_at);
  }

  /**
   * Asserts that every attempt of these deliveries was recorded once: attempt numbers 1 to
   * attempt_count, each once, and nothing beyond. Returns the attempts by delivery id.
   */
  async expectEachAttemptOnce(deliveries: WebhookDeliveryTable[]): Promise<Map<string, WebhookDeliveryAttemptTable[]>> {
    const attempts = await this.attempts(deliveries.map((d) => d.id));
    const byDelivery = new Map<string, WebhookDeliveryAttemptTable[]>(deliveries.map((d) => [d.id, []]));
    for (const attempt of attempts) byDelivery.get(attempt.delivery_id)?.push(attempt);
    for (const delivery of deliveries) {
      const numbers = (byDelivery.get(delivery.id) ?? []).map((a) => a.attempt_number);
      const expected = Array.from({ length: delivery.attempt_count }, (_, i) => i + 1);
      expect(numbers, `attempt numbers of ${delivery.id}`).toEqual(expected);
    }
    return byDelivery;
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}
