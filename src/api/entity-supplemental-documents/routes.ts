import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EntitySupplementalDocument } from '../../domain/supplemental-documents.js';
import { writeOnce } from '../../http/idempotency.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { errorSchema } from '../schemas.js';
import { createParams, documentList, entitySupplementalDocument, listQuery } from './schemas.js';

const tags = ['Supplemental Documents'];
const answers = <T>(schema: T) => ({ 200: schema, '4xx': errorSchema, '5xx': errorSchema });

export const supplementalDocumentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { supplementalDocuments, db } = app.services;

  app.post(
    '/entity_supplemental_documents',
    {
      schema: {
        operationId: 'create_a_supplemental_document_for_an_entity',
        summary: 'Create a supplemental document for an Entity',
        tags,
        body: createParams,
        response: answers(entitySupplementalDocument),
      },
    },
    (request, reply) =>
      writeOnce<EntitySupplementalDocument>(
        request,
        reply,
        (tx, key) => supplementalDocuments.create(tx, request.caller, request.body, key),
        {
          // The document has no id of its own; a reused key points at the Entity it was attached to.
          resourceId: (document) => document.entity_id,
        },
      ),
  );

  app.get(
    '/entity_supplemental_documents',
    {
      schema: {
        operationId: 'list_entity_supplemental_document_submissions',
        summary: 'List Entity Supplemental Document Submissions',
        tags,
        querystring: listQuery,
        response: answers(documentList),
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      const idempotencyKey = query.text('idempotency_key');
      query.check();
      const filter = { entityId: request.query.entity_id, idempotencyKey };
      return listResponse(await supplementalDocuments.list(db.db, request.caller.groupId, filter, page));
    },
  );
};
