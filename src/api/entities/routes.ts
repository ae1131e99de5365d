import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { entityStatuses } from '../../domain/entities.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { idParams, pageQuery } from '../schemas.js';

const tags = ['Entities'];

export const entityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, entities } = app.services;

  app.get(
    '/entities',
    {
      schema: {
        operationId: 'list_entities',
        summary: 'List Entities',
        tags,
        querystring: Type.Object(
          {
            ...pageQuery,
            'status.in': Type.Optional(
              Type.String({ description: 'Comma-delimited statuses: active, archived, disabled.' }),
            ),
            'created_at.after': Type.Optional(Type.String({ format: 'date-time' })),
            'created_at.before': Type.Optional(Type.String({ format: 'date-time' })),
            'created_at.on_or_after': Type.Optional(Type.String({ format: 'date-time' })),
            'created_at.on_or_before': Type.Optional(Type.String({ format: 'date-time' })),
            idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      const statuses = query.enumList('status.in', entityStatuses);
      const createdAt = query.createdAt();
      const idempotencyKey = query.text('idempotency_key');
      query.check();
      return listResponse(
        await entities.list(db.db, request.caller.groupId, { statuses, createdAt, idempotencyKey }, page),
      );
    },
  );

  app.get(
    '/entities/:entity_id',
    {
      schema: { operationId: 'retrieve_an_entity', summary: 'Retrieve an Entity', tags, params: idParams('entity_id') },
    },
    (request) => entities.get(db.db, request.caller.groupId, request.params.entity_id),
  );
};
