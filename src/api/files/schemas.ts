import { Type } from '@sinclair/typebox';
import { filePurposes } from '../../domain/files.js';
import { dateTime, idParams, listOf, nullable, objectId, pageQuery } from '../schemas.js';

const purpose = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));

export const file = Type.Object(
  {
    type: Type.Literal('file'),
    id: objectId(),
    created_at: dateTime,
    description: nullable(Type.String()),
    direction: Type.Union([Type.Literal('to_increase'), Type.Literal('from_increase')]),
    filename: nullable(Type.String()),
    idempotency_key: nullable(Type.String()),
    mime_type: Type.String({ description: 'The media type, judged from the contents.' }),
    purpose: purpose(filePurposes),
  },
  { $id: 'file', title: 'File', additionalProperties: false },
);

export const listQuery = Type.Object(
  {
    ...pageQuery,
    'purpose.in': Type.Optional(Type.String({ description: 'Comma-delimited purposes.' })),
    'created_at.after': Type.Optional(Type.String({ description: 'An ISO 8601 date and time.' })),
    'created_at.before': Type.Optional(Type.String({ description: 'An ISO 8601 date and time.' })),
    'created_at.on_or_after': Type.Optional(Type.String({ description: 'An ISO 8601 date and time.' })),
    'created_at.on_or_before': Type.Optional(Type.String({ description: 'An ISO 8601 date and time.' })),
    idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: true },
);

export const fileList = listOf(file, 'File List');
export const fileParams = idParams('file_id');
