import Increase from 'increase';
import { describe, expect, it } from 'vitest';
import { type TestServer, useTestServer } from '../support/server.js';

type APIError = InstanceType<typeof Increase.APIError>;
type IdempotencyKeyAlreadyUsedError = InstanceType<typeof Increase.IdempotencyKeyAlreadyUsedError>;
type InvalidParametersError = InstanceType<typeof Increase.InvalidParametersError>;

let server: TestServer;
let client: Increase;

useTestServer((started) => {
  server = started;
  client = started.client();
});

const redirect_url = 'https://example.com/onboarding/done';

/** The error a promise rejects with, for assertions on its type and fields. */
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as APIError,
  );

async function idsWithKey(key: string, on: Increase = client): Promise<string[]> {
  const page = await on.entityOnboardingSessions.list({ idempotency_key: key });
  return page.data.map((s) => s.id);
}

describe('a repeated create', () => {
  it('with the same body replays the original answer and creates nothing new', async () => {
    const params = { program_id: server.programId, redirect_url };
    const first = await client.entityOnboardingSessions.create(params, { idempotencyKey: 'replay-1' }).withResponse();
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();
    expect(first.data.idempotency_key).toBe('replay-1');

    const second = await client.entityOnboardingSessions.create(params, { idempotencyKey: 'replay-1' }).withResponse();
    expect(second.response.status).toBe(200);
    expect(second.response.headers.get('idempotent-replayed')).toBe('true');
    expect(second.data).toEqual(first.data);

    expect(await idsWithKey('replay-1')).toEqual([first.data.id]);
  });

  it('treats a body with the same fields in another order as the same request', async () => {
    const headers = {
      authorization: `Bearer ${server.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': 'reordered-1',
    };
    const first = await server.request('POST', '/entity_onboarding_sessions', {
      headers,
      body: JSON.stringify({ program_id: server.programId, redirect_url }),
    });
    const second = await server.request('POST', '/entity_onboarding_sessions', {
      headers,
      body: JSON.stringify({ redirect_url, program_id: server.programId }),
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await idsWithKey('reordered-1')).toHaveLength(1);
  });

  it('with a different body is a 409 naming the original object, not to be retried', async () => {
    const original = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url },
      { idempotencyKey: 'conflict-1' },
    );
    const error = await failure(
      client.entityOnboardingSessions.create(
        { program_id: server.programId, redirect_url: 'https://example.com/elsewhere' },
        { idempotencyKey: 'conflict-1' },
      ),
    );
    expect(error).toBeInstanceOf(Increase.IdempotencyKeyAlreadyUsedError);
    const conflict = error as IdempotencyKeyAlreadyUsedError;
    expect(conflict.status).toBe(409);
    expect(conflict.resource_id).toBe(original.id);
    expect(conflict.error).toMatchObject({
      type: 'idempotency_key_already_used_error',
      status: 409,
      resource_id: original.id,
    });
    expect(conflict.headers?.get('x-should-retry')).toBe('false');

    expect(await idsWithKey('conflict-1')).toEqual([original.id]);
    expect(await client.entityOnboardingSessions.retrieve(original.id)).toEqual(original);
  });

  it('on another method is a 409 naming the object the key first made', async () => {
    const original = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url },
      { idempotencyKey: 'cross-method-1' },
    );
    const error = await failure(
      client.entityOnboardingSessions.expire(original.id, { idempotencyKey: 'cross-method-1' }),
    );
    expect(error).toBeInstanceOf(Increase.IdempotencyKeyAlreadyUsedError);
    expect((error as IdempotencyKeyAlreadyUsedError).resource_id).toBe(original.id);
    expect((await client.entityOnboardingSessions.retrieve(original.id)).status).toBe('active');
  });

  it('after a request that failed validation is free to use: nothing was kept for the key', async () => {
    const rejected = await failure(
      client.entityOnboardingSessions.create(
        { program_id: server.programId, redirect_url: 'http://example.com/not-https' },
        { idempotencyKey: 'after-400' },
      ),
    );
    expect(rejected).toBeInstanceOf(Increase.InvalidParametersError);
    const created = await client.entityOnboardingSessions
      .create({ program_id: server.programId, redirect_url }, { idempotencyKey: 'after-400' })
      .withResponse();
    expect(created.response.headers.get('idempotent-replayed')).toBeNull();
    expect(created.data.idempotency_key).toBe('after-400');
    expect(await idsWithKey('after-400')).toEqual([created.data.id]);
  });
});

describe('keys belong to a group', () => {
  it('the same key in another group makes a separate object, and never replays the first group’s', async () => {
    const otherKey = await server.newApiKey('sandbox', 'other-group');
    const otherProgram = await server.newProgram('other-group');
    const other = server.client({ apiKey: otherKey });

    const mine = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url },
      { idempotencyKey: 'shared-key' },
    );
    // The first group's exact request, from the other group: a replay would hand over its object.
    const copied = await failure(
      other.entityOnboardingSessions.create(
        { program_id: server.programId, redirect_url },
        { idempotencyKey: 'shared-key' },
      ),
    );
    expect(copied).toBeInstanceOf(Increase.InvalidParametersError);
    expect((copied as InvalidParametersError).errors.map((e) => (e as { field: string }).field)).toEqual([
      'program_id',
    ]);

    const theirs = await other.entityOnboardingSessions
      .create({ program_id: otherProgram, redirect_url }, { idempotencyKey: 'shared-key' })
      .withResponse();
    expect(theirs.response.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.data.id).not.toBe(mine.id);
    expect(theirs.data).toMatchObject({ idempotency_key: 'shared-key', program_id: otherProgram });

    expect(await idsWithKey('shared-key')).toEqual([mine.id]);
    expect(await idsWithKey('shared-key', other)).toEqual([theirs.data.id]);

    // Each group's repeat still replays its own object.
    const mineAgain = await client.entityOnboardingSessions
      .create({ program_id: server.programId, redirect_url }, { idempotencyKey: 'shared-key' })
      .withResponse();
    expect(mineAgain.response.headers.get('idempotent-replayed')).toBe('true');
    expect(mineAgain.data).toEqual(mine);
    const theirsAgain = await other.entityOnboardingSessions.create(
      { program_id: otherProgram, redirect_url },
      { idempotencyKey: 'shared-key' },
    );
    expect(theirsAgain).toEqual(theirs.data);
  });
});

describe('key format', () => {
  it('accepts a key of 200 characters', async () => {
    const key = 'k'.repeat(200);
    const created = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url },
      { idempotencyKey: key },
    );
    expect(created.idempotency_key).toBe(key);
  });

  it('rejects a key of 201 characters with a 400, and creates nothing', async () => {
    const before = await client.entityOnboardingSessions.list({ limit: 100 });
    const error = await failure(
      client.entityOnboardingSessions.create(
        { program_id: server.programId, redirect_url },
        { idempotencyKey: 'k'.repeat(201) },
      ),
    );
    expect(error).toBeInstanceOf(Increase.InvalidParametersError);
    expect(error.status).toBe(400);
    expect(error.error).toMatchObject({ type: 'invalid_parameters_error', status: 400 });
    const after = await client.entityOnboardingSessions.list({ limit: 100 });
    expect(after.data.map((s) => s.id)).toEqual(before.data.map((s) => s.id));
  });
});

describe('concurrent requests with one key', () => {
  it('50 at once make exactly one object, and every answer names it', async () => {
    const params = { program_id: server.programId, redirect_url };
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        client.entityOnboardingSessions.create(params, { idempotencyKey: 'stampede-1' }).withResponse(),
      ),
    );
    const ids = new Set(answers.map((a) => a.data.id));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.response.status === 200)).toBe(true);
    const fresh = answers.filter((a) => a.response.headers.get('idempotent-replayed') !== 'true');
    expect(fresh).toHaveLength(1);
    for (const answer of answers) expect(answer.data).toEqual(fresh[0]?.data);
    expect(await idsWithKey('stampede-1')).toEqual([...ids]);
  });
});

describe('concurrent one-shot operations under different keys', () => {
  it('10 expiries of one session at once: exactly one succeeds, the rest are 409s', async () => {
    const session = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client.entityOnboardingSessions.expire(session.id)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(Increase.InvalidOperationError);
    }
  });

  it('10 submissions of one session at once: exactly one succeeds and makes exactly one Entity', async () => {
    const session = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    const entitiesBefore = (await client.entities.list()).data.length;
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => client.simulations.entityOnboardingSessions.submit(session.id)),
    );
    const succeeded = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(succeeded).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(Increase.InvalidOperationError);
    }
    const entities = (await client.entities.list()).data;
    expect(entities).toHaveLength(entitiesBefore + 1);
    expect(entities.map((e) => e.id)).toContain(succeeded[0]?.entity_id);
  });
});

describe('expire', () => {
  it('replays the original 200 for a repeat with the same key, where a repeat under a new key is a 409', async () => {
    const session = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    const first = await client.entityOnboardingSessions
      .expire(session.id, { idempotencyKey: 'expire-1' })
      .withResponse();
    expect(first.response.status).toBe(200);
    expect(first.data).toMatchObject({ id: session.id, status: 'expired', session_url: null });

    const again = await client.entityOnboardingSessions
      .expire(session.id, { idempotencyKey: 'expire-1' })
      .withResponse();
    expect(again.response.status).toBe(200);
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data).toEqual(first.data);

    const newKey = await failure(client.entityOnboardingSessions.expire(session.id, { idempotencyKey: 'expire-2' }));
    expect(newKey).toBeInstanceOf(Increase.InvalidOperationError);
  });
});
