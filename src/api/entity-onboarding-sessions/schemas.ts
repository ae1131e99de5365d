import { Type } from '@sinclair/typebox';
import { verbatim } from '../../http/response-serializer.js';
import { dateTime, idParams, listOf, nullable, objectId, pageQuery } from '../schemas.js';

export const entityOnboardingSession = Type.Object(
  {
    type: Type.Literal('entity_onboarding_session'),
    id: objectId(),
    created_at: dateTime,
    entity_id: nullable(objectId()),
    expires_at: dateTime,
    idempotency_key: nullable(Type.String()),
    program_id: objectId(),
    redirect_url: Type.String(),
    // PUBLIC_URL (refused at start if it holds anything JSON escapes), a path and a base-62 token.
    session_url: nullable(Type.String({ [verbatim]: true })),
    status: Type.Union([Type.Literal('active'), Type.Literal('expired')]),
  },
  { $id: 'entity_onboarding_session', title: 'Entity Onboarding Session', additionalProperties: false },
);

export const createParams = Type.Object(
  {
    program_id: Type.String({ description: 'The identifier of the Program the Entity will be onboarded to.' }),
    redirect_url: Type.String({
      description: 'Where to send the customer when they finish: an https URL (http only for localhost).',
    }),
    entity_id: Type.Optional(
      Type.String({ description: 'An existing Entity whose outstanding tasks the form will ask for.' }),
    ),
  },
  { title: 'Create an Entity Onboarding Session parameters' },
);

export const listQuery = Type.Object(
  {
    ...pageQuery,
    'status.in': Type.Optional(
      Type.String({ description: 'Comma-delimited statuses: active, expired.', examples: ['active,expired'] }),
    ),
    idempotency_key: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: true },
);

export const sessionList = listOf(entityOnboardingSession, 'Entity Onboarding Session List');
export const sessionParams = idParams('entity_onboarding_session_id');
