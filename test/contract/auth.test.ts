import { setTimeout as sleep } from 'node:timers/promises';
import Increase from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/domain/secrets.js';
import { type RawResponse, startTestServer, type TestServer } from '../support/server.js';

type APIError = InstanceType<typeof Increase.APIError>;
type RateLimitedError = InstanceType<typeof Increase.RateLimitedError>;

let server: TestServer;
let client: Increase;
let session: Increase.EntityOnboardingSession;

beforeAll(async () => {
  server = await startTestServer();
  client = server.client();
  session = await client.entityOnboardingSessions.create({
    program_id: server.programId,
    redirect_url: 'https://example.com/done',
  });
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

/** Every API route, with a body where it takes one: the same key checks guard them all. */
const routes = () =>
  [
    ['GET', '/entity_onboarding_sessions'],
    ['POST', '/entity_onboarding_sessions', JSON.stringify({ program_id: server.programId, redirect_url: 'x' })],
    ['GET', `/entity_onboarding_sessions/${session.id}`],
    ['POST', `/entity_onboarding_sessions/${session.id}/expire`],
    ['POST', `/simulations/entity_onboarding_sessions/${session.id}/submit`],
    ['GET', '/programs'],
    ['GET', `/programs/${server.programId}`],
    ['GET', '/entities'],
    ['GET', '/entities/entity_aaaaaaaaaaaaaaaaaaaa'],
  ] as const;

async function send(method: string, path: string, body: string | undefined, authorization?: string) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return server.request(method, path, { headers, body });
}

function expectInvalidKey(response: RawResponse, reason: string) {
  expect(response.status).toBe(401);
  expect(response.body).toMatchObject({ type: 'invalid_api_key_error', status: 401, reason });
}

describe('API keys', () => {
  it('every route answers a request without an Authorization header with 401 no_header', async () => {
    for (const [method, path, body] of routes()) {
      expectInvalidKey(await send(method, path, body), 'no_header');
    }
  });

  it.each([
    ['an unknown key', 'Bearer onboard_sandbox_thisisnotakeythisisnotakeythisisnotak'],
    ['a Basic credential', 'Basic xyz'],
    ['"Bearer" alone', 'Bearer'],
    ['a key without the Bearer scheme', 'not-a-scheme'],
  ])('every route answers %s with 401 no_credential', async (_, authorization) => {
    for (const [method, path, body] of routes()) {
      expectInvalidKey(await send(method, path, body, authorization), 'no_credential');
    }
  });

  it('checks the key before the body: a bad body without a key is a 401, not a 400', async () => {
    const response = await send('POST', '/entity_onboarding_sessions', '{not json');
    expectInvalidKey(response, 'no_header');
  });

  it('the SDK sees an unknown key as InvalidAPIKeyError', async () => {
    const error = await server
      .client({ apiKey: 'nope' })
      .entityOnboardingSessions.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.InvalidAPIKeyError);
    expect(error).toMatchObject({ status: 401, reason: 'no_credential' });
  });

  it('a new key works at once, and a key revoked in the database stops working within a second', async () => {
    const apiKey = await server.newApiKey('sandbox');
    const fresh = server.client({ apiKey, maxRetries: 0 });
    await fresh.entityOnboardingSessions.list();
    await server.transaction((tx) =>
      tx
        .updateTable('api_keys')
        .set({ revoked_at: new Date().toISOString() })
        .where('key_hash', '=', sha256(apiKey))
        .execute(),
    );
    await sleep(1_100);
    const error = await fresh.entityOnboardingSessions.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.InvalidAPIKeyError);
    expect(error).toMatchObject({ status: 401, reason: 'deleted_credential' });
  });

  it('nothing was changed by the refused requests', async () => {
    expect(await client.entityOnboardingSessions.retrieve(session.id)).toEqual(session);
    expect((await client.entityOnboardingSessions.list()).data.map((s) => s.id)).toEqual([session.id]);
  });
});

