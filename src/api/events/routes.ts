import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { eventCategories, getEvent, listEvents } from '../../domain/events.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { errorSchema } from '../schemas.js';
import { event, eventList, eventParams, listQuery } from './schemas.js';

const tags = ['Events'];
const answers = <T>(schema: T) => ({ 200: schema, '4xx': errorSchema, '5xx': errorSchema });

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.services;

  app.get(
    '/events',
    {
      schema: {
        operationId: 'list_events',
        summary: 'List Events',
        tags,
        querystring: listQuery,
        response: answers(eventList),
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      const categories = query.enumList('category.in', eventCategories);
      const associatedObjectId = query.text('associated_object_id');
      const createdAt = query.createdAt();
      query.check();
      return listResponse(
        await listEvents(db.db, request.caller.groupId, { categories, associatedObjectId, createdAt }, page),
      );
    },
  );

  app.get(
    '/events/:event_id',
    {
      schema: {
        operationId: 'retrieve_an_event',
        summary: 'Retrieve an Event',
        tags,
        params: eventParams,
        response: answers(event),
      },
    },
    (request) => getEvent(db.db, request.caller.groupId, request.params.event_id),
  );
};
