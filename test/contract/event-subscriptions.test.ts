import Increase from 'increase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { loadSecrets } from '../../src/domain/secrets.js';
import { Database } from '../../src/storage/database.js';
import { expectInvalid, expectInvalidOperation, failureOf, fieldsOf } from '../support/entities.js';
import { type TestServer, useTestServer } from '../support/server.js';

/** Event Subscriptions: the object, its URL rules, its status, and the deliveries it is given. */
let server: TestServer;
let client: Increase;
let production: Increase;
let database: Database;

useTestServer((started) => {
  server = started;
  client = started.client();
});

beforeAll(async () => {
  production = server.client({ apiKey: await server.newApiKey('production') });
  database = Database.open(parseDatabaseUrl(server.databaseUrl));
});
afterAll(() => database?.close());

type CreateParams = Increase.EventSubscriptionCreateParams;
/** Our categories include two the SDK's types do not list (our documented extension). */
const selecting = (...categories: string[]) =>
  categories.map((event_category) => ({ event_category })) as CreateParams['selected_event_categories'];

const storedRow = (id: string) =>
  database.db.selectFrom('event_subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('create', () => {
  it('creates an active subscription to every category from a URL alone', async () => {
    const subscription = await client.eventSubscriptions.create({ url: 'https://example.com/webhooks' });
    expect(subscription).toEqual({
      type: 'event_subscription',
      id: expect.stringMatching(/^event_subscription_[a-z0-9]{20}$/),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      // The SDK sends an Idempotency-Key of its own with every POST.
      idempotency_key: expect.stringMatching(/^stainless-node-retry-/),
      oauth_connection_id: null,
      selected_event_categories: null,
      status: 'active',
      url: 'https://example.com/webhooks',
    });
  });

  it('takes selected categories (ours included), a status and a shared secret', async () => {
    const subscription = await client.eventSubscriptions.create({
      url: 'https://example.com/webhooks?source=onboard',
      selected_event_categories: selecting('entity_onboarding_session.updated', 'entity.created'),
      status: 'disabled',
      shared_secret: 'a shared secret of our own',
    });
    expect(subscription).toMatchObject({
      selected_event_categories: [
        { event_category: 'entity_onboarding_session.updated' },
        { event_category: 'entity.created' },
      ],
      status: 'disabled',
      url: 'https://example.com/webhooks?source=onboard',
    });
    expect(JSON.stringify(subscription)).not.toContain('shared secret');
    expect(await client.eventSubscriptions.retrieve(subscription.id)).toEqual(subscription);
  });

  it('stores the shared secret encrypted, and makes a long random one when none is given', async () => {
    const given = await client.eventSubscriptions.create({
      url: 'https://example.com/a',
      shared_secret: 's3cret-value',
    });
    const randomA = await client.eventSubscriptions.create({ url: 'https://example.com/b' });
    const randomB = await client.eventSubscriptions.create({ url: 'https://example.com/c' });
    const { encryption } = loadSecrets(server.config.keyFile);
    const secretOf = async (id: string) => {
      const row = await storedRow(id);
      expect(row.shared_secret).toMatch(/^v1\./);
      return encryption.decrypt(row.shared_secret, id);
    };
    const row = await storedRow(given.id);
    expect(row.shared_secret).not.toContain('s3cret-value');
    expect(await secretOf(given.id)).toBe('s3cret-value');
    const a = await secretOf(randomA.id);
    const b = await secretOf(randomB.id);
    expect(a.length).toBeGreaterThanOrEqual(32);
    expect(a).toMatch(/^[A-Za-z0-9]+$/);
    expect(a).not.toBe(b);
    // Encrypted for its own row: copied onto another it does not decrypt.
    expect(() => encryption.decrypt(row.shared_secret, randomA.id)).toThrow();
  });

  it('records the environment of the key that created it', async () => {
    const sandbox = await client.eventSubscriptions.create({ url: 'https://example.com/sandbox' });
    const live = await production.eventSubscriptions.create({ url: 'https://example.com/production' });
    expect((await storedRow(sandbox.id)).environment).toBe('sandbox');
    expect((await storedRow(live.id)).environment).toBe('production');
  });

  it('names an unknown category by its position, and writes nothing', async () => {
    const before = await client.eventSubscriptions.list();
    const fields = await expectInvalid(
      client.eventSubscriptions.create({
        url: 'https://example.com/webhooks',
        selected_event_categories: selecting(
          'entity.created',
          'no_such.category',
          'program.created',
          'account.created',
        ),
      }),
    );
    expect(fields).toEqual([
      'selected_event_categories.1.event_category',
      'selected_event_categories.3.event_category',
    ]);
    expect((await client.eventSubscriptions.list()).data).toEqual(before.data);
  });

  it('names every bad field at once', async () => {
    const fields = await expectInvalid(
      client.eventSubscriptions.create({
        url: 'ftp://example.com/',
        selected_event_categories: selecting('entity.deleted'),
      }),
    );
    expect(fields.sort()).toEqual(['selected_event_categories.0.event_category', 'url']);
  });

  it.each([
    ['no url', {}, 'url'],
    ['an empty selection', { url: 'https://example.com/', selected_event_categories: [] }, 'selected_event_categories'],
    ['an empty shared secret', { url: 'https://example.com/', shared_secret: '' }, 'shared_secret'],
    [
      'a shared secret over 100 characters',
      { url: 'https://example.com/', shared_secret: 'x'.repeat(101) },
      'shared_secret',
    ],
    ['status deleted', { url: 'https://example.com/', status: 'deleted' }, 'status'],
    [
      'an OAuth Connection that does not exist',
      { url: 'https://example.com/', oauth_connection_id: 'oauth_connection_x' },
      'oauth_connection_id',
    ],
  ])('rejects %s, naming the field', async (_, params, field) => {
    const fields = await expectInvalid(client.eventSubscriptions.create(params as CreateParams));
    expect(fields).toContain(field);
  });

  it('takes a shared secret of exactly 1 and of exactly 100 characters', async () => {
    for (const shared_secret of ['x', 'y'.repeat(100)]) {
      const subscription = await client.eventSubscriptions.create({ url: 'https://example.com/', shared_secret });
      const { encryption } = loadSecrets(server.config.keyFile);
      expect(encryption.decrypt((await storedRow(subscription.id)).shared_secret, subscription.id)).toBe(shared_secret);
    }
  });
});

