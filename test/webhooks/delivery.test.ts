import dns from 'node:dns';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type Increase from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nonPublicAddressReason, urlPolicyProblem } from '../../src/domain/webhook-url.js';
import { DeliveryLog, eventually } from '../support/deliveries.js';
import { expectInvalid, naturalPerson } from '../support/entities.js';
import { type ReceivedWebhook, WebhookReceiver } from '../support/receiver.js';
import { startTestServer, type TestServer, useTestServer } from '../support/server.js';

/**
 * Webhooks as a platform receives them: every category, signed so that the official SDK
 * verifies them, the Event exactly as the API shows it, soon after the change; only to the
 * subscriptions that want them; retried while the receiver is down or failing, never
 * redirected, and never sent to this machine's own network from production.
 */
let server: TestServer;
let log: DeliveryLog;

useTestServer(
  (started) => {
    server = started;
  },
  { ONBOARD_WEBHOOK_RETRY_BASE: '1' },
);
beforeAll(() => {
  log = new DeliveryLog(server.databaseUrl);
});

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await log?.close();
});

const redirect_url = 'https://example.com/onboarding/done';
// Not ASCII, to show the key is read as UTF-8 bytes on both sides.
const shared_secret = 'a webhook secret for these tests only — clé secrète ✓';
type Event = Increase.Event;
type CreateParams = Increase.EventSubscriptionCreateParams;
/** Our categories include two the SDK's types do not list (our documented extension). */
const selecting = (...categories: string[]) =>
  categories.map((event_category) => ({ event_category })) as CreateParams['selected_event_categories'];

async function startReceiver(): Promise<WebhookReceiver> {
  const receiver = await new WebhookReceiver().start();
  cleanups.push(() => receiver.stop());
  return receiver;
}

/** A client for a sandbox group of its own, and a program in it, so no other test's subscriptions see its Events. */
async function newGroup(on: TestServer, name: string): Promise<{ client: Increase; programId: string }> {
  const client = on.client({ apiKey: await on.newApiKey('sandbox', name) });
  return { client, programId: await on.newProgram(name) };
}

const subscribe = (client: Increase, url: string, params: Omit<CreateParams, 'url'> = {}) =>
  client.eventSubscriptions.create({ url, shared_secret, ...params });

async function everyEvent(client: Increase): Promise<Event[]> {
  const events: Event[] = [];
  for await (const event of client.events.list()) events.push(event);
  return events;
}

/** The one Event announcing an object (its creation, when nothing else happened to it). */
async function onlyEventOf(client: Increase, objectId: string): Promise<Event> {
  const { data } = await client.events.list({ associated_object_id: objectId });
  expect(data).toHaveLength(1);
  return data[0] as Event;
}

const unwrap = (client: Increase, request: ReceivedWebhook, key = shared_secret) =>
  client.events.unwrap(request.body, { headers: request.headers, key });

const webhookIds = (received: ReceivedWebhook[]) => received.map((r) => r.headers['webhook-id'] as string);

const countBy = <T>(items: T[]) => {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
};

