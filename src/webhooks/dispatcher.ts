import { sql } from 'kysely';
import type { Logger } from 'pino';
import { readSharedSecret } from '../domain/event-subscriptions.js';
import { presentEvent } from '../domain/events.js';
import { newId } from '../domain/ids.js';
import type { Keyring } from '../domain/secrets.js';
import { nowTimestamp } from '../domain/time.js';
import type { Database } from '../storage/database.js';
import type { WebhookDeliveryTable } from '../storage/schema.js';
import { type PostResult, postWebhook, type Target } from './post.js';
import { webhookHeaders } from './signing.js';

export interface DispatcherSettings {
  /** How often to look for due deliveries. */
  pollIntervalMs: number;
  /** How long an attempt may take before it counts as failed. */
  timeoutMs: number;
  /** The first retry waits about this long; each next one twice as long. */
  retryBaseSeconds: number;
  /** No wait between retries is longer than this. */
  retryCapSeconds: number;
  /** After this long since the event, a delivery that never succeeded is marked failed. */
  retryWindowSeconds: number;
  /** Deliveries claimed per pass, and sent at once. */
  batchSize: number;
}

/** Decides where a subscription's URL may be reached, or why it may not (see event-subscriptions). */
export type TargetResolver = (
  url: string,
  environment: 'sandbox' | 'production',
) => Promise<Target | { refused: string }>;

type Delivery = WebhookDeliveryTable;