describe('URL rules', () => {
  const refusedEverywhere = [
    ['plain http', 'http://example.com/webhooks'],
    ['another scheme', 'ftp://example.com/webhooks'],
    ['a relative URL', '/webhooks'],
    ['not a URL', 'example.com/webhooks'],
    ['credentials', 'https://user:pass@example.com/webhooks'],
    ['a user name alone', 'https://user@example.com/webhooks'],
    ['a fragment', 'https://example.com/webhooks#part'],
    ['an empty fragment', 'https://example.com/webhooks#'],
    ['over 2048 characters', `https://example.com/${'a'.repeat(2029)}`],
    ['a leading space', ' https://example.com/webhooks'],
    ['a space in the path', 'https://example.com/web hooks'],
    ['a newline inside the host', 'https://exam\nple.com/webhooks'],
    ['a private IPv4 address (10/8)', 'https://10.1.2.3/webhooks'],
    ['a private IPv4 address (172.16/12)', 'https://172.20.0.1/webhooks'],
    ['a private IPv4 address (192.168/16)', 'https://192.168.0.10/webhooks'],
    ['a CGNAT address', 'https://100.64.0.1/webhooks'],
    ['a link-local address (cloud metadata)', 'https://169.254.169.254/latest/meta-data'],
    ['a loopback address other than 127.0.0.1', 'https://127.0.0.2/webhooks'],
    ['a loopback address written as a number', 'https://2130706434/webhooks'],
    ['the unspecified IPv4 address', 'https://0.0.0.0/webhooks'],
    ['a multicast IPv4 address', 'https://224.0.0.1/webhooks'],
    ['a reserved IPv4 address', 'https://240.0.0.1/webhooks'],
    ['a documentation IPv4 address', 'https://192.0.2.1/webhooks'],
    ['the unspecified IPv6 address', 'https://[::]/webhooks'],
    ['a link-local IPv6 address', 'https://[fe80::1]/webhooks'],
    ['a unique-local IPv6 address', 'https://[fd12:3456::1]/webhooks'],
    ['a multicast IPv6 address', 'https://[ff02::1]/webhooks'],
    ['an IPv4-mapped loopback address', 'https://[::ffff:127.0.0.1]/webhooks'],
    ['an IPv4-mapped private address', 'https://[::ffff:10.0.0.1]/webhooks'],
    ['a subdomain of localhost', 'https://app.localhost/webhooks'],
    ['http to a loopback address other than 127.0.0.1', 'http://127.0.0.2/webhooks'],
    ['http to a private address', 'http://192.168.0.10/webhooks'],
  ] as const;

  const allowedEverywhere = [
    'https://example.com/webhooks',
    'https://hooks.example.com:8443/onboard?token=abc',
    'https://8.8.8.8/webhooks',
    'https://[2606:4700:4700::1111]/webhooks',
    'https://[::ffff:8.8.8.8]/webhooks',
  ];

  const loopback = [
    'http://localhost:3000/webhooks',
    'http://127.0.0.1/webhooks',
    'http://[::1]:8080/webhooks',
    'https://localhost/webhooks',
    'https://127.0.0.1:8443/webhooks',
    'https://[::1]/webhooks',
  ];

  async function expectRefused(as: Increase, url: string) {
    const error = await failureOf(as.eventSubscriptions.create({ url }));
    expect(error).toBeInstanceOf(Increase.BadRequestError);
    expect(fieldsOf(error)).toEqual(['url']);
  }

  it.each(refusedEverywhere)('refuses %s for sandbox and production keys: %s', async (_, url) => {
    await expectRefused(client, url);
    await expectRefused(production, url);
  });

  it.each(allowedEverywhere)('allows %s for sandbox and production keys', async (url) => {
    expect((await client.eventSubscriptions.create({ url })).url).toBe(url);
    expect((await production.eventSubscriptions.create({ url })).url).toBe(url);
  });

  it.each(loopback)('allows %s in the sandbox only', async (url) => {
    expect((await client.eventSubscriptions.create({ url })).url).toBe(url);
    await expectRefused(production, url);
  });

  it('says what is wrong', async () => {
    const error = await failureOf(production.eventSubscriptions.create({ url: 'http://localhost:3000/' }));
    expect(error.error).toMatchObject({ detail: expect.stringMatching(/^url: must use https/) });
    const privateAddress = await failureOf(client.eventSubscriptions.create({ url: 'https://10.0.0.1/' }));
    expect(privateAddress.error).toMatchObject({ detail: 'url: must not point at a private address' });
  });
});