describe('every category, signed, as the API shows it, soon', () => {
  let client: Increase;
  let receiver: WebhookReceiver;
  /** The Events of the group made after it subscribed, newest first. */
  let expected: Event[];

  beforeAll(async () => {
    let programId: string;
    ({ client, programId } = await newGroup(server, 'categories'));
    receiver = await startReceiver();
    await subscribe(client, receiver.url);
    const before = new Set((await everyEvent(client)).map((e) => e.id));

    await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    const expiring = await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    await client.entityOnboardingSessions.expire(expiring.id);
    const submitting = await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    await client.simulations.entityOnboardingSessions.submit(submitting.id);
    const entity = await client.entities.create(naturalPerson(1));
    await client.entities.update(entity.id, { natural_person: { name: 'Renamed Person' } });
    await client.entities.archive(entity.id);
    await server.newProgram('categories');

    expected = (await everyEvent(client)).filter((e) => !before.has(e.id));
    await receiver.waitFor((received) => new Set(webhookIds(received)).size >= expected.length);
  });

  it('delivers every Event of every category once', () => {
    expect(countBy(expected.map((e) => e.category))).toEqual(
      new Map([
        ['program.created', 1],
        ['entity.updated', 2],
        ['entity.created', 2],
        ['entity_onboarding_session.updated', 2],
        ['entity_onboarding_session.created', 3],
      ]),
    );
    const counts = countBy(webhookIds(receiver.received));
    expect(new Set(counts.keys())).toEqual(new Set(expected.map((e) => e.id)));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(receiver.received.every((r) => r.answeredWith === 200)).toBe(true);
  });

  it('signs each delivery so that the SDK’s events.unwrap verifies it with the shared secret', () => {
    for (const request of receiver.received) {
      const event = JSON.parse(request.body) as Event;
      expect(unwrap(client, request)).toEqual(event);
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'webhook-id': event.id,
        'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
        'webhook-timestamp': expect.stringMatching(/^\d{10}$/),
      });
      const signedAt = Number(request.headers['webhook-timestamp']) * 1000;
      expect(Math.abs(request.receivedAt - signedAt)).toBeLessThan(5_000);
    }
  });

  it('sends the Event exactly as events.retrieve shows it', async () => {
    for (const request of receiver.received) {
      const sent = JSON.parse(request.body) as Event;
      expect(sent).toEqual(await client.events.retrieve(sent.id));
    }
    expect(receiver.events().sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...expected].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('sends the first attempt within about a second of the change', async () => {
    for (const request of receiver.received) {
      const id = request.headers['webhook-id'] as string;
      const latency = request.receivedAt - (await log.eventCreatedAt(id));
      expect(latency, `${id} arrived ${latency} ms after it was recorded`).toBeLessThan(2_000);
    }
    // Measured from before the request that makes the change, too.
    const { client: timed, programId } = await newGroup(server, 'categories-timing');
    const timedReceiver = await startReceiver();
    await subscribe(timed, timedReceiver.url);
    const started = Date.now();
    await timed.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    const [arrived] = await timedReceiver.waitFor((received) => received.length > 0, 5_000);
    expect((arrived as ReceivedWebhook).receivedAt - started).toBeLessThan(2_000);
  });

  describe('a delivery that was changed fails events.unwrap', () => {
    let real: ReceivedWebhook;
    beforeAll(() => {
      real = receiver.received[0] as ReceivedWebhook;
      // The real one verifies: each case below changes one thing only.
      unwrap(client, real);
    });

    it('a tampered body', () => {
      const event = JSON.parse(real.body) as Event;
      const forged = real.body.replace(event.associated_object_id, 'entity_aaaaaaaaaaaaaaaaaaaa');
      expect(forged).not.toBe(real.body);
      expect(() => client.events.unwrap(forged, { headers: real.headers, key: shared_secret })).toThrow(/signature/i);
      expect(() => client.events.unwrap(`${real.body} `, { headers: real.headers, key: shared_secret })).toThrow(
        /signature/i,
      );
    });

    it('the wrong key', () => {
      expect(() => unwrap(client, real, 'not the shared secret')).toThrow(/signature/i);
      expect(() => unwrap(client, real, `${shared_secret} `)).toThrow(/signature/i);
    });

    it('a timestamp 10 minutes old', () => {
      const old = String(Math.floor(Date.now() / 1000) - 600);
      const headers = { ...real.headers, 'webhook-timestamp': old };
      expect(() => client.events.unwrap(real.body, { headers, key: shared_secret })).toThrow(/too old/);
    });

    it('missing signature headers', () => {
      const { 'webhook-signature': _, ...headers } = real.headers;
      expect(() => client.events.unwrap(real.body, { headers, key: shared_secret })).toThrow(/headers/);
    });
  });
});

