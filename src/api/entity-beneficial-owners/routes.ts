import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { actorOf } from '../../domain/access.js';
import { beneficialOwnerCreateParams, beneficialOwnerUpdateParams } from '../../domain/entities/params.js';
import { invalidParameters } from '../../domain/errors.js';
import { writeOnce } from '../../http/idempotency.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { idParams, pageQuery } from '../schemas.js';

const tags = ['Beneficial Owners'];
const ownerParams = idParams('entity_beneficial_owner_id');

export const beneficialOwnerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db, entities } = app.services;
  const { owners } = entities;

  app.post(
    '/entity_beneficial_owners',
    {
      schema: {
        operationId: 'create_a_beneficial_owner',
        summary: 'Create a beneficial owner',
        tags,
        body: beneficialOwnerCreateParams,
      },
    },
    (request, reply) => writeOnce(request, reply, (tx, key) => owners.create(tx, request.caller, request.body, key)),
  );

  app.get(
    '/entity_beneficial_owners',
    {
      schema: {
        operationId: 'list_beneficial_owners',
        summary: 'List beneficial owners',
        tags,
        querystring: Type.Object(
          {
            ...pageQuery,
            entity_id: Type.String({ description: 'The Entity whose beneficial owners to list.' }),
            idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: true },
        ),
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      const entityId = query.text('entity_id');
      const idempotencyKey = query.text('idempotency_key');
      query.check();
      if (!entityId) throw invalidParameters([{ field: 'entity_id', message: 'is required' }]);
      return listResponse(await owners.list(db.db, request.caller.groupId, { entityId, idempotencyKey }, page));
    },
  );

  app.get(
    '/entity_beneficial_owners/:entity_beneficial_owner_id',
    {
      schema: {
        operationId: 'retrieve_a_beneficial_owner',
        summary: 'Retrieve a beneficial owner',
        tags,
        params: ownerParams,
      },
    },
    (request) => owners.get(db.db, request.caller.groupId, request.params.entity_beneficial_owner_id),
  );

  app.patch(
    '/entity_beneficial_owners/:entity_beneficial_owner_id',
    {
      schema: {
        operationId: 'update_a_beneficial_owner',
        summary: 'Update a beneficial owner',
        tags,
        params: ownerParams,
        body: beneficialOwnerUpdateParams,
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx) =>
        owners.update(
          tx,
          request.caller.groupId,
          request.params.entity_beneficial_owner_id,
          request.body,
          actorOf(request.caller),
        ),
      ),
  );

  app.post(
    '/entity_beneficial_owners/:entity_beneficial_owner_id/archive',
    {
      schema: {
        operationId: 'archive_a_beneficial_owner',
        summary: 'Archive a beneficial owner',
        tags,
        params: ownerParams,
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx) => owners.archive(tx, request.caller, request.params.entity_beneficial_owner_id)),
  );
};