describe('environments', () => {
  it('a production key may not run a simulation: 403 environment_mismatch_error, and nothing changes', async () => {
    const production = server.client({ apiKey: await server.newApiKey('production') });
    const error = await production.simulations.entityOnboardingSessions.submit(session.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.EnvironmentMismatchError);
    expect((error as APIError).status).toBe(403);
    expect(await client.entityOnboardingSessions.retrieve(session.id)).toEqual(session);
    expect((await client.entities.list()).data).toEqual([]);
  });

  // BUG (src/http/idempotency.ts): a replay answers from the stored response before the write
  // runs, so the environment check inside simulateSubmission is skipped. A production key that
  // repeats a sandbox key's Idempotency-Key gets the simulation's 200 instead of a 403.
  it('a production key repeating a sandbox simulation’s idempotency key is still a 403', async () => {
    const other = await client.entityOnboardingSessions.create({
      program_id: server.programId,
      redirect_url: 'https://example.com/done',
    });
    await client.simulations.entityOnboardingSessions.submit(other.id, { idempotencyKey: 'sandbox-submit-1' });
    const production = server.client({ apiKey: await server.newApiKey('production') });
    const error = await production.simulations.entityOnboardingSessions
      .submit(other.id, { idempotencyKey: 'sandbox-submit-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.EnvironmentMismatchError);
  });
});

describe('rate limits', () => {
  /** `count` requests at once with one key; the statuses and the 429 answers. */
  async function burst(on: TestServer, apiKey: string, count: number) {
    const responses = await Promise.all(
      Array.from({ length: count }, () =>
        on.request('GET', '/entity_onboarding_sessions?limit=1', { headers: { authorization: `Bearer ${apiKey}` } }),
      ),
    );
    return {
      ok: responses.filter((r) => r.status === 200).length,
      limited: responses.filter((r) => r.status === 429),
      other: responses.filter((r) => r.status !== 200 && r.status !== 429).map((r) => r.status),
    };
  }

  function expectRateLimited(response: RawResponse) {
    expect(response.body).toMatchObject({ type: 'rate_limited_error', status: 429 });
    const retryAfter = (response.body as { retry_after: unknown }).retry_after;
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(response.headers.get('retry-after')).toBe(String(retryAfter));
  }

  describe('with a sandbox limit of 5 per second', () => {
    let limited: TestServer;

    beforeAll(async () => {
      limited = await startTestServer({ ONBOARD_RATE_LIMIT_SANDBOX: '5' });
    });
    afterAll(() => limited.stop());
    afterEach(() => {
      expect(limited.violations).toEqual([]);
    });

    it('20 requests at once with one key: some pass, the rest are 429 with a Retry-After', async () => {
      const result = await burst(limited, limited.apiKey, 20);
      expect(result.other).toEqual([]);
      expect(result.ok).toBeGreaterThanOrEqual(5);
      expect(result.limited.length).toBeGreaterThanOrEqual(10);
      for (const response of result.limited) expectRateLimited(response);
    });

    it('the SDK sees RateLimitedError, and after retry_after seconds the key works again', async () => {
      const sdk = limited.client();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => sdk.entityOnboardingSessions.list()));
      const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error).toBeInstanceOf(Increase.RateLimitedError);
      const retryAfter = (errors[0] as RateLimitedError).retry_after as number;
      expect(retryAfter).toBeGreaterThanOrEqual(1);

      await sleep(retryAfter * 1000);
      expect((await sdk.entityOnboardingSessions.list()).data).toEqual([]);
    });

    it('another key has its own allowance', async () => {
      await burst(limited, limited.apiKey, 20);
      const result = await burst(limited, await limited.newApiKey('sandbox'), 5);
      expect(result).toEqual({ ok: 5, limited: [], other: [] });
    });

    it('production keys are not held to the sandbox limit', async () => {
      const result = await burst(limited, await limited.newApiKey('production'), 20);
      expect(result).toEqual({ ok: 20, limited: [], other: [] });
    });
  });

  describe('with a production limit of 5 per second', () => {
    let limited: TestServer;

    beforeAll(async () => {
      limited = await startTestServer({ ONBOARD_RATE_LIMIT_PRODUCTION: '5' });
    });
    afterAll(() => limited.stop());
    afterEach(() => {
      expect(limited.violations).toEqual([]);
    });

    it('limits production keys and leaves sandbox keys alone', async () => {
      const production = await burst(limited, await limited.newApiKey('production'), 20);
      expect(production.other).toEqual([]);
      expect(production.limited.length).toBeGreaterThanOrEqual(10);
      for (const response of production.limited) expectRateLimited(response);

      const sandbox = await burst(limited, limited.apiKey, 20);
      expect(sandbox).toEqual({ ok: 20, limited: [], other: [] });
    });
  });

  it('the default configuration has no limit: 100 requests at once all pass', async () => {
    const result = await burst(server, server.apiKey, 100);
    expect(result).toEqual({ ok: 100, limited: [], other: [] });
  });
});