describe('only to the subscriptions that want them', () => {
  it('selected categories get only those; a disabled subscription gets nothing', async () => {
    const { client, programId } = await newGroup(server, 'selection');
    const [entitiesOnly, sessionsAndPrograms, disabledAtCreation, disabledLater] = await Promise.all(
      Array.from({ length: 4 }, startReceiver),
    );
    const a = await subscribe(client, (entitiesOnly as WebhookReceiver).url, {
      selected_event_categories: selecting('entity.created'),
    });
    const b = await subscribe(client, (sessionsAndPrograms as WebhookReceiver).url, {
      selected_event_categories: selecting('entity_onboarding_session.updated', 'program.created'),
    });
    const c = await subscribe(client, (disabledAtCreation as WebhookReceiver).url, { status: 'disabled' });
    const d = await subscribe(client, (disabledLater as WebhookReceiver).url);
    await client.eventSubscriptions.update(d.id, { status: 'disabled' });
    const before = new Set((await everyEvent(client)).map((e) => e.id));

    const expiring = await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    await client.entityOnboardingSessions.expire(expiring.id);
    const submitting = await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    await client.simulations.entityOnboardingSessions.submit(submitting.id);
    await client.entities.create(naturalPerson(2));
    await server.newProgram('selection');

    const made = (await everyEvent(client)).filter((e) => !before.has(e.id));
    const idsOf = (...categories: string[]) =>
      made
        .filter((e) => categories.includes(e.category))
        .map((e) => e.id)
        .sort();
    expect(idsOf('entity.created')).toHaveLength(2);
    expect(idsOf('entity_onboarding_session.updated', 'program.created')).toHaveLength(3);

    // Everything queued is delivered; then a few polls more, for anything that should not come.
    await eventually('every delivery of the group made', async () => {
      const deliveries = await log.deliveries({ eventIds: made.map((e) => e.id) });
      return deliveries.length > 0 && deliveries.every((row) => row.status === 'succeeded') ? true : undefined;
    });
    await sleep(1_000);

    const received = (receiver: WebhookReceiver | undefined) => webhookIds(receiver?.received ?? []).sort();
    expect(received(entitiesOnly)).toEqual(idsOf('entity.created'));
    expect(received(sessionsAndPrograms)).toEqual(idsOf('entity_onboarding_session.updated', 'program.created'));
    expect(received(disabledAtCreation)).toEqual([]);
    expect(received(disabledLater)).toEqual([]);
    const queued = await log.deliveries({ eventIds: made.map((e) => e.id) });
    expect(countBy(queued.map((row) => row.event_subscription_id))).toEqual(
      new Map([
        [a.id, 2],
        [b.id, 3],
      ]),
    );
    expect(await log.deliveries({ subscriptionIds: [c.id, d.id] })).toEqual([]);
  });

  it('a subscription disabled while its delivery waits for a retry is sent nothing more', async () => {
    const { client, programId } = await newGroup(server, 'disabling');
    const receiver = await startReceiver();
    await receiver.stop();
    const subscription = await subscribe(client, receiver.url);
    const session = await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    const event = await onlyEventOf(client, session.id);
    await eventually('a first, refused attempt', async () =>
      (await log.delivery(event.id)).attempt_count >= 1 ? true : undefined,
    );
    await client.eventSubscriptions.update(subscription.id, { status: 'disabled' });
    await receiver.start();

    const delivery = await eventually('the delivery given up', async () => {
      const row = await log.delivery(event.id);
      return row.status === 'pending' ? undefined : row;
    });
    expect(delivery).toMatchObject({ status: 'failed', last_error: 'the subscription is disabled' });
    await sleep(500);
    expect(receiver.received).toEqual([]);
  });
});

