import { type TSchema, Type } from '@sinclair/typebox';
import { verbatim } from '../http/response-serializer.js';

/** Pieces every resource's route schemas share. */

export const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A timestamp the server stored: written without escape checks (see `verbatim`). */
export const dateTime = Type.String({ format: 'date-time', [verbatim]: true });

/**
 * The id of an object the server made (`newId`), or of one it found by that id: written without
 * escape checks (see `verbatim`).
 */
export const objectId = (options: { description?: string } = {}) => Type.String({ ...options, [verbatim]: true });

/** `{ data, next_cursor }`, Increase's list shape. */
export const listOf = <T extends TSchema>(item: T, title: string) =>
  Type.Object({ data: Type.Array(item), next_cursor: nullable(Type.String({ [verbatim]: true })) }, { title });

/** A path parameter naming one object. */
export const idParams = <K extends string>(name: K) =>
  Type.Object({ [name]: Type.String() } as { [P in K]: ReturnType<typeof Type.String> });

/** Query parameters every list takes; the rest are declared per resource. */
export const pageQuery = {
  cursor: Type.Optional(Type.String({ description: 'Return the page of entries after this one.' })),
  limit: Type.Optional(
    Type.String({
      pattern: '^[0-9]+$',
      description: 'Limit the size of the list that is returned. The default (and maximum) is 100 objects.',
    }),
  ),
};

export const errorSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    detail: nullable(Type.String()),
    status: Type.Integer(),
  },
  { additionalProperties: true, title: 'Error' },
);
