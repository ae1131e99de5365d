import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sessionStatuses } from '../../domain/sessions.js';
import { writeOnce } from '../../http/idempotency.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { errorSchema } from '../schemas.js';
import { createParams, entityOnboardingSession, listQuery, sessionList, sessionParams } from './schemas.js';

const tags = ['Entity Onboarding Sessions'];
const answers = <T>(schema: T) => ({ 200: schema, '4xx': errorSchema, '5xx': errorSchema });

export const entityOnboardingSessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { sessions, db } = app.services;

  app.post(
    '/entity_onboarding_sessions',
    {
      schema: {
        operationId: 'create_an_entity_onboarding_session',
        summary: 'Create an Entity Onboarding Session',
        tags,
        body: createParams,
        response: answers(entityOnboardingSession),
      },
    },
    (request, reply) => writeOnce(request, reply, (tx, key) => sessions.create(tx, request.caller, request.body, key)),
  );

  app.get(
    '/entity_onboarding_sessions',
    {
      schema: {
        operationId: 'list_entity_onboarding_session',
        summary: 'List Entity Onboarding Sessions',
        tags,
        querystring: listQuery,
        response: answers(sessionList),
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      const statuses = query.enumList('status.in', sessionStatuses);
      const idempotencyKey = query.text('idempotency_key');
      query.check();
      return listResponse(await sessions.list(db.db, request.caller, { statuses, idempotencyKey }, page));
    },
  );

  app.get(
    '/entity_onboarding_sessions/:entity_onboarding_session_id',
    {
      schema: {
        operationId: 'retrieve_an_entity_onboarding_session',
        summary: 'Retrieve an Entity Onboarding Session',
        tags,
        params: sessionParams,
        response: answers(entityOnboardingSession),
      },
    },
    (request) => sessions.get(db.db, request.caller, request.params.entity_onboarding_session_id),
  );

  app.post(
    '/entity_onboarding_sessions/:entity_onboarding_session_id/expire',
    {
      schema: {
        operationId: 'expire_an_entity_onboarding_session',
        summary: 'Expire an Entity Onboarding Session',
        tags,
        params: sessionParams,
        response: answers(entityOnboardingSession),
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx) =>
        sessions.expire(tx, request.caller, request.params.entity_onboarding_session_id),
      ),
  );

  app.post(
    '/simulations/entity_onboarding_sessions/:entity_onboarding_session_id/submit',
    {
      config: { sandboxOnly: true },
      schema: {
        operationId: 'sandbox_submit_an_entity_onboarding_session',
        summary: 'Sandbox: Submit an Entity Onboarding Session',
        description: 'Closes an active session as if the customer had completed the form. Sandbox API keys only.',
        tags: ['Simulations'],
        params: sessionParams,
        response: answers(entityOnboardingSession),
      },
    },
    (request, reply) =>
      writeOnce(request, reply, (tx) =>
        sessions.simulateSubmission(tx, request.caller, request.params.entity_onboarding_session_id),
      ),
  );
};