describe('a receiver that is down, then failing, then back', () => {
  it('gets the Event later, every attempt recorded once, backing off, and the delivery succeeded', async () => {
    const { client, programId } = await newGroup(server, 'retries');
    const receiver = await startReceiver();
    await receiver.stop();
    await subscribe(client, receiver.url);
    const session = await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });
    const event = await onlyEventOf(client, session.id);

    // Down for two attempts (at about 0 s and 1 s); the next, about 2 s later, finds it up.
    await eventually('two refused attempts', async () =>
      (await log.delivery(event.id)).attempt_count >= 2 ? true : undefined,
    );
    let answered = 0;
    receiver.answer = () => (answered++ === 0 ? 500 : 200);
    await receiver.start();
    await receiver.waitFor((received) => received.some((r) => r.answeredWith === 200), 20_000);

    expect(receiver.received.map((r) => r.answeredWith)).toEqual([500, 200]);
    for (const request of receiver.received) {
      expect(request.headers['webhook-id']).toBe(event.id);
      expect(unwrap(client, request)).toEqual(event);
    }
    const delivery = await eventually('the delivery recorded', async () => {
      const row = await log.delivery(event.id);
      return row.status === 'succeeded' ? row : undefined;
    });
    expect(delivery).toMatchObject({ attempt_count: 4, last_status_code: 200, last_error: null, locked_until: null });
    const attempts = (await log.expectEachAttemptOnce([delivery])).get(delivery.id) ?? [];
    expect(attempts.map((a) => [a.status_code, a.error === null])).toEqual([
      [null, false],
      [null, false],
      [500, false],
      [200, true],
    ]);
    expect(attempts[0]?.error).toMatch(/ECONNREFUSED/);
    expect(attempts[2]?.error).toBe('answered 500');
    // Each wait about twice the one before: 1 s, 2 s, 4 s, give or take a fifth, a poll and a little.
    for (let i = 1; i < attempts.length; i++) {
      const gap = Date.parse(attempts[i]?.started_at as string) - Date.parse(attempts[i - 1]?.started_at as string);
      const backoff = 1000 * 2 ** (i - 1);
      expect(gap, `wait before attempt ${i + 1}`).toBeGreaterThanOrEqual(backoff * 0.8);
      expect(gap, `wait before attempt ${i + 1}`).toBeLessThan(backoff * 1.2 + 750);
    }
    await sleep(1_500);
    expect(receiver.received).toHaveLength(2);
  });
});

describe('redirects', () => {
  it('are not followed: the other receiver gets nothing, and the attempt is retried', async () => {
    const { client } = await newGroup(server, 'redirects');
    const elsewhere = await startReceiver();
    const statuses = [307, 302, 200];
    const seen: number[] = [];
    const redirecting = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const status = statuses[seen.length] ?? 200;
        seen.push(status);
        response.writeHead(status, status === 200 ? {} : { location: elsewhere.url }).end();
      });
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => redirecting.close(resolve)));
    const port = (redirecting.address() as AddressInfo).port;

    await subscribe(client, `http://127.0.0.1:${port}/webhooks`);
    const programId = await server.newProgram('redirects');
    const event = await onlyEventOf(client, programId);
    const delivery = await eventually(
      'the delivery succeeded',
      async () => {
        const row = await log.delivery(event.id);
        return row.status === 'succeeded' ? row : undefined;
      },
      15_000,
    );

    expect(seen).toEqual([307, 302, 200]);
    expect(elsewhere.received).toEqual([]);
    const attempts = (await log.expectEachAttemptOnce([delivery])).get(delivery.id) ?? [];
    expect(attempts.map((a) => [a.status_code, a.error])).toEqual([
      [307, 'answered 307'],
      [302, 'answered 302'],
      [200, null],
    ]);
  });
});

