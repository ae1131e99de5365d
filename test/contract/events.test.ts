import { setTimeout as sleep } from 'node:timers/promises';
import Increase from 'increase';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectInvalid, failureOf, naturalPerson } from '../support/entities.js';
import { type TestServer, useTestServer } from '../support/server.js';

/** Events: what each change announces, and listing them with Increase's filters. */
let server: TestServer;
let client: Increase;

useTestServer((started) => {
  server = started;
  client = started.client();
});

const redirect_url = 'https://example.com/onboarding/done';
type Event = Increase.Event;
/** Our categories include two the SDK's types do not list (our documented extension). */
const categoryIn = (...categories: string[]) => ({ in: categories }) as Increase.EventListParams.Category;

async function everything(params: Increase.EventListParams = {}, as: Increase = client): Promise<Event[]> {
  const events: Event[] = [];
  for await (const event of as.events.list(params)) events.push(event);
  return events;
}

/** What the setup did, to find in the Events. */
const made = {
  activeSession: '',
  expiredSession: '',
  submittedSession: '',
  submittedEntity: '',
  entity: '',
  program: '',
};
/** Every Event, newest first, after the setup. */
let all: Event[];

beforeAll(async () => {
  made.activeSession = (
    await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url })
  ).id;
  const expiring = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
  made.expiredSession = (await client.entityOnboardingSessions.expire(expiring.id)).id;
  const submitting = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
  const submitted = await client.simulations.entityOnboardingSessions.submit(submitting.id);
  made.submittedSession = submitted.id;
  made.submittedEntity = submitted.entity_id as string;
  // The rest happens in a later second, so that the created_at bounds have something to divide.
  await sleep(1100);
  const entity = await client.entities.create(naturalPerson(1));
  made.entity = entity.id;
  await client.entities.update(entity.id, { natural_person: { name: 'Renamed Person' } });
  await client.entities.archive(entity.id);
  made.program = await server.newProgram();
  all = await everything();
});

const find = (category: string, objectId: string) =>
  all.filter((e) => e.category === category && e.associated_object_id === objectId);

describe('what is announced', () => {
  it.each([
    ['entity_onboarding_session.created', 'activeSession', 'entity_onboarding_session', 1],
    ['entity_onboarding_session.created', 'expiredSession', 'entity_onboarding_session', 1],
    ['entity_onboarding_session.updated', 'expiredSession', 'entity_onboarding_session', 1],
    ['entity_onboarding_session.created', 'submittedSession', 'entity_onboarding_session', 1],
    ['entity_onboarding_session.updated', 'submittedSession', 'entity_onboarding_session', 1],
    ['entity.created', 'submittedEntity', 'entity', 1],
    ['entity.created', 'entity', 'entity', 1],
    // One for the update, one for the archive.
    ['entity.updated', 'entity', 'entity', 2],
    ['program.created', 'program', 'program', 1],
  ] as const)('%s for the %s, as a %s', (category, which, type, count) => {
    const found = find(category, made[which]);
    expect(found).toHaveLength(count);
    for (const event of found) {
      expect(event).toEqual({
        type: 'event',
        id: expect.stringMatching(/^event_[a-z0-9]{20}$/),
        category,
        associated_object_id: made[which],
        associated_object_type: type,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      });
    }
  });

  it('announces nothing for an active session beyond its creation, and the bootstrap program too', () => {
    expect(all.filter((e) => e.associated_object_id === made.activeSession)).toHaveLength(1);
    expect(find('program.created', server.programId)).toHaveLength(1);
  });

  it('lists newest first, one object’s Events in the order they happened', async () => {
    for (let i = 1; i < all.length; i++) {
      expect((all[i] as Event).created_at <= (all[i - 1] as Event).created_at).toBe(true);
    }
    const entityEvents = await everything({ associated_object_id: made.entity });
    expect(entityEvents.map((e) => e.category)).toEqual(['entity.updated', 'entity.updated', 'entity.created']);
  });

  it('announces nothing for a write that fails', async () => {
    await expectInvalid(
      client.entities.create({ structure: 'natural_person', natural_person: { name: 'No Details' } } as never),
    );
    await failureOf(client.entityOnboardingSessions.expire(made.expiredSession));
    expect(await everything()).toEqual(all);
  });
});

