import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { getProgram, listPrograms } from '../../domain/programs.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { dateTime, errorSchema, idParams, listOf, nullable, objectId, pageQuery } from '../schemas.js';

export const program = Type.Object(
  {
    type: Type.Literal('program'),
    id: objectId(),
    name: Type.String(),
    bank: Type.Union([
      Type.Literal('core_bank'),
      Type.Literal('first_internet_bank'),
      Type.Literal('grasshopper_bank'),
    ]),
    billing_account_id: nullable(Type.String()),
    default_digital_card_profile_id: nullable(Type.String()),
    interest_rate: Type.String(),
    lending: Type.Null(),
    created_at: dateTime,
    updated_at: dateTime,
  },
  { title: 'Program', additionalProperties: false },
);

const tags = ['Programs'];

export const programRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { db } = app.services;

  app.get(
    '/programs',
    {
      schema: {
        operationId: 'list_programs',
        summary: 'List Programs',
        tags,
        querystring: Type.Object(pageQuery, { additionalProperties: true }),
        response: { 200: listOf(program, 'Program List'), '4xx': errorSchema },
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      query.check();
      return listResponse(await listPrograms(db.db, request.caller.groupId, page));
    },
  );

  app.get(
    '/programs/:program_id',
    {
      schema: {
        operationId: 'retrieve_a_program',
        summary: 'Retrieve a Program',
        tags,
        params: idParams('program_id'),
        response: { 200: program, '4xx': errorSchema },
      },
    },
    (request) => getProgram(db.db, request.caller.groupId, request.params.program_id),
  );
};