/** A name other than localhost that resolves here only to addresses off the public internet (this machine's name, usually). */
async function privateHostName(): Promise<{ host: string; address: string } | null> {
  for (const host of [os.hostname(), 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']) {
    if (urlPolicyProblem(`https://${host}/`, 'production') !== null) continue;
    const answers = await dns.promises.lookup(host, { all: true, verbatim: true }).catch(() => []);
    const first = answers[0];
    if (first && answers.every((a) => nonPublicAddressReason(a.address) !== null)) {
      return { host, address: first.address };
    }
  }
  return null;
}
const privateHost = await privateHostName();

describe('where deliveries may go', () => {
  it('a production subscription cannot target loopback: creation refuses it', async () => {
    const production = server.client({ apiKey: await server.newApiKey('production', 'production-loopback') });
    const receiver = await startReceiver();
    for (const url of [
      receiver.url,
      `http://localhost:${receiver.port}/webhooks`,
      `http://[::1]:${receiver.port}/webhooks`,
      `https://127.0.0.1:${receiver.port}/webhooks`,
      `https://localhost:${receiver.port}/webhooks`,
      `https://[::1]:${receiver.port}/webhooks`,
    ]) {
      await expectInvalid(production.eventSubscriptions.create({ url, shared_secret }), 'url');
    }
    expect((await production.eventSubscriptions.list()).data).toEqual([]);
    await server.newProgram('production-loopback');
    await sleep(750);
    expect(receiver.received).toEqual([]);
  });

  it.skipIf(!privateHost).each(['sandbox', 'production'] as const)(
    `a %s subscription to https on a name that resolves to a private address (${privateHost?.host}) is refused at delivery`,
    async (environment) => {
      const { host, address } = privateHost as { host: string; address: string };
      // Something listening where the name points, to see that nothing even connects.
      let connections = 0;
      const listener = net.createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, address, resolve));
      cleanups.push(() => new Promise((resolve) => listener.close(resolve)));
      const port = (listener.address() as AddressInfo).port;

      const group = `private-address-${environment}`;
      const client = server.client({ apiKey: await server.newApiKey(environment, group) });
      const subscription = await subscribe(client, `https://${host}:${port}/webhooks`);
      expect(subscription.status).toBe('active');
      const programId = await server.newProgram(group);
      const event = await onlyEventOf(client, programId);

      const delivery = await eventually('a refused attempt', async () => {
        const row = await log.delivery(event.id);
        return row.attempt_count >= 1 ? row : undefined;
      });
      const reason = `${host} resolves to ${address}, a ${nonPublicAddressReason(address)} address`;
      expect(delivery).toMatchObject({ status: 'pending', last_status_code: null, last_error: reason });
      const [attempt] = await log.attempts([delivery.id]);
      expect(attempt).toMatchObject({ attempt_number: 1, status_code: null, error: reason });
      expect(connections).toBe(0);
    },
  );
});

