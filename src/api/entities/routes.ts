import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../../domain/access.js';
import { entityCreateParams, entityUpdateParams, validationUpdateParams } from '../../domain/entities/params.js';
import { entityStatuses } from '../../domain/entities/service.js';
import { writeOnce } from '../../http/idempotency.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { idParams, pageQuery } from '../schemas.js';

const tags = ['Entities'];
const entityParams = idParams('entity_id');

export const entityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, entities } = app.services;

  app.post(
    '/entities',
    { schema: { operationId: 'create_an_entity', summary: 'Create an Entity', tags, body: entityCreateParams } },
    (request, reply) =>
      writeOnce(request, reply, (tx, idempotencyKey) =>
        entities.create(tx, request.caller.groupId, request.body, { idempotencyKey, actor: actorOf(request.caller) }),
      ),
  );

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
    { schema: { operationId: 'retrieve_an_entity', summary: 'Retrieve an Entity', tags, params: entityParams } },
    (request) => entities.get(db.db, request.caller.groupId, request.params.entity_id),
  );

  app.patch(
    '/entities/:entity_id',
    {
      schema: {
        operationId: 'update_an_entity',
        summary: 'Update an Entity',
        tags,
        params: entityParams,
        body: entityUpdateParams,
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx) =>
        entities.update(tx, request.caller.groupId, request.params.entity_id, request.body, actorOf(request.caller)),
      ),
  );

  app.post(
    '/entities/:entity_id/archive',
    { schema: { operationId: 'archive_an_entity', summary: 'Archive an Entity', tags, params: entityParams } },
    (request, reply) =>
      writeOnce(request, reply, (tx) =>
        entities.archive(tx, request.caller, request.params.entity_id, actorOf(request.caller)),
      ),
  );

  app.post(
    '/simulations/entities/:entity_id/update_validation',
    {
      config: { sandboxOnly: true },
      schema: {
        operationId: 'sandbox_simulate_validation_of_an_entity',
        summary: 'Sandbox: set the validation outcome of an Entity',
        tags: ['Simulations'],
        params: entityParams,
        body: validationUpdateParams,
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx) =>
        entities.simulateValidation(tx, request.caller, request.params.entity_id, request.body),
      ),
  );
};
