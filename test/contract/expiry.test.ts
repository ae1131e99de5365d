import { setTimeout as sleep } from 'node:timers/promises';
import Increase from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Database } from '../../src/storage/database.js';
import { DeliveryLog, eventually } from '../support/deliveries.js';
import { startTestServer, type TestServer } from '../support/server.js';

type APIError = InstanceType<typeof Increase.APIError>;

const redirect_url = 'https://example.com/onboarding/done';

/** The status as stored, read straight from the server's database. */
async function storedStatus(server: TestServer, id: string): Promise<string | undefined> {
  const database = Database.open(loadConfig({ DATABASE_URL: server.databaseUrl, ONBOARD_PG_POOL_SIZE: '1' }).database);
  try {
    const row = await database.db
      .selectFrom('entity_onboarding_sessions')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.status;
  } finally {
    await database.close();
  }
}

/** Sleeps until `ms` after the given wire timestamp. */
const sleepUntil = (timestamp: string, ms: number) => sleep(Math.max(0, Date.parse(timestamp) + ms - Date.now()));

describe('expiry by time, with no sweep', () => {
  let server: TestServer;
  let client: Increase;
  let session: Increase.EntityOnboardingSession;

  beforeAll(async () => {
    server = await startTestServer({ ONBOARD_SESSION_TTL: '2', ONBOARD_EXPIRY_SWEEP_INTERVAL: '3600' });
    client = server.client();
  });
  afterAll(() => server.stop());
  afterEach(() => {
    expect(server.violations).toEqual([]);
  });

  it('a new session is active, with a URL, until created_at plus the TTL', async () => {
    session = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    expect(session.status).toBe('active');
    expect(session.session_url).toEqual(expect.any(String));
    expect(Date.parse(session.expires_at) - Date.parse(session.created_at)).toBe(2000);
    const active = await client.entityOnboardingSessions.list({ status: { in: ['active'] } });
    expect(active.data.map((s) => s.id)).toEqual([session.id]);
  });

  it('past expires_at, every read shows it expired without a URL, though the row still says active', async () => {
    // expires_at is shown to the second; the stored expiry is at most a second later than that.
    await sleepUntil(session.expires_at, 1500);

    const expected = { ...session, status: 'expired', session_url: null };
    expect(await client.entityOnboardingSessions.retrieve(session.id)).toEqual(expected);
    expect((await client.entityOnboardingSessions.list()).data).toEqual([expected]);
    expect((await client.entityOnboardingSessions.list({ status: { in: ['active'] } })).data).toEqual([]);
    expect((await client.entityOnboardingSessions.list({ status: { in: ['expired'] } })).data).toEqual([expected]);
    expect(
      (await client.entityOnboardingSessions.list({ status: { in: ['active', 'expired'] } })).data.map((s) => s.id),
    ).toEqual([session.id]);
    expect(
      (await client.entityOnboardingSessions.list({ idempotency_key: session.idempotency_key as string })).data,
    ).toEqual([expected]);

    // No sweep ran: what the API shows comes from the time alone.
    expect(await storedStatus(server, session.id)).toBe('active');
  });

  it('expiring it is a 409 that is not to be retried', async () => {
    const error = await client.entityOnboardingSessions.expire(session.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.InvalidOperationError);
    expect((error as APIError).status).toBe(409);
    expect((error as APIError).headers?.get('x-should-retry')).toBe('false');
  });

  it('submitting it is a 409, and no Entity is made', async () => {
    const error = await client.simulations.entityOnboardingSessions.submit(session.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Increase.InvalidOperationError);
    expect((error as APIError).status).toBe(409);
    expect((await client.entityOnboardingSessions.retrieve(session.id)).entity_id).toBeNull();
    expect((await client.entities.list()).data).toEqual([]);
  });
});

describe('the expiry sweep', () => {
  let server: TestServer;
  let client: Increase;

  beforeAll(async () => {
    server = await startTestServer({ ONBOARD_SESSION_TTL: '1', ONBOARD_EXPIRY_SWEEP_INTERVAL: '1' });
    client = server.client();
  });
  afterAll(() => server.stop());
  afterEach(() => {
    expect(server.violations).toEqual([]);
  });

  it('stores the expired status of overdue sessions, and leaves other sessions alone', async () => {
    const overdue = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    expect(await storedStatus(server, overdue.id)).toBe('active');

    // It expires a second after creation and the sweep runs every second: two seconds should do;
    // waiting up to five keeps a slow machine from failing the test.
    const deadline = Date.parse(overdue.created_at) + 5000;
    let status = await storedStatus(server, overdue.id);
    while (status !== 'expired' && Date.now() < deadline) {
      await sleep(200);
      status = await storedStatus(server, overdue.id);
    }
    expect(status).toBe('expired');
    expect(await client.entityOnboardingSessions.retrieve(overdue.id)).toEqual({
      ...overdue,
      status: 'expired',
      session_url: null,
    });

    const fresh = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
    expect(await storedStatus(server, fresh.id)).toBe('active');
    expect((await client.entityOnboardingSessions.retrieve(fresh.id)).status).toBe('active');
  });

  it("announces each swept session once, in its own group, to that group's subscriptions only", async () => {
    const other = server.client({ apiKey: await server.newApiKey('sandbox', 'sweep-other') });
    const otherProgram = await server.newProgram('sweep-other');
    const url = 'http://127.0.0.1:9/webhooks';
    const mine = await client.eventSubscriptions.create({ url });
    const theirs = await other.eventSubscriptions.create({ url });
    const sessions = await Promise.all([
      client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url }),
      client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url }),
      other.entityOnboardingSessions.create({ program_id: otherProgram, redirect_url }),
    ]);
    await eventually(
      'the sweep expires the sessions',
      async () => {
        const statuses = await Promise.all(sessions.map((s) => storedStatus(server, s.id)));
        return statuses.every((status) => status === 'expired') || undefined;
      },
      6000,
      200,
    );
    const updated = async (who: Increase) => {
      const events: Increase.Event[] = [];
      for await (const event of who.events.list({ limit: 100 })) {
        // Our own category, which the SDK's types do not list.
        if ((event.category as string) === 'entity_onboarding_session.updated') events.push(event);
      }
      return events;
    };
    const [myEvents, theirEvents] = await Promise.all([updated(client), updated(other)]);
    const announced = (events: Increase.Event[], id: string) => events.filter((e) => e.associated_object_id === id);
    for (const session of sessions.slice(0, 2)) {
      expect(announced(myEvents, session.id)).toHaveLength(1);
      expect(announced(theirEvents, session.id)).toEqual([]);
    }
    expect(announced(theirEvents, (sessions[2] as Increase.EntityOnboardingSession).id)).toHaveLength(1);
    expect(announced(myEvents, (sessions[2] as Increase.EntityOnboardingSession).id)).toEqual([]);

    const log = new DeliveryLog(server.databaseUrl);
    try {
      const deliveries = await log.deliveries({ subscriptionIds: [mine.id, theirs.id] });
      const subscriptionOf = (events: Increase.Event[]) =>
        events
          .filter((e) => sessions.some((s) => s.id === e.associated_object_id))
          .map((e) => deliveries.filter((d) => d.event_id === e.id).map((d) => d.event_subscription_id));
      expect(subscriptionOf(myEvents)).toEqual([[mine.id], [mine.id]]);
      expect(subscriptionOf(theirEvents)).toEqual([[theirs.id]]);
    } finally {
      await log.close();
    }
  });
});