describe('retrieve', () => {
  it('retrieves each Event as it is listed', async () => {
    for (const event of all.slice(0, 12)) expect(await client.events.retrieve(event.id)).toEqual(event);
  });

  it('answers an unknown id with a 404', async () => {
    const error = await failureOf(client.events.retrieve('event_aaaaaaaaaaaaaaaaaaaa'));
    expect(error).toBeInstanceOf(Increase.NotFoundError);
    expect(error.error).toMatchObject({ type: 'object_not_found_error' });
  });
});

describe('filters', () => {
  it('category.in keeps exactly the named categories', async () => {
    const programs = await everything({ category: categoryIn('program.created') });
    expect(new Set(programs.map((e) => e.associated_object_id))).toEqual(new Set([server.programId, made.program]));
    expect(programs).toEqual(all.filter((e) => e.category === 'program.created'));

    const two = ['entity_onboarding_session.updated', 'entity.created'];
    const sessionsAndEntities = await everything({ category: categoryIn(...two) });
    expect(sessionsAndEntities).toEqual(all.filter((e) => two.includes(e.category)));
    expect(sessionsAndEntities).toHaveLength(4);
  });

  it('associated_object_id keeps one object’s Events', async () => {
    const session = await everything({ associated_object_id: made.submittedSession });
    expect(session.map((e) => e.category)).toEqual([
      'entity_onboarding_session.updated',
      'entity_onboarding_session.created',
    ]);
    expect(await everything({ associated_object_id: 'entity_doesnotexist0000000' })).toEqual([]);
  });

  it('combines filters', async () => {
    const events = await everything({ category: categoryIn('entity.updated'), associated_object_id: made.entity });
    expect(events).toHaveLength(2);
    expect(await everything({ category: categoryIn('program.created'), associated_object_id: made.entity })).toEqual(
      [],
    );
  });

  it('created_at bounds compare at the second shown', async () => {
    const seconds = [...new Set(all.map((e) => e.created_at))].sort();
    expect(seconds.length).toBeGreaterThan(1);
    const at = seconds[seconds.length - 1] as string;
    const expected = {
      after: all.filter((e) => e.created_at > at),
      on_or_after: all.filter((e) => e.created_at >= at),
      before: all.filter((e) => e.created_at < at),
      on_or_before: all.filter((e) => e.created_at <= at),
    };
    expect(expected.on_or_after.length).toBeGreaterThan(0);
    expect(expected.before.length).toBeGreaterThan(0);
    for (const [bound, events] of Object.entries(expected)) {
      expect(await everything({ created_at: { [bound]: at } }), bound).toEqual(events);
    }
    const first = seconds[0] as string;
    expect(await everything({ created_at: { on_or_after: first, before: at } })).toEqual(
      all.filter((e) => e.created_at >= first && e.created_at < at),
    );
  });

  it('pages through everything at any page size, with no cursor on the last page', async () => {
    for (const limit of [1, 3, 7]) {
      const items: Event[] = [];
      let page = await client.events.list({ limit });
      for (;;) {
        expect(page.data.length).toBeLessThanOrEqual(limit);
        items.push(...page.data);
        if (!page.hasNextPage()) break;
        page = await page.getNextPage();
      }
      expect(page.next_cursor).toBeNull();
      expect(items).toEqual(all);
    }
    const filtered = await everything({ category: categoryIn('entity_onboarding_session.created'), limit: 1 });
    expect(filtered).toHaveLength(3);
  });

  it.each([
    ['category.in=account.created', 'category.in'],
    ['category.in=nonsense', 'category.in'],
    ['limit=0', 'limit'],
    ['cursor=garbage', 'cursor'],
    ['created_at.after=yesterday', 'created_at.after'],
  ])('rejects %s with a 400 naming it', async (query, field) => {
    const response = await server.request('GET', `/events?${query}`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'invalid_parameters_error', errors: [{ field }] });
  });
});

describe('isolation', () => {
  it('another group sees none of these Events, and a 404 for each', async () => {
    const other = server.client({ apiKey: await server.newApiKey('sandbox', 'events-other-group') });
    expect(await everything({}, other)).toEqual([]);
    expect(await everything({ associated_object_id: made.entity }, other)).toEqual([]);
    for (const event of all.slice(0, 5)) {
      const error = await failureOf(other.events.retrieve(event.id));
      expect(error.status).toBe(404);
      expect(error.error).toMatchObject({ type: 'object_not_found_error' });
    }
  });

  it('a production key of the same group sees the same Events', async () => {
    const production = server.client({ apiKey: await server.newApiKey('production') });
    expect(await everything({}, production)).toEqual(await everything());
  });
});
