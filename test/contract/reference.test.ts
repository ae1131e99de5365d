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

// Onboard's own session categories are absent from the reference's enums; the check accepts
// exactly those two, where a category belongs, and nothing else it would otherwise refuse.
describe('the reference-schema check and the extension categories', () => {
  const event = {
    type: 'event',
    id: 'event_p2lx0lyqlnlw8r3m9i3a',
    associated_object_id: 'entity_onboarding_session_wid2ug11fsmvh3k9hymd',
    associated_object_type: 'entity_onboarding_session',
    category: 'entity_onboarding_session.created',
    created_at: '2020-01-31T23:59:59Z',
  };
  const subscription = {
    type: 'event_subscription',
    id: 'event_subscription_v0z4a9lh2bq8mxw1cf7e',
    created_at: '2020-01-31T23:59:59Z',
    idempotency_key: null,
    oauth_connection_id: null,
    selected_event_categories: [
      { event_category: 'entity_onboarding_session.updated' },
      { event_category: 'entity.created' },
    ],
    status: 'active',
    url: 'https://example.com/webhooks',
  };
  const eventUrl = `http://127.0.0.1/events/${event.id}`;
  const subscriptionUrl = `http://127.0.0.1/event_subscriptions/${subscription.id}`;

  it('accepts both extension categories in an Event, alone and in a list', () => {
    expect(checkResponse('GET', eventUrl, 200, event)).toBeNull();
    const updated = { ...event, category: 'entity_onboarding_session.updated' };
    expect(checkResponse('GET', eventUrl, 200, updated)).toBeNull();
    expect(
      checkResponse('GET', 'http://127.0.0.1/events', 200, { data: [event, updated], next_cursor: null }),
    ).toBeNull();
  });

  it('accepts them among a subscription’s selected categories, alone and in a list', () => {
    expect(checkResponse('GET', subscriptionUrl, 200, subscription)).toBeNull();
    expect(
      checkResponse('GET', 'http://127.0.0.1/event_subscriptions', 200, { data: [subscription], next_cursor: null }),
    ).toBeNull();
  });

  it('still refuses any other category, and an extension-category Event that is otherwise wrong', () => {
    expect(
      checkResponse('GET', eventUrl, 200, { ...event, category: 'entity_onboarding_session.deleted' }),
    ).not.toBeNull();
    expect(checkResponse('GET', eventUrl, 200, { ...event, category: 'session.created' })).not.toBeNull();
    expect(
      checkResponse('GET', subscriptionUrl, 200, {
        ...subscription,
        selected_event_categories: [{ event_category: 'entity_onboarding_session.expired' }],
      }),
    ).not.toBeNull();
    // An Event is still closed: the substitution adds no leniency of its own.
    expect(checkResponse('GET', eventUrl, 200, { ...event, extra: 1 })).not.toBeNull();
    const { associated_object_type: _, ...missing } = event;
    expect(checkResponse('GET', eventUrl, 200, missing)).not.toBeNull();
  });
});
