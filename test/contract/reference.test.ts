import { describe, expect, it } from 'vitest';
import { checkResponse } from '../support/contract.js';

// The contract check is what makes every other API test strict; it must itself be able to fail.
describe('the reference-schema check', () => {
  const session = {
    type: 'entity_onboarding_session',
    id: 'entity_onboarding_session_wid2ug11fsmvh3k9hymd',
    created_at: '2020-01-31T23:59:59Z',
    entity_id: null,
    expires_at: '2020-02-01T05:59:59Z',
    idempotency_key: null,
    program_id: 'program_i2v2os4mwza1oetokh9i',
    redirect_url: 'https://example.com/done',
    session_url: null,
    status: 'expired',
  };
  const url = 'http://127.0.0.1/entity_onboarding_sessions/entity_onboarding_session_wid2ug11fsmvh3k9hymd';

  it('accepts a well-formed session', () => {
    expect(checkResponse('GET', url, 200, session)).toBeNull();
  });

  it('flags a missing field, an unknown field, and a wrong enum value', () => {
    const { session_url: _, ...missing } = session;
    expect(checkResponse('GET', url, 200, missing)).not.toBeNull();
    expect(checkResponse('GET', url, 200, { ...session, extra: 1 })).not.toBeNull();
    expect(checkResponse('GET', url, 200, { ...session, status: 'closed' })).not.toBeNull();
  });

  it('checks error bodies against the error schema', () => {
    const notFound = { type: 'object_not_found_error', title: 'Object not found.', detail: null, status: 404 };
    expect(checkResponse('GET', url, 404, notFound)).toBeNull();
    expect(checkResponse('GET', url, 404, { ...notFound, status: 400 })).not.toBeNull();
    expect(
      checkResponse('POST', 'http://127.0.0.1/entity_onboarding_sessions', 400, {
        type: 'invalid_parameters_error',
        title: 'x',
        detail: 'x',
        status: 400,
      }),
    ).not.toBeNull();
  });
});