describe('list and retrieve', () => {
  it('lists newest first, a page at a time', async () => {
    const a = await client.eventSubscriptions.create({ url: 'https://example.com/list-a' });
    const b = await client.eventSubscriptions.create({ url: 'https://example.com/list-b' });
    const first = await client.eventSubscriptions.list({ limit: 1 });
    expect(first.data).toEqual([b]);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await first.getNextPage();
    expect(second.data).toEqual([a]);
    const all: Increase.EventSubscription[] = [];
    for await (const subscription of client.eventSubscriptions.list({ limit: 10 })) all.push(subscription);
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    expect(all.slice(0, 2)).toEqual([b, a]);
  });

  it('answers an unknown id with a 404', async () => {
    const error = await failureOf(client.eventSubscriptions.retrieve('event_subscription_aaaaaaaaaaaaaaaaaaaa'));
    expect(error).toBeInstanceOf(Increase.NotFoundError);
    expect(error.error).toMatchObject({ type: 'object_not_found_error' });
  });

  it('rejects a bad limit or cursor with a 400 naming it', async () => {
    await expectInvalid(client.eventSubscriptions.list({ limit: 0 }), 'limit');
    await expectInvalid(client.eventSubscriptions.list({ cursor: 'nope' }), 'cursor');
  });
});

