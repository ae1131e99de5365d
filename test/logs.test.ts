import Increase from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendPipelined } from './support/pipelined.js';
import { type RawResponse, startTestServer, type TestServer } from './support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

interface RequestLine {
  msg: string;
  request_id: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
}

const requestLines = () =>
  server.logs.map((line) => JSON.parse(line) as Partial<RequestLine>).filter((l) => l.msg === 'request');

describe('request logs', () => {
  it('write one JSON line per request, with its id, method, route, status and duration', async () => {
    const before = requestLines().length;
    const auth = { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' };
    const created = await server.request('POST', '/entity_onboarding_sessions', {
      headers: auth,
      body: JSON.stringify({ program_id: server.programId, redirect_url: 'https://example.com/done' }),
    });
    const id = (created.body as { id: string }).id;
    const calls: [RawResponse, string, string][] = [
      [created, 'POST', '/entity_onboarding_sessions'],
      [
        await server.request('GET', `/entity_onboarding_sessions/${id}`, { headers: auth }),
        'GET',
        '/entity_onboarding_sessions/:entity_onboarding_session_id',
      ],
      [await server.request('GET', '/programs?limit=abc', { headers: auth }), 'GET', '/programs'],
      [await server.request('GET', '/programs'), 'GET', '/programs'],
    ];
    expect(calls.map(([r]) => r.status)).toEqual([200, 200, 400, 401]);

    await server.logsSettled();
    const lines = requestLines().slice(before);
    expect(lines).toHaveLength(calls.length);
    for (const [index, [response, method, route]] of calls.entries()) {
      const line = lines[index] as RequestLine;
      expect(line).toMatchObject({ request_id: response.headers.get('x-request-id'), method, route });
      expect(line.status).toBe(response.status);
      expect(line.duration_ms).toEqual(expect.any(Number));
      expect(line.duration_ms).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(lines.map((l) => l.request_id)).size).toBe(lines.length);
  });

  it('write every line whole when many requests end in the same turn of the event loop', async () => {
    const before = requestLines().length;
    // Twenty requests in one write on one connection (HTTP/1.1 pipelining): the server reads them
    // in one turn of its event loop and answers them all in it, so their lines are written together.
    const count = 20;
    const { host } = new URL(server.url);
    const request = `GET /entity_onboarding_sessions?limit=1 HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${server.apiKey}\r\n\r\n`;
    const answers = await sendPipelined(server.url, Array(count).fill(request));
    expect(answers.match(/HTTP\/1\.1 200 /g)).toHaveLength(count);
    const ids = [...answers.matchAll(/^x-request-id: (\S+)\r$/gim)].map((match) => match[1]);
    expect(ids).toHaveLength(count);
    await server.logsSettled();
    const lines = requestLines().slice(before);
    expect(lines.map((l) => l.request_id)).toEqual(ids);
    expect(new Set(lines.map((l) => l.status))).toEqual(new Set([200]));
  });

  it('never contain keys, session tokens, idempotency keys or request bodies', async () => {
    const idempotencyKey = `idem-LOG-MARKER-${Date.now()}`;
    const badKey = 'onboard_sandbox_BADKEYMARKERBADKEYMARKERBADKEYMARKER1234';
    const client = server.client();
    const tokens: string[] = [];
    const token = (session: Increase.EntityOnboardingSession) => {
      const value = session.session_url ? new URL(session.session_url).searchParams.get('id') : null;
      if (value) tokens.push(value);
    };

    const created = await client.entityOnboardingSessions.create(
      { program_id: server.programId, redirect_url: 'https://example.com/done' },
      { idempotencyKey },
    );
    token(created);
    // The replay goes through the idempotency path too.
    token(
      await client.entityOnboardingSessions.create(
        { program_id: server.programId, redirect_url: 'https://example.com/done' },
        { idempotencyKey },
      ),
    );
    token(await client.entityOnboardingSessions.retrieve(created.id));
    for (const session of (await client.entityOnboardingSessions.list()).data) token(session);
    expect(tokens.length).toBeGreaterThanOrEqual(3);

    const unauthorized = await server
      .client({ apiKey: badKey })
      .programs.list()
      .catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(Increase.AuthenticationError);

    const auth = { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' };
    const badBody = await server.request('POST', '/entity_onboarding_sessions', {
      headers: auth,
      body: JSON.stringify({ program_id: 'SECRET-BODY-MARKER', redirect_url: 'ftp://SECRET-BODY-MARKER' }),
    });
    expect(badBody.status).toBe(400);
    const badJson = await server.request('POST', '/entity_onboarding_sessions', {
      headers: auth,
      body: '{"program_id": SECRET-BODY-MARKER}',
    });
    expect(badJson.status).toBe(400);

    const submitted = await client.simulations.entityOnboardingSessions.submit(created.id);
    expect(submitted.entity_id).toMatch(/^entity_/);

    await server.logsSettled();
    const text = server.logs.join('\n');
    expect(text).toContain('"request"');
    const secrets = {
      apiKey: server.apiKey,
      authorization: `Bearer ${server.apiKey}`,
      badKey,
      body: 'SECRET-BODY-MARKER',
      idempotencyKey,
      ...Object.fromEntries(tokens.map((t, i) => [`token ${i}`, t])),
    };
    for (const [what, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), `the logs contain the ${what}`).toBe(false);
    }
  });
});

describe('GET /openapi.json', () => {
  it('serves an OpenAPI 3.1 document of every route, without credentials', async () => {
    const response = await server.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const document = response.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toMatch(/^3\.1\./);
    const paths = Object.keys(document.paths);
    for (const path of [
      '/entity_onboarding_sessions',
      '/entity_onboarding_sessions/{entity_onboarding_session_id}',
      '/entity_onboarding_sessions/{entity_onboarding_session_id}/expire',
      '/simulations/entity_onboarding_sessions/{entity_onboarding_session_id}/submit',
      '/programs',
      '/programs/{program_id}',
      '/entities',
      '/entities/{entity_id}',
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(document.paths['/entity_onboarding_sessions'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(paths).not.toContain('/openapi.json');
  });
});
