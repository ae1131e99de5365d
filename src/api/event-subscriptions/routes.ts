import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { writeOnce } from '../../http/idempotency.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { errorSchema } from '../schemas.js';
import {
  createParams,
  eventSubscription,
  eventSubscriptionList,
  eventSubscriptionParams,
  listQuery,
  updateParams,
} from './schemas.js';

const tags = ['Event Subscriptions'];
const answers = <T>(schema: T) => ({ 200: schema, '4xx': errorSchema, '5xx': errorSchema });

export const eventSubscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { eventSubscriptions, db } = app.services;

  app.post(
    '/event_subscriptions',
    {
      schema: {
        operationId: 'create_an_event_subscription',
        summary: 'Create an Event Subscription',
        tags,
        body: createParams,
        response: answers(eventSubscription),
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx, key) => eventSubscriptions.create(tx, request.caller, request.body, key)),
  );

  app.get(
    '/event_subscriptions',
    {
      schema: {
        operationId: 'list_event_subscriptions',
        summary: 'List Event Subscriptions',
        tags,
        querystring: listQuery,
        response: answers(eventSubscriptionList),
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      const idempotencyKey = query.text('idempotency_key');
      query.check();
      return listResponse(await eventSubscriptions.list(db.db, request.caller.groupId, { idempotencyKey }, page));
    },
  );

  app.get(
    '/event_subscriptions/:event_subscription_id',
    {
      schema: {
        operationId: 'retrieve_an_event_subscription',
        summary: 'Retrieve an Event Subscription',
        tags,
        params: eventSubscriptionParams,
        response: answers(eventSubscription),
      },
    },
    (request) => eventSubscriptions.get(db.db, request.caller.groupId, request.params.event_subscription_id),
  );

  app.patch(
    '/event_subscriptions/:event_subscription_id',
    {
      schema: {
        operationId: 'update_an_event_subscription',
        summary: 'Update an Event Subscription',
        tags,
        params: eventSubscriptionParams,
        body: updateParams,
        response: answers(eventSubscription),
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx) =>
        eventSubscriptions.update(tx, request.caller.groupId, request.params.event_subscription_id, request.body),
      ),
  );
};
