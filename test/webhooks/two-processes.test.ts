import { setTimeout as sleep } from 'node:timers/promises';
import Increase from 'increase';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, freshDatabase, tempDir } from '../support/backend.js';
import { DeliveryLog, eventually } from '../support/deliveries.js';
import { cliEnv, type ServeProcess, startServe } from '../support/process.js';
import { WebhookReceiver } from '../support/receiver.js';

/**
 * Two `serve` processes on one PostgreSQL database share the outbox: each delivery is claimed
 * by one of them at a time, so each Event arrives once per attempt, and each attempt is
 * recorded once. (SQLite has one writer: there is nothing to share.)
 */
const redirect_url = 'https://example.com/onboarding/done';
const shared_secret = 'a webhook secret for these tests only';
const burst = 40;

describe.skipIf(backend !== 'postgres')('two serve processes on one database', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let processes: ServeProcess[];
  let clients: Increase[];
  let programId: string;
  let receiver: WebhookReceiver;
  let log: DeliveryLog;

  beforeAll(async () => {
    const dir = tempDir();
    const database = await freshDatabase(dir);
    cleanups.push(() => database.drop());
    // Both look for work every 20 ms, so that they do compete for it.
    const env = cliEnv(dir, database.url, {
      ONBOARD_WEBHOOK_RETRY_BASE: '1',
      ONBOARD_WEBHOOK_POLL_INTERVAL: '20',
    });
    log = new DeliveryLog(database.url);
    cleanups.push(() => log.close());

    const first = await startServe(env);
    cleanups.push(() => first.stop());
    const created = await first.firstRun();
    if (!created) throw new Error(`first start printed no API key:\n${first.stderr()}`);
    // The second starts on the bootstrapped database, with the same key file.
    const second = await startServe(env);
    cleanups.push(() => second.stop());
    expect(await second.firstRun(300)).toBeNull();
    processes = [first, second];
    programId = created.programId;
    clients = processes.map((p) => new Increase({ apiKey: created.apiKey, baseURL: p.url, maxRetries: 0 }));

    receiver = await new WebhookReceiver().start();
    cleanups.push(() => receiver.stop());
    await clients[0]?.eventSubscriptions.create({ url: receiver.url, shared_secret });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  /** Creates `burst` sessions at once, half through each process; returns their creation Events' ids. */
  async function sessionBurst(): Promise<string[]> {
    const sessions = await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        (clients[i % 2] as Increase).entityOnboardingSessions.create({ program_id: programId, redirect_url }),
      ),
    );
    const eventIds: string[] = [];
    for (const session of sessions) {
      const { data } = await (clients[0] as Increase).events.list({ associated_object_id: session.id });
      expect(data).toHaveLength(1);
      eventIds.push((data[0] as Increase.Event).id);
    }
    return eventIds;
  }

  /** The statuses each Event was answered with, in the order its requests arrived. */
  const answersByEvent = (eventIds: string[]) => {
    const answers = new Map<string, number[]>(eventIds.map((id) => [id, []]));
    for (const request of receiver.received)
      answers.get(request.headers['webhook-id'] as string)?.push(request.answeredWith);
    return answers;
  };

  /** Which process logged each attempt, as "delivery_id#attempt". */
  const attemptsLoggedBy = (process: ServeProcess) =>
    process
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; delivery_id?: string; attempt?: number })
      .filter((entry) => entry.msg === 'webhook attempt')
      .map((entry) => `${entry.delivery_id}#${entry.attempt}`);

  async function expectAttemptsRecordedOnce(eventIds: string[], attemptsEach: number) {
    const deliveries = await eventually('every delivery recorded as succeeded', async () => {
      const rows = await log.deliveries({ eventIds });
      return rows.length === eventIds.length && rows.every((d) => d.status === 'succeeded') ? rows : undefined;
    });
    expect(deliveries.every((d) => d.attempt_count === attemptsEach)).toBe(true);
    await log.expectEachAttemptOnce(deliveries);
    const { rows: repeated } = await sql<{ delivery_id: string; attempt_number: number }>`
      SELECT delivery_id, attempt_number FROM webhook_delivery_attempts
      GROUP BY delivery_id, attempt_number HAVING count(*) > 1`.execute(log.database.db);
    expect(repeated).toEqual([]);

    // Both processes took part, and no attempt was made (and logged) by both.
    const logged = processes.map(attemptsLoggedBy);
    const ours = new Set(deliveries.flatMap((d) => Array.from({ length: attemptsEach }, (_, i) => `${d.id}#${i + 1}`)));
    const [byFirst, bySecond] = logged.map((attempts) => attempts.filter((a) => ours.has(a)));
    expect((byFirst?.length ?? 0) + (bySecond?.length ?? 0)).toBe(ours.size);
    expect(new Set([...(byFirst ?? []), ...(bySecond ?? [])]).size).toBe(ours.size);
    expect(byFirst?.length).toBeGreaterThan(0);
    expect(bySecond?.length).toBeGreaterThan(0);
    return deliveries;
  }

  it(`a burst of ${burst} Events: each arrives exactly once, each attempt recorded once`, async () => {
    const eventIds = await sessionBurst();
    await receiver.waitFor(() => [...answersByEvent(eventIds).values()].every((a) => a.includes(200)), 20_000);
    // Time for a second claim of anything to show.
    await sleep(1_500);

    const answers = answersByEvent(eventIds);
    expect([...answers.entries()].filter(([, statuses]) => statuses.length !== 1)).toEqual([]);
    await expectAttemptsRecordedOnce(eventIds, 1);
  });

  it(`a burst of ${burst} Events answered 500 the first time: each arrives exactly twice, never more`, async () => {
    const firstSeen = new Set<string>(receiver.received.map((r) => r.headers['webhook-id'] as string));
    receiver.answer = ({ headers }) => {
      const id = headers['webhook-id'] as string;
      if (firstSeen.has(id)) return 200;
      firstSeen.add(id);
      return 500;
    };
    const eventIds = await sessionBurst();
    await receiver.waitFor(() => [...answersByEvent(eventIds).values()].every((a) => a.includes(200)), 20_000);
    // Longer than the longest wait before a third attempt (1.2 s), and a few polls.
    await sleep(2_500);

    const answers = answersByEvent(eventIds);
    expect([...answers.entries()].filter(([, statuses]) => statuses.join() !== '500,200')).toEqual([]);
    const deliveries = await expectAttemptsRecordedOnce(eventIds, 2);
    const attempts = await log.attempts(deliveries.map((d) => d.id));
    expect(attempts.map((a) => a.status_code)).toEqual(deliveries.flatMap(() => [500, 200]));
  });
});