describe('idempotency', () => {
  it('replays a create with the same key and body, finds it by key, and refuses another body', async () => {
    const key = `subscription-${Date.now()}`;
    const params = { url: 'https://example.com/idempotent', selected_event_categories: selecting('entity.created') };
    const first = await client.eventSubscriptions.create(params, { idempotencyKey: key });
    expect(first.idempotency_key).toBe(key);
    const response = await client.eventSubscriptions.create(params, { idempotencyKey: key }).withResponse();
    expect(response.data).toEqual(first);
    expect(response.response.headers.get('idempotent-replayed')).toBe('true');
    expect((await client.eventSubscriptions.list({ idempotency_key: key })).data).toEqual([first]);

    const error = await failureOf(
      client.eventSubscriptions.create({ url: 'https://example.com/other' }, { idempotencyKey: key }),
    );
    expect(error.status).toBe(409);
    expect(error.error).toMatchObject({ type: 'idempotency_key_already_used_error', resource_id: first.id });
    expect((await client.eventSubscriptions.list({ idempotency_key: key })).data).toEqual([first]);

    // An update's key names the subscription too, in its idempotency record; it did not make it.
    const updated = await client.eventSubscriptions.update(
      first.id,
      { status: 'disabled' },
      { idempotencyKey: `${key}-update` },
    );
    expect((await client.eventSubscriptions.list({ idempotency_key: `${key}-update` })).data).toEqual([]);
    expect((await client.eventSubscriptions.list({ idempotency_key: key })).data).toEqual([updated]);
  });
});

describe('update', () => {
  it('disables, re-activates and deletes; a deleted subscription cannot change again', async () => {
    const subscription = await client.eventSubscriptions.create({ url: 'https://example.com/status' });
    const disabled = await client.eventSubscriptions.update(subscription.id, { status: 'disabled' });
    expect(disabled).toEqual({ ...subscription, status: 'disabled' });
    expect(await client.eventSubscriptions.update(subscription.id, { status: 'active' })).toEqual(subscription);
    expect(await client.eventSubscriptions.update(subscription.id, {})).toEqual(subscription);
    const deleted = await client.eventSubscriptions.update(subscription.id, { status: 'deleted' });
    expect(deleted).toEqual({ ...subscription, status: 'deleted' });
    expect(await client.eventSubscriptions.retrieve(subscription.id)).toEqual(deleted);

    for (const status of ['active', 'disabled', 'deleted'] as const) {
      const error = await expectInvalidOperation(client.eventSubscriptions.update(subscription.id, { status }));
      expect(error.error).toMatchObject({ type: 'invalid_operation_error' });
    }
    expect(await client.eventSubscriptions.retrieve(subscription.id)).toEqual(deleted);
  });

  it('deletes a disabled subscription', async () => {
    const subscription = await client.eventSubscriptions.create({ url: 'https://example.com/', status: 'disabled' });
    expect((await client.eventSubscriptions.update(subscription.id, { status: 'deleted' })).status).toBe('deleted');
  });

  it('rejects an unknown status or parameter with a 400, and an unknown id with a 404', async () => {
    const subscription = await client.eventSubscriptions.create({ url: 'https://example.com/' });
    await expectInvalid(client.eventSubscriptions.update(subscription.id, { status: 'paused' } as never), 'status');
    await expectInvalid(
      client.eventSubscriptions.update(subscription.id, { url: 'https://example.com/new' } as never),
      'url',
    );
    const error = await failureOf(
      client.eventSubscriptions.update('event_subscription_aaaaaaaaaaaaaaaaaaaa', { status: 'disabled' }),
    );
    expect(error.status).toBe(404);
    expect(await client.eventSubscriptions.retrieve(subscription.id)).toEqual(subscription);
  });
});

describe('isolation', () => {
  it("another group's key cannot see, list or change a subscription", async () => {
    const subscription = await client.eventSubscriptions.create({ url: 'https://example.com/private' });
    const other = server.client({ apiKey: await server.newApiKey('sandbox', 'subscriptions-other-group') });
    expect((await other.eventSubscriptions.list()).data).toEqual([]);
    expect((await failureOf(other.eventSubscriptions.retrieve(subscription.id))).status).toBe(404);
    expect((await failureOf(other.eventSubscriptions.update(subscription.id, { status: 'deleted' }))).status).toBe(404);
    expect(await client.eventSubscriptions.retrieve(subscription.id)).toEqual(subscription);
    const theirs = await other.eventSubscriptions.create({ url: 'https://example.com/theirs' });
    expect((await other.eventSubscriptions.list()).data).toEqual([theirs]);
    expect((await failureOf(client.eventSubscriptions.retrieve(theirs.id))).status).toBe(404);
  });
});

