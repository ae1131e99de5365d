import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RawResponse, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
const servers: TestServer[] = [];

beforeAll(async () => {
  server = await startTestServer();
  servers.push(server);
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});
afterEach(() => {
  for (const s of servers) expect(s.violations).toEqual([]);
});

const json = (s: TestServer) => ({ authorization: `Bearer ${s.apiKey}`, 'content-type': 'application/json' });

/** An Increase error body: exactly these keys (and `errors` for invalid parameters), as JSON. */
function expectError(response: RawResponse, type: string, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const keys =
    type === 'invalid_parameters_error'
      ? ['detail', 'errors', 'status', 'title', 'type']
      : ['detail', 'status', 'title', 'type'];
  expect(Object.keys(response.body as object).sort()).toEqual(keys);
  const body = response.body as { type: string; title: string; detail: string; status: number };
  expect(body.type).toBe(type);
  expect(body.status).toBe(status);
  expect(body.title).toEqual(expect.any(String));
  expect(body.detail).toEqual(expect.any(String));
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

describe('unknown methods', () => {
  it.each([
    ['GET', '/accounts'],
    ['DELETE', '/entity_onboarding_sessions'],
    ['PUT', '/programs/program_aaaaaaaaaaaaaaaaaaaa'],
  ])('%s %s is a 404 api_method_not_found_error', async (method, path) => {
    const response = await server.request(method, path, { headers: { authorization: `Bearer ${server.apiKey}` } });
    const body = expectError(response, 'api_method_not_found_error', 404);
    expect(body.detail).toContain(path);
  });

  it('is a 404 without credentials too, not a 401', async () => {
    expectError(await server.request('GET', '/accounts'), 'api_method_not_found_error', 404);
  });
});

describe('unreadable bodies', () => {
  it('rejects invalid JSON with malformed_request_error and writes nothing', async () => {
    const before = await server.client().entityOnboardingSessions.list();
    const response = await server.request('POST', '/entity_onboarding_sessions', {
      headers: json(server),
      body: `{"program_id": "${server.programId}", "redirect_url": `,
    });
    expectError(response, 'malformed_request_error', 400);
    const after = await server.client().entityOnboardingSessions.list();
    expect(after.data).toEqual(before.data);
  });

  it('rejects a body that is not JSON (text/plain) with malformed_request_error', async () => {
    const response = await server.request('POST', '/entity_onboarding_sessions', {
      headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'text/plain' },
      body: JSON.stringify({ program_id: server.programId, redirect_url: 'https://example.com/done' }),
    });
    const body = expectError(response, 'malformed_request_error', 400);
    expect(body.detail).toContain('application/json');
  });

  it('names every missing field of a JSON body that is readable but wrong', async () => {
    const response = await server.request('POST', '/entity_onboarding_sessions', { headers: json(server), body: '{}' });
    expectError(response, 'invalid_parameters_error', 400);
  });

  it('rejects a body larger than ONBOARD_BODY_LIMIT with malformed_request_error', async () => {
    const small = await startTestServer({ ONBOARD_BODY_LIMIT: '2048' });
    servers.push(small);
    const create = (redirect: string) =>
      small.request('POST', '/entity_onboarding_sessions', {
        headers: json(small),
        body: JSON.stringify({ program_id: small.programId, redirect_url: redirect }),
      });
    // Just under the limit is read (and the create succeeds); just over is refused unread.
    const fits = await create(`https://example.com/${'a'.repeat(1900)}`);
    expect(fits.status).toBe(200);
    const response = await create(`https://example.com/${'a'.repeat(4096)}`);
    const body = expectError(response, 'malformed_request_error', 400);
    expect(body.detail).toMatch(/too large/);
  });

  it('takes an empty body with content-type: application/json as no parameters (expire)', async () => {
    const session = await server.client().entityOnboardingSessions.create({
      program_id: server.programId,
      redirect_url: 'https://example.com/done',
    });
    const response = await server.request('POST', `/entity_onboarding_sessions/${session.id}/expire`, {
      headers: json(server),
      body: '',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: session.id, type: 'entity_onboarding_session', status: 'expired' });
  });
});

describe('unexpected failures', () => {
  it('answer 500 internal_server_error and reveal nothing of the cause', async () => {
    const broken = await startTestServer();
    servers.push(broken);
    const programs = await broken.request('GET', '/programs', { headers: json(broken) });
    expect(programs.status).toBe(200);

    await broken.transaction((tx) =>
      (broken.config.database.kind === 'postgres'
        ? sql`DROP TABLE programs CASCADE`
        : sql`DROP TABLE programs`
      ).execute(tx),
    );

    const response = await broken.request('GET', '/programs', { headers: json(broken) });
    expectError(response, 'internal_server_error', 500);
    for (const leak of [
      'at ',
      '.ts:',
      '.js:',
      'programs',
      'SELECT',
      'select',
      'sqlite',
      'SQLITE',
      'relation',
      'table',
    ]) {
      expect(response.text).not.toContain(leak);
    }
    // The operator can find the cause in the log, by the request id the caller sees.
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    const logged = broken.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.some((line) => line.request_id === requestId && line.msg === 'request failed')).toBe(true);

    // Other routes, and other callers, go on working.
    const sessions = await broken.request('GET', '/entity_onboarding_sessions', { headers: json(broken) });
    expect(sessions.status).toBe(200);
  });
});
