import { setTimeout as sleep } from 'node:timers/promises';
import type Increase from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

type Session = Increase.EntityOnboardingSession;

let server: TestServer;
let client: Increase;
let otherClient: Increase;
/** The ids of the sessions this file created in the default group, and in the other group. */
const created = new Set<string>();
const otherCreated = new Set<string>();
/** Every default-group session, as one listing with the largest page size returns them. */
let newestFirst: Session[] = [];
const expiredIds = new Set<string>();
let oldest: Session;
let newest: Session;

const total = 260;
const redirect_url = 'https://example.com/onboarding/done';

/** Walks a list page by page, keeping each page's size and cursor. */
async function pages(first: Promise<Increase.EntityOnboardingSessionsPage>) {
  const seen: { size: number; next_cursor: string | null }[] = [];
  const items: Session[] = [];
  let page = await first;
  for (;;) {
    seen.push({ size: page.data.length, next_cursor: page.next_cursor });
    items.push(...page.data);
    if (!page.hasNextPage()) break;
    page = await page.getNextPage();
  }
  return { pages: seen, items };
}

beforeAll(async () => {
  server = await startTestServer();
  client = server.client();
  const otherProgram = await server.newProgram('other-group');
  otherClient = server.client({ apiKey: await server.newApiKey('sandbox', 'other-group') });
  // The other group's sessions are older than all of ours, so a cursor of ours points past them.
  for (let i = 0; i < 3; i++) {
    otherCreated.add(
      (await otherClient.entityOnboardingSessions.create({ program_id: otherProgram, redirect_url })).id,
    );
  }
  // The oldest and the newest are made alone, a moment apart from the rest, so their places are known.
  oldest = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
  created.add(oldest.id);
  await sleep(5);
  for (let done = 2; done < total; done += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, total - done) }, () =>
        client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url }),
      ),
    );
    for (const session of batch) created.add(session.id);
  }
  await sleep(5);
  newest = await client.entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
  created.add(newest.id);
  // Every seventh session expired, so that each status spans many pages.
  const ids = [...created];
  for (let i = 0; i < ids.length; i += 7) {
    const id = ids[i] as string;
    await client.entityOnboardingSessions.expire(id);
    expiredIds.add(id);
  }
  newestFirst = (await pages(client.entityOnboardingSessions.list({ limit: 100 }))).items;
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

describe('auto-pagination', () => {
  it('yields every session exactly once, newest first, at any page size', async () => {
    expect(created.size).toBe(total);
    const ids: string[] = [];
    const createdAt: string[] = [];
    for await (const session of client.entityOnboardingSessions.list({ limit: 7 })) {
      ids.push(session.id);
      createdAt.push(session.created_at);
    }
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
    expect(new Set(ids)).toEqual(created);
    for (let i = 1; i < createdAt.length; i++) {
      expect(Date.parse(createdAt[i] as string)).toBeLessThanOrEqual(Date.parse(createdAt[i - 1] as string));
    }
    expect(ids).toEqual(newestFirst.map((s) => s.id));
  });

  it('the newest session comes first and the oldest last', async () => {
    expect(newestFirst[0]?.id).toBe(newest.id);
    expect(newestFirst.at(-1)?.id).toBe(oldest.id);
    const first = await client.entityOnboardingSessions.list({ limit: 1 });
    expect(first.data.map((s) => s.id)).toEqual([newest.id]);
  });
});

describe('page boundaries', () => {
  it.each([
    [7, 38],
    [20, 13],
    [65, 4],
    [100, 3],
  ])('with limit %i: %i pages, all full but the last, and no cursor on the last page', async (limit, count) => {
    const { pages: walked, items } = await pages(client.entityOnboardingSessions.list({ limit }));
    expect(walked).toHaveLength(count);
    for (const page of walked.slice(0, -1)) {
      expect(page.size).toBe(limit);
      expect(page.next_cursor).toEqual(expect.any(String));
    }
    expect(walked.at(-1)).toEqual({ size: total - limit * (count - 1), next_cursor: null });
    expect(items.map((s) => s.id)).toEqual(newestFirst.map((s) => s.id));
  });
});

describe('filters with pagination', () => {
  it.each([
    ['expired', (s: Session) => expiredIds.has(s.id)],
    ['active', (s: Session) => !expiredIds.has(s.id)],
  ] as const)('status.in=%s pages through exactly the matching sessions, in order', async (status, matches) => {
    const expected = newestFirst.filter(matches).map((s) => s.id);
    expect(expected.length).toBeGreaterThan(7 * 3);
    const { pages: walked, items } = await pages(
      client.entityOnboardingSessions.list({ limit: 7, status: { in: [status] } }),
    );
    expect(items.map((s) => s.id)).toEqual(expected);
    expect(items.every((s) => s.status === status)).toBe(true);
    expect(walked.at(-1)?.next_cursor).toBeNull();
    expect(walked.every((p) => p.size > 0)).toBe(true);
  });

  it('status.in=active,expired pages through everything', async () => {
    const { items } = await pages(
      client.entityOnboardingSessions.list({ limit: 9, status: { in: ['active', 'expired'] } }),
    );
    expect(items.map((s) => s.id)).toEqual(newestFirst.map((s) => s.id));
  });
});

describe('cursors and groups', () => {
  it('a cursor from one group, used with another group’s key, returns nothing of the first group', async () => {
    const first = await client.entityOnboardingSessions.list({ limit: 7 });
    expect(first.next_cursor).toEqual(expect.any(String));
    const { items } = await pages(
      otherClient.entityOnboardingSessions.list({ limit: 100, cursor: first.next_cursor as string }),
    );
    expect(items.filter((s) => created.has(s.id))).toEqual([]);
    expect(new Set(items.map((s) => s.id))).toEqual(otherCreated);
  });

  it('the other group’s own list holds only its sessions', async () => {
    const ids: string[] = [];
    for await (const session of otherClient.entityOnboardingSessions.list({ limit: 2 })) ids.push(session.id);
    expect(new Set(ids)).toEqual(otherCreated);
    expect(ids).toHaveLength(otherCreated.size);
  });
});
