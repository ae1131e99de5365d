import { randomBytes } from 'node:crypto';
import type Increase from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

type APIError = InstanceType<typeof Increase.APIError>;

/**
 * Group A is the server's first group; group B ("tenant-b") has its own sandbox key and Program.
 * Whatever B does, A's objects must look to B exactly like ids that do not exist.
 */
let server: TestServer;
let a: Increase;
let b: Increase;
let programB: string;
let active: Increase.EntityOnboardingSession;
let submitted: Increase.EntityOnboardingSession;
let entityId: string;
let programA: Increase.Program;
let entityA: Increase.Entity;

const redirect_url = 'https://example.com/onboarding/done';

/** An id of the right shape that no object has. */
const missingId = (prefix: string) =>
  `${prefix}_${Array.from(randomBytes(20), (byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('')}`;

/** The error a call fails with: its class, status and body with every given id replaced by <id>. */
async function failureOf(call: Promise<unknown>, ...ids: string[]) {
  const error = await call.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e as APIError,
  );
  let body = JSON.stringify(error.error);
  for (const id of ids) body = body.replaceAll(id, '<id>');
  return { kind: error.constructor.name, status: error.status, body: JSON.parse(body) as Record<string, unknown> };
}

beforeAll(async () => {
  server = await startTestServer();
  a = server.client();
  b = server.client({ apiKey: await server.newApiKey('sandbox', 'tenant-b') });
  programB = await server.newProgram('tenant-b');
  await b.entityOnboardingSessions.create({ program_id: programB, redirect_url });

  active = await a.entityOnboardingSessions.create(
    { program_id: server.programId, redirect_url },
    { idempotencyKey: 'a-active' },
  );
  const toSubmit = await a.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
  submitted = await a.simulations.entityOnboardingSessions.submit(toSubmit.id);
  entityId = submitted.entity_id as string;
  programA = await a.programs.retrieve(server.programId);
  entityA = await a.entities.retrieve(entityId);
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

describe("another group's key sees group A's objects as missing", () => {
  it.each([
    [
      'retrieve a session',
      'entity_onboarding_session',
      () => active.id,
      (id: string) => b.entityOnboardingSessions.retrieve(id),
    ],
    [
      'expire a session',
      'entity_onboarding_session',
      () => active.id,
      (id: string) => b.entityOnboardingSessions.expire(id),
    ],
    [
      'submit a session (simulation)',
      'entity_onboarding_session',
      () => active.id,
      (id: string) => b.simulations.entityOnboardingSessions.submit(id),
    ],
    ['retrieve a Program', 'program', () => server.programId, (id: string) => b.programs.retrieve(id)],
    ['retrieve an Entity', 'entity', () => entityId, (id: string) => b.entities.retrieve(id)],
  ] as const)('%s: 404 object_not_found_error, as for an id that does not exist', async (_, prefix, id, call) => {
    const missing = missingId(prefix);
    const theirs = await failureOf(call(id()), id());
    const nobodys = await failureOf(call(missing), missing);
    expect(theirs.kind).toBe('ObjectNotFoundError');
    expect(theirs.status).toBe(404);
    expect(theirs.body).toMatchObject({ type: 'object_not_found_error', status: 404 });
    expect(theirs).toEqual(nobodys);
  });

  it("creating a session with group A's program_id is a 400 naming program_id, as for an unknown Program", async () => {
    const missing = missingId('program');
    const theirs = await failureOf(
      b.entityOnboardingSessions.create({ program_id: server.programId, redirect_url }),
      server.programId,
    );
    const nobodys = await failureOf(b.entityOnboardingSessions.create({ program_id: missing, redirect_url }), missing);
    expect(theirs.kind).toBe('InvalidParametersError');
    expect(theirs.status).toBe(400);
    expect((theirs.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['program_id']);
    expect(theirs).toEqual(nobodys);
  });

  it("creating a session with group A's entity_id is a 400 naming entity_id, as for an unknown Entity", async () => {
    const missing = missingId('entity');
    const theirs = await failureOf(
      b.entityOnboardingSessions.create({ program_id: programB, redirect_url, entity_id: entityId }),
      entityId,
    );
    const nobodys = await failureOf(
      b.entityOnboardingSessions.create({ program_id: programB, redirect_url, entity_id: missing }),
      missing,
    );
    expect(theirs.kind).toBe('InvalidParametersError');
    expect(theirs.status).toBe(400);
    expect((theirs.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['entity_id']);
    expect(theirs).toEqual(nobodys);
  });
});

describe("group B's lists", () => {
  const groupAIds = () => [active.id, submitted.id, server.programId, entityId];

  it('of sessions hold only its own sessions, under every filter', async () => {
    const all: Increase.EntityOnboardingSession[] = [];
    for await (const s of b.entityOnboardingSessions.list({ limit: 1 })) all.push(s);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((s) => s.program_id === programB)).toBe(true);
    for (const status of ['active', 'expired'] as const) {
      const page = await b.entityOnboardingSessions.list({ status: { in: [status] } });
      expect(page.data.filter((s) => groupAIds().includes(s.id))).toEqual([]);
    }
    expect((await b.entityOnboardingSessions.list({ idempotency_key: 'a-active' })).data).toEqual([]);
  });

  it('of Programs and Entities hold none of group A’s', async () => {
    const programs = await b.programs.list();
    expect(programs.data.map((p) => p.id)).toEqual([programB]);
    const entities = await b.entities.list();
    expect(entities.data).toEqual([]);
  });
});

describe("group A's objects afterwards", () => {
  it('are unchanged by everything group B tried', async () => {
    expect(await a.entityOnboardingSessions.retrieve(active.id)).toEqual(active);
    expect(await a.entityOnboardingSessions.retrieve(submitted.id)).toEqual(submitted);
    expect(await a.programs.retrieve(server.programId)).toEqual(programA);
    expect(await a.entities.retrieve(entityId)).toEqual(entityA);
    const sessions = await a.entityOnboardingSessions.list();
    expect(sessions.data.map((s) => s.id).sort()).toEqual([active.id, submitted.id].sort());
    expect((await a.entities.list()).data.map((e) => e.id)).toEqual([entityId]);
  });
});