describe('on a server with short session lifetimes and a short retry window', () => {
  let short: TestServer;
  let shortLog: DeliveryLog;

  beforeAll(async () => {
    short = await startTestServer({
      ONBOARD_WEBHOOK_RETRY_BASE: '1',
      ONBOARD_WEBHOOK_RETRY_WINDOW: '3',
      ONBOARD_SESSION_TTL: '1',
      ONBOARD_EXPIRY_SWEEP_INTERVAL: '1',
    });
    shortLog = new DeliveryLog(short.databaseUrl);
  });
  afterAll(async () => {
    await shortLog?.close();
    await short?.stop();
  });
  afterEach(() => {
    expect(short.violations).toEqual([]);
  });

  it('expiry by time is announced and delivered', async () => {
    const { client, programId } = await newGroup(short, 'expiry');
    const receiver = await startReceiver();
    await subscribe(client, receiver.url, {
      selected_event_categories: selecting('entity_onboarding_session.updated'),
    });
    const session = await client.entityOnboardingSessions.create({ program_id: programId, redirect_url });

    const [request] = await receiver.waitFor((received) => received.length > 0, 8_000);
    const event = unwrap(client, request as ReceivedWebhook) as Event;
    expect(event).toMatchObject({
      category: 'entity_onboarding_session.updated',
      associated_object_id: session.id,
      associated_object_type: 'entity_onboarding_session',
    });
    expect(event).toEqual(await client.events.retrieve(event.id));
    expect(await client.entityOnboardingSessions.retrieve(session.id)).toMatchObject({ status: 'expired' });
  });

  it('a receiver answering 500 forever: retried until the window closes, then failed, then left alone', async () => {
    const { client } = await newGroup(short, 'failing');
    const receiver = await startReceiver();
    receiver.answer = () => 500;
    await subscribe(client, receiver.url);
    const programId = await short.newProgram('failing');
    const event = await onlyEventOf(client, programId);

    const delivery = await eventually('the delivery failed', async () => {
      const row = await shortLog.delivery(event.id);
      return row.status === 'pending' ? undefined : row;
    });
    expect(delivery).toMatchObject({ status: 'failed', last_status_code: 500, last_error: 'answered 500' });
    expect(delivery.attempt_count).toBeGreaterThanOrEqual(2);
    const attempts = (await shortLog.expectEachAttemptOnce([delivery])).get(delivery.id) ?? [];
    expect(attempts.every((a) => a.status_code === 500)).toBe(true);
    const lastStarted = Date.parse(attempts.at(-1)?.started_at as string);
    expect(lastStarted - Date.parse(delivery.created_at)).toBeLessThan(3_000 + 1_000);

    await sleep(2_000);
    expect(receiver.received).toHaveLength(delivery.attempt_count);
    expect(receiver.received.every((r) => r.answeredWith === 500)).toBe(true);
  });
  // KNOWN BUG (src/webhooks/dispatcher.ts): when an attempt throws before it has a result (here
  // the shared secret cannot be decrypted, as when servers on one database use different
  // encryption keys), nothing is recorded: no attempt row, no last_error, the delivery stays
  // pending under its lease and is claimed again every lease (about a minute), past the retry
  // window, forever. Remove `.fails` once such an attempt is recorded like any other failure.
  it('an attempt that cannot even be made is recorded, and fails when the window closes', async () => {
    const { client } = await newGroup(short, 'undecryptable');
    const subscription = await subscribe(client, 'http://127.0.0.1:9/webhooks');
    // Through the server's own database: a second SQLite connection in this process would wait
    // for the write lock synchronously, on the thread the server needs to release it.
    await short.transaction((tx) =>
      tx
        .updateTable('event_subscriptions')
        .set({ shared_secret: 'v1.sealed-with-another-key.AAAA' })
        .where('id', '=', subscription.id)
        .execute(),
    );
    const programId = await short.newProgram('undecryptable');
    const event = await onlyEventOf(client, programId);

    const delivery = await eventually(
      'the delivery given up',
      async () => {
        const row = await shortLog.delivery(event.id);
        return row.status === 'pending' ? undefined : row;
      },
      6_000,
    );
    expect(delivery).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/cannot be decrypted/) });
    expect(await shortLog.attempts([delivery.id])).not.toEqual([]);
  });
});

describe('one group’s slow receiver and another group’s deliveries', () => {
  let slowServer: TestServer;
  const timeoutSeconds = 5;

  beforeAll(async () => {
    slowServer = await startTestServer({ ONBOARD_WEBHOOK_TIMEOUT: String(timeoutSeconds) });
  });
  afterAll(() => slowServer?.stop());

  // KNOWN BUG (src/webhooks/dispatcher.ts): a pass claims a batch and waits for every attempt in
  // it (Promise.all) before it claims again, so a receiver that never answers holds up every
  // other subscription's first attempt for up to ONBOARD_WEBHOOK_TIMEOUT. Remove `.fails` once
  // the dispatcher claims again while slow attempts are still under way.
  it('a receiver that never answers does not delay another group’s first attempt', async () => {
    let hung = 0;
    const hanging = http.createServer(() => {
      hung++;
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    });
    const slow = await newGroup(slowServer, 'hanging');
    await subscribe(slow.client, `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/webhooks`);
    const fast = await newGroup(slowServer, 'healthy');
    const receiver = await startReceiver();
    await subscribe(fast.client, receiver.url);

    await slowServer.newProgram('hanging');
    await eventually('the attempt to the hanging receiver under way', async () => (hung > 0 ? true : undefined));
    const started = Date.now();
    await slowServer.newProgram('healthy');
    const [arrived] = await receiver.waitFor((received) => received.length > 0, (timeoutSeconds + 5) * 1000);
    expect((arrived as ReceivedWebhook).receivedAt - started).toBeLessThan(2_000);
  });
});
