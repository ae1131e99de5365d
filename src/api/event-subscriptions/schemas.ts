import { Type } from '@sinclair/typebox';
import { eventCategories } from '../../domain/events.js';
import { eventCategory } from '../events/schemas.js';
import { dateTime, idParams, listOf, nullable, objectId, pageQuery } from '../schemas.js';

const status = Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('deleted')]);

export const eventSubscription = Type.Object(
  {
    type: Type.Literal('event_subscription'),
    id: objectId(),
    created_at: dateTime,
    idempotency_key: nullable(Type.String()),
    oauth_connection_id: Type.Null(),
    selected_event_categories: nullable(
      Type.Array(Type.Object({ event_category: eventCategory }, { additionalProperties: false })),
    ),
    status,
    url: Type.String(),
  },
  { $id: 'event_subscription', title: 'Event Subscription', additionalProperties: false },
);

export const createParams = Type.Object(
  {
    url: Type.String({ description: 'The URL you would like webhooks delivered to.' }),
    selected_event_categories: Type.Optional(
      Type.Array(
        Type.Object(
          {
            // Checked by the domain, so that an unknown category is named with its position.
            event_category: Type.String({ description: `One of: ${eventCategories.join(', ')}.` }),
          },
          { additionalProperties: false },
        ),
        { description: 'If given, only Events of these categories are delivered; otherwise all of them.' },
      ),
    ),
    shared_secret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'The key that signs webhooks; a random one when left out (see `onboard events subscriptions secret`).',
      }),
    ),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled')])),
    oauth_connection_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { title: 'Create an Event Subscription parameters' },
);

export const updateParams = Type.Object(
  { status: Type.Optional(status) },
  { title: 'Update an Event Subscription parameters', additionalProperties: false },
);

export const listQuery = Type.Object(
  { ...pageQuery, idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: true },
);

export const eventSubscriptionList = listOf(eventSubscription, 'Event Subscription List');
export const eventSubscriptionParams = idParams('event_subscription_id');
