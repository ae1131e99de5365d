import { Type } from '@sinclair/typebox';
import { dateTime, listOf, nullable, objectId, pageQuery } from '../schemas.js';

export const entitySupplementalDocument = Type.Object(
  {
    type: Type.Literal('entity_supplemental_document'),
    entity_id: objectId(),
    file_id: objectId(),
    created_at: dateTime,
    idempotency_key: nullable(Type.String()),
  },
  { $id: 'entity_supplemental_document', title: 'Supplemental Document', additionalProperties: false },
);

export const createParams = Type.Object(
  {
    entity_id: Type.String({
      description: 'The identifier of the Entity to associate with the supplemental document.',
    }),
    file_id: Type.String({ description: 'The identifier of the File containing the document.' }),
  },
  { title: 'Create a supplemental document for an Entity parameters' },
);

export const listQuery = Type.Object(
  {
    ...pageQuery,
    entity_id: Type.String({ description: 'The identifier of the Entity to list supplemental documents for.' }),
    idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: true },
);

export const documentList = listOf(entitySupplementalDocument, 'Supplemental Document List');
