import Increase from 'increase';
import { describe, expect, it } from 'vitest';
import { type TestServer, useTestServer } from '../support/server.js';

let server: TestServer;
let client: Increase;

useTestServer((started) => {
  server = started;
  client = started.client();
});

const redirect_url = 'https://example.com/onboarding/done?platform_user=42';

describe('create', () => {
  it('creates an active session with a session URL and an expiry six hours out', async () => {
    const session = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    expect(session.id).toMatch(/^entity_onboarding_session_[a-z0-9]{20}$/);
    expect(session).toMatchObject({
      type: 'entity_onboarding_session',
      status: 'active',
      program_id: server.programId,
      redirect_url,
      entity_id: null,
    });
    expect(session.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBe(6 * 3600 * 1000);
    const url = new URL(session.session_url as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${server.config.publicUrl}/onboarding/sessions`);
    expect(url.searchParams.get('id')).toMatch(/^[a-z0-9]{8}[A-Za-z0-9]{40}$/);
  });

  it('shows the same session URL on every read, and a different one for each session', async () => {
    const a = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    const b = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    expect((await client.entityOnboardingSessions.retrieve(a.id)).session_url).toBe(a.session_url);
    expect(a.session_url).not.toBe(b.session_url);
  });

  it('allows http redirect URLs on localhost and 127.0.0.1 only', async () => {
    for (const url of ['http://localhost:3000/done', 'http://127.0.0.1/done']) {
      const session = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url: url });
      expect(session.redirect_url).toBe(url);
    }
  });

  it('associates an existing Entity of the group', async () => {
    const first = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    const submitted = await client.simulations.entityOnboardingSessions.submit(first.id);
    const session = await client.entityOnboardingSessions.create({
      program_id: server.programId,
      redirect_url,
      entity_id: submitted.entity_id as string,
    });
    expect(session.entity_id).toBe(submitted.entity_id);
  });

  it.each([
    ['a relative URL', '/done'],
    ['plain http', 'http://example.com/done'],
    ['another scheme', 'javascript:alert(1)'],
    ['credentials in the URL', 'https://user:pass@example.com/'],
    ['not a URL', 'example.com'],
  ])('rejects %s as redirect_url, naming the field', async (_, url) => {
    const error = await client.entityOnboardingSessions
      .create({ program_id: server.programId, redirect_url: url })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.InvalidParametersError);
    const { errors, status } = error as InstanceType<typeof Increase.InvalidParametersError>;
    expect(status).toBe(400);
    expect(errors.map((e) => (e as { field: string }).field)).toEqual(['redirect_url']);
  });

  it('names every bad field at once: unknown program and entity, bad URL', async () => {
    const error = (await client.entityOnboardingSessions
      .create({ program_id: 'program_doesnotexist000000', redirect_url: 'ftp://x', entity_id: 'entity_nope' })
      .catch((e: unknown) => e)) as InstanceType<typeof Increase.InvalidParametersError>;
    expect(error).toBeInstanceOf(Increase.InvalidParametersError);
    expect(error.errors.map((e) => (e as { field: string }).field).sort()).toEqual([
      'entity_id',
      'program_id',
      'redirect_url',
    ]);
  });

  it('rejects missing fields and wrong types with a 400 naming each field, and writes nothing', async () => {
    const before = await client.entityOnboardingSessions.list({ limit: 100 });
    const missing = await server.request('POST', '/entity_onboarding_sessions', {
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ type: 'invalid_parameters_error', status: 400 });
    const fields = (missing.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['program_id', 'redirect_url']);

    const wrongType = await server.request('POST', '/entity_onboarding_sessions', {
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ program_id: 12, redirect_url: ['https://example.com'] }),
    });
    expect(wrongType.status).toBe(400);
    expect((wrongType.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'program_id',
      'redirect_url',
    ]);
    const after = await client.entityOnboardingSessions.list({ limit: 100 });
    expect(after.data.map((s) => s.id)).toEqual(before.data.map((s) => s.id));
  });
});

describe('retrieve and expire', () => {
  it('retrieves a session by id', async () => {
    const created = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    expect(await client.entityOnboardingSessions.retrieve(created.id)).toEqual(created);
  });

  it('answers an unknown id with object_not_found_error', async () => {
    const error = await client.entityOnboardingSessions
      .retrieve('entity_onboarding_session_aaaaaaaaaaaaaaaaaaaa')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.ObjectNotFoundError);
  });

  it('expires an active session, after which it has no URL; a second expiry is a 409', async () => {
    const created = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    const expired = await client.entityOnboardingSessions.expire(created.id);
    expect(expired).toMatchObject({ id: created.id, status: 'expired', session_url: null });
    expect(await client.entityOnboardingSessions.retrieve(created.id)).toMatchObject({
      status: 'expired',
      session_url: null,
    });
    const again = await client.entityOnboardingSessions.expire(created.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Increase.InvalidOperationError);
    expect((again as InstanceType<typeof Increase.APIError>).status).toBe(409);
    expect((again as InstanceType<typeof Increase.APIError>).headers?.get('x-should-retry')).toBe('false');
  });
});

describe('list', () => {
  it('lists newest first and filters by status.in', async () => {
    const a = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    const b = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    await client.entityOnboardingSessions.expire(a.id);

    const all = await client.entityOnboardingSessions.list({ limit: 2 });
    expect(all.data.map((s) => s.id)).toEqual([b.id, a.id]);

    const active = await client.entityOnboardingSessions.list({ status: { in: ['active'] } });
    expect(active.data.every((s) => s.status === 'active')).toBe(true);
    expect(active.data.map((s) => s.id)).toContain(b.id);
    expect(active.data.map((s) => s.id)).not.toContain(a.id);

    const expired = await client.entityOnboardingSessions.list({ status: { in: ['expired'] } });
    expect(expired.data.every((s) => s.status === 'expired')).toBe(true);
    expect(expired.data.map((s) => s.id)).toContain(a.id);

    const both = await client.entityOnboardingSessions.list({ status: { in: ['active', 'expired'] }, limit: 2 });
    expect(both.data.map((s) => s.id)).toEqual([b.id, a.id]);
  });

  it('finds a session by its idempotency key', async () => {
    const created = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url },
      { idempotencyKey: 'find-me-by-key' },
    );
    const found = await client.entityOnboardingSessions.list({ idempotency_key: 'find-me-by-key' });
    expect(found.data).toEqual([created]);
    expect(found.next_cursor).toBeNull();
  });

  // The filter goes through the key's idempotency record, which an expire's key has too.
  it('finds a session only by the key it was created with, within the other filters', async () => {
    const created = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url },
      { idempotencyKey: 'made-with-this-key' },
    );
    const expired = await client.entityOnboardingSessions.expire(created.id, {
      idempotencyKey: 'expired-with-this-key',
    });
    const byKey = (idempotency_key: string, status?: ('active' | 'expired')[]) =>
      client.entityOnboardingSessions
        .list({ idempotency_key, ...(status ? { status: { in: status } } : {}) })
        .then((page) => page.data);

    expect(await byKey('expired-with-this-key')).toEqual([]);
    expect(await byKey('made-with-this-key')).toEqual([expired]);
    expect(await byKey('made-with-this-key', ['expired'])).toEqual([expired]);
    expect(await byKey('made-with-this-key', ['active'])).toEqual([]);
    expect(await byKey('never-used')).toEqual([]);
  });

  // The serializer skips escaping only for strings the server makes; these are the client's.
  it('returns quotes and backslashes in a redirect URL and an idempotency key as they were sent', async () => {
    const quoted = { redirect_url: 'https://example.com/done?note="a\\b"', key: 'key "with" \\quotes\\' };
    const created = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url: quoted.redirect_url },
      { idempotencyKey: quoted.key },
    );
    expect(created).toMatchObject({ redirect_url: quoted.redirect_url, idempotency_key: quoted.key });
    expect(await client.entityOnboardingSessions.retrieve(created.id)).toEqual(created);
    const found = await client.entityOnboardingSessions.list({ idempotency_key: quoted.key });
    expect(found.data).toEqual([created]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['status.in=active,archived', 'status.in'],
  ])('answers %s with a 400 naming %s', async (query, field) => {
    const response = await server.request('GET', `/entity_onboarding_sessions?${query}`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'invalid_parameters_error' });
    expect((response.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(field);
  });
});