describe('deliveries queued by Events', () => {
  // A group of its own, so that no other test's subscriptions take these Events; URLs on a
  // closed loopback port, so that nothing leaves the machine whatever a dispatcher does.
  const group = 'subscriptions-deliveries-group';
  let as: Increase;
  const subscription = (params: Omit<CreateParams, 'url'>, n: number) =>
    as.eventSubscriptions.create({ url: `http://127.0.0.1:9/hook-${n}`, ...params });

  /** Which subscriptions each Event of the group was queued for (subscription ids, sorted). */
  async function queuedFor(eventIds: string[]): Promise<Record<string, string[]>> {
    const rows = await database.db
      .selectFrom('webhook_deliveries')
      .select(['event_id', 'event_subscription_id'])
      .where('event_id', 'in', eventIds)
      .execute();
    const queued: Record<string, string[]> = Object.fromEntries(eventIds.map((id) => [id, []]));
    for (const row of rows) queued[row.event_id]?.push(row.event_subscription_id);
    for (const ids of Object.values(queued)) ids.sort();
    return queued;
  }

  const sorted = (...ids: string[]) => [...ids].sort();

  beforeAll(async () => {
    as = server.client({ apiKey: await server.newApiKey('sandbox', group) });
  });

  it('queues a delivery for each active subscription that selects the category, and only those', async () => {
    const everything = await subscription({}, 1);
    const programs = await subscription({ selected_event_categories: selecting('program.created') }, 2);
    const sessions = await subscription(
      { selected_event_categories: selecting('entity_onboarding_session.created', 'program.created') },
      3,
    );
    const disabled = await subscription({ status: 'disabled' }, 4);
    const deleted = await subscription({ selected_event_categories: selecting('program.created') }, 5);
    await as.eventSubscriptions.update(deleted.id, { status: 'deleted' });
    // Another group's subscription to everything: never given this group's Events.
    const other = server.client({ apiKey: await server.newApiKey('sandbox', `${group}-other`) });
    const stranger = await other.eventSubscriptions.create({ url: 'http://127.0.0.1:9/stranger' });

    const programId = await server.newProgram(group);
    const session = await as.entityOnboardingSessions.create({
      program_id: programId,
      redirect_url: 'https://example.com/done',
    });
    const [programCreated] = (await as.events.list({ associated_object_id: programId })).data;
    const [sessionCreated] = (await as.events.list({ associated_object_id: session.id })).data;
    expect(programCreated?.category).toBe('program.created');
    expect(sessionCreated?.category).toBe('entity_onboarding_session.created');

    expect(await queuedFor([programCreated?.id as string, sessionCreated?.id as string])).toEqual({
      [programCreated?.id as string]: sorted(everything.id, programs.id, sessions.id),
      [sessionCreated?.id as string]: sorted(everything.id, sessions.id),
    });
    const strangers = await database.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('event_subscription_id', 'in', [stranger.id, disabled.id, deleted.id])
      .execute();
    expect(strangers).toEqual([]);
  });

  it('queues while active only: disabling stops new deliveries, re-activating resumes them', async () => {
    const toggled = await subscription(
      { selected_event_categories: selecting('entity_onboarding_session.updated') },
      6,
    );
    const programId = await server.newProgram(group);
    const first = await as.entityOnboardingSessions.create({
      program_id: programId,
      redirect_url: 'https://example.com/',
    });
    const second = await as.entityOnboardingSessions.create({
      program_id: programId,
      redirect_url: 'https://example.com/',
    });

    await as.eventSubscriptions.update(toggled.id, { status: 'disabled' });
    await as.entityOnboardingSessions.expire(first.id);
    await as.eventSubscriptions.update(toggled.id, { status: 'active' });
    await as.entityOnboardingSessions.expire(second.id);

    const updatedEvent = async (sessionId: string) =>
      (
        await as.events.list({
          associated_object_id: sessionId,
          category: { in: ['entity_onboarding_session.updated'] as string[] } as Increase.EventListParams.Category,
        })
      ).data[0]?.id as string;
    const whileDisabled = await updatedEvent(first.id);
    const whileActive = await updatedEvent(second.id);
    const queued = await queuedFor([whileDisabled, whileActive]);
    expect(queued[whileDisabled]).not.toContain(toggled.id);
    expect(queued[whileActive]).toContain(toggled.id);

    const row = await database.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('event_id', '=', whileActive)
      .where('event_subscription_id', '=', toggled.id)
      .executeTakeFirstOrThrow();
    expect(row.group_id).toBe((await storedRow(toggled.id)).group_id);
    expect(row.created_at <= new Date().toISOString()).toBe(true);
  });
});
