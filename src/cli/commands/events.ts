import { EventSubscriptions } from '../../domain/event-subscriptions.js';
import { listRecentDeliveries, redeliverEvent } from '../../domain/webhook-deliveries.js';
import { type Command, NotFoundError, print, serverKeyring, UsageError, withDatabase } from '../command.js';

/** Webhook deliveries and subscriptions. */
export const eventCommands: Record<string, Command> = {
  'events deliveries': {
    usage: 'onboard events deliveries [--failed] [--limit N]',
    summary: 'Print recent webhook deliveries, newest first, as a JSON array.',
    options: {
      failed: { type: 'boolean', description: 'only deliveries that have failed for good' },
      limit: { type: 'string', description: 'how many to print, 1 to 1000 (default: 50)' },
    },
    details: [
      'Each delivery: id, event_id, category, event_subscription_id, url, status (pending,',
      'succeeded or failed), attempt_count, last_status_code, last_error, next_attempt_at and',
      'created_at. Covers every group.',
    ],
    async run(values, flags) {
      const limit = values.limit === undefined ? 50 : Number(values.limit);
      if (!/^\d+$/.test(values.limit ?? '50') || limit < 1 || limit > 1000) {
        throw new UsageError('--limit must be a whole number from 1 to 1000');
      }
      print(
        await withDatabase((database) => listRecentDeliveries(database.db, { failedOnly: flags.has('failed'), limit })),
      );
    },
  },
  'events redeliver': {
    usage: 'onboard events redeliver EVENT_ID',
    summary: 'Queue an Event again for each active subscription that selects its category.',
    arguments: ['EVENT_ID'],
    options: {},
    details: [
      'Adds a new pending delivery, due now, per subscription; earlier deliveries stay as they were.',
      'A running server sends them. Prints the event and the deliveries queued, as JSON.',
    ],
    async run(_values, _flags, [eventId]) {
      const result = await withDatabase((database) =>
        database.transaction((tx) => redeliverEvent(tx, eventId as string)),
      );
      if (!result) throw new NotFoundError(`no Event with id ${eventId}`);
      print(result);
    },
  },
  'events subscriptions secret': {
    usage: 'onboard events subscriptions secret SUBSCRIPTION_ID',
    summary: "Print an Event Subscription's shared secret (which signs its webhooks) as JSON.",
    arguments: ['SUBSCRIPTION_ID'],
    options: {},
    details: [
      "Increase's Event Subscription object has no field for the secret, so this is the way to",
      'learn one that was generated. Needs the encryption keys the servers use (ONBOARD_KEY_FILE',
      'or ONBOARD_ENCRYPTION_KEY).',
    ],
    async run(_values, _flags, [subscriptionId]) {
      const keyring = serverKeyring();
      const secret = await withDatabase((database) =>
        new EventSubscriptions(keyring).sharedSecret(database.db, subscriptionId as string),
      );
      if (secret === null) throw new NotFoundError(`no Event Subscription with id ${subscriptionId}`);
      print({ event_subscription_id: subscriptionId, shared_secret: secret });
    },
  },
};