/**
 * Works off the outbox: claims due deliveries, sends each, and records the outcome. A claim is
 * a lease (`locked_until`), so a process that dies mid-attempt loses nothing: the lease runs out
 * and the delivery is tried again. On PostgreSQL several processes share the work through
 * `FOR UPDATE SKIP LOCKED`; on SQLite the one writer does it. An attempt's bookkeeping is
 * written once: the attempt number is unique per delivery, and the delivery row only moves on
 * from the attempt count that was claimed.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private passing = false;
  private stopped = true;
  /** Attempts under way; each runs on its own, so a slow receiver holds up only its own slot. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly database: Database,
    private readonly keyring: Keyring,
    private readonly resolveTarget: TargetResolver,
    private readonly settings: DispatcherSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops looking for work and waits for the attempts under way to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.passing || this.inFlight.size > 0) {
      await Promise.race([...this.inFlight, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), delayMs);
  }

  /**
   * Claims as many due deliveries as there are free slots and starts each. When it filled every
   * slot there may be more waiting: the next pass comes as soon as a slot frees, not a poll later.
   */
  private async pass(): Promise<void> {
    if (this.passing || this.stopped) return;
    this.passing = true;
    let claimed: Delivery[] = [];
    try {
      const free = this.settings.batchSize - this.inFlight.size;
      if (free > 0) claimed = await this.claim(free);
    } catch (error) {
      this.logger.error(
        { err: { type: (error as Error).name, message: (error as Error).message } },
        'webhook claim failed',
      );
    } finally {
      this.passing = false;
    }
    for (const delivery of claimed) {
      const attempt = this.attempt(delivery).finally(() => {
        this.inFlight.delete(attempt);
        this.schedule(0);
      });
      this.inFlight.add(attempt);
    }
    const busy = this.inFlight.size >= this.settings.batchSize;
    // A full slate is picked up again when an attempt ends (above); otherwise look again later.
    if (!busy) this.schedule(claimed.length > 0 ? 0 : this.settings.pollIntervalMs);
  }

  /** One pass to completion, for tools and tests: claim what is due, send it, record it. */
  async runOnce(): Promise<number> {
    const claimed = await this.claim(this.settings.batchSize);
    await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
    return claimed.length;
  }

  private async claim(limit: number): Promise<Delivery[]> {
    const now = nowTimestamp();
    // The lease outlasts the longest attempt, so a live process never loses its claim.
    const lease = new Date(Date.now() + this.settings.timeoutMs * 3 + 30_000).toISOString();
    const skipLocked = this.database.kind === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
    return this.database.transaction(async (tx) => {
      const { rows } = await sql<Delivery>`
        UPDATE webhook_deliveries SET locked_until = ${lease}
        WHERE id IN (
          SELECT id FROM webhook_deliveries
          WHERE status = 'pending' AND next_attempt_at <= ${now}
            AND (locked_until IS NULL OR locked_until <= ${now})
          ORDER BY next_attempt_at
          LIMIT ${limit}
          ${skipLocked}
        )
        RETURNING *`.execute(tx);
      return rows;
    });
  }

  /** Makes one attempt and records it; whatever goes wrong is recorded as its outcome. */
  private async attempt(delivery: Delivery): Promise<void> {
    const startedAt = nowTimestamp();
    const started = Date.now();
    let outcome: PostResult & { giveUp: boolean };
    try {
      outcome = await this.send(delivery);
    } catch (error) {
      outcome = { status: null, error: (error as Error).message, giveUp: false };
    }
    await this.record(delivery, { ...outcome, startedAt, durationMs: Date.now() - started }, outcome.giveUp);
  }

  private async send(delivery: Delivery): Promise<PostResult & { giveUp: boolean }> {
    const { db } = this.database;
    const [event, subscription] = await Promise.all([
      db.selectFrom('events').selectAll().where('id', '=', delivery.event_id).executeTakeFirstOrThrow(),
      db
        .selectFrom('event_subscriptions')
        .selectAll()
        .where('id', '=', delivery.event_subscription_id)
        .executeTakeFirstOrThrow(),
    ]);
    if (subscription.status !== 'active') {
      return { status: null, error: `the subscription is ${subscription.status}`, giveUp: true };
    }
    const target = await this.resolveTarget(subscription.url, subscription.environment);
    if ('refused' in target) return { status: null, error: target.refused, giveUp: false };
    const body = JSON.stringify(presentEvent(event));
    const secret = readSharedSecret(this.keyring, subscription);
    const result = await postWebhook(target, webhookHeaders(secret, event.id, body), body, this.settings.timeoutMs);
    return { ...result, giveUp: false };
  }

  /** The wait before retry number `attempt` (1-based): doubling from the base, capped, jittered. */
  private backoffMs(attempt: number): number {
    const seconds = Math.min(this.settings.retryCapSeconds, this.settings.retryBaseSeconds * 2 ** (attempt - 1));
    return seconds * 1000 * (0.8 + Math.random() * 0.4);
  }

  private async record(
    delivery: Delivery,
    outcome: PostResult & { startedAt: string; durationMs: number },
    giveUp: boolean,
  ): Promise<void> {
    const attemptNumber = delivery.attempt_count + 1;
    const succeeded = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const error = succeeded ? null : (outcome.error ?? `answered ${outcome.status}`);
    const nextAttemptAt = new Date(Date.now() + this.backoffMs(attemptNumber));
    const deadline = Date.parse(delivery.created_at) + this.settings.retryWindowSeconds * 1000;
    const status = succeeded ? 'succeeded' : giveUp || nextAttemptAt.getTime() > deadline ? 'failed' : 'pending';
    try {
      await this.database.transaction(async (tx) => {
        await tx
          .insertInto('webhook_delivery_attempts')
          .values({
            id: newId('webhook_delivery_attempt'),
            delivery_id: delivery.id,
            attempt_number: attemptNumber,
            started_at: outcome.startedAt,
            duration_ms: outcome.durationMs,
            status_code: outcome.status,
            error,
          })
          .execute();
        const moved = await tx
          .updateTable('webhook_deliveries')
          .set({
            status,
            attempt_count: attemptNumber,
            next_attempt_at: status === 'pending' ? nextAttemptAt.toISOString() : delivery.next_attempt_at,
            locked_until: null,
            last_attempt_at: outcome.startedAt,
            last_status_code: outcome.status,
            last_error: error,
            updated_at: nowTimestamp(),
          })
          .where('id', '=', delivery.id)
          .where('attempt_count', '=', delivery.attempt_count)
          .executeTakeFirst();
        if (moved.numUpdatedRows === 0n) throw new Error('another process recorded this attempt');
      });
    } catch (failure) {
      // Our lease ran out and another process took the delivery over: its record stands.
      this.logger.warn(
        { delivery_id: delivery.id, attempt: attemptNumber, reason: (failure as Error).message },
        'attempt not recorded',
      );
      return;
    }
    this.logger.info(
      {
        delivery_id: delivery.id,
        event_id: delivery.event_id,
        attempt: attemptNumber,
        status,
        status_code: outcome.status,
        duration_ms: outcome.durationMs,
      },
      'webhook attempt',
    );
  }
}
