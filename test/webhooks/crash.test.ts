import Increase from 'increase';
import { afterAll, expect, it } from 'vitest';
import { backend, freshDatabase, tempDir } from '../support/backend.js';
import { DeliveryLog, eventually } from '../support/deliveries.js';
import { naturalPerson } from '../support/entities.js';
import { cliEnv, startServe } from '../support/process.js';
import { WebhookReceiver } from '../support/receiver.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const redirect_url = 'https://example.com/onboarding/done';
const shared_secret = 'a webhook secret for these tests only';

async function everyEvent(client: Increase): Promise<Increase.Event[]> {
  const events: Increase.Event[] = [];
  for await (const event of client.events.list()) events.push(event);
  return events;
}

it(`delivers every pending webhook once serve, SIGKILLed, is started again (${backend})`, async () => {
  const dir = tempDir();
  const database = await freshDatabase(dir);
  cleanups.push(() => database.drop());
  // A one-second attempt timeout keeps the lease of an attempt cut short by the kill to 33 s.
  const env = cliEnv(dir, database.url, { ONBOARD_WEBHOOK_RETRY_BASE: '1', ONBOARD_WEBHOOK_TIMEOUT: '1' });
  const log = new DeliveryLog(database.url);
  cleanups.push(() => log.close());

  const first = await startServe(env);
  cleanups.push(() => first.stop('SIGKILL'));
  const created = await first.firstRun();
  if (!created) throw new Error(`first start printed no API key:\n${first.stderr()}`);
  const { apiKey, programId } = created;
  const before = new Increase({ apiKey, baseURL: first.url, maxRetries: 0 });

  // The receiver is down: every delivery fails and stays pending.
  const receiver = await new WebhookReceiver().start();
  cleanups.push(() => receiver.stop());
  await receiver.stop();
  await before.eventSubscriptions.create({ url: receiver.url, shared_secret });
  const bootstrapped = new Set((await everyEvent(before)).map((e) => e.id));

  const sessions = await Promise.all(
    Array.from({ length: 5 }, () => before.entityOnboardingSessions.create({ program_id: programId, redirect_url })),
  );
  for (const session of sessions.slice(0, 2)) await before.entityOnboardingSessions.expire(session.id);
  await before.entities.create(naturalPerson(1));
  await eventually('a refused attempt of each delivery', async () => {
    const deliveries = await log.deliveries();
    return deliveries.length === 8 && deliveries.every((d) => d.attempt_count >= 1) ? true : undefined;
  });
  // And some the dispatcher may not even have claimed when the process dies.
  for (const session of sessions.slice(2, 4)) await before.entityOnboardingSessions.expire(session.id);
  await before.entities.create(naturalPerson(2));

  expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  const atKill = await log.deliveries();
  expect(atKill).toHaveLength(11);
  expect(atKill.every((d) => d.status === 'pending')).toBe(true);
  expect(receiver.received).toEqual([]);

  await receiver.start();
  const second = await startServe(env);
  cleanups.push(() => second.stop());
  expect(await second.firstRun(300)).toBeNull();
  const client = new Increase({ apiKey, baseURL: second.url, maxRetries: 0 });

  const expected = (await everyEvent(client)).filter((e) => !bootstrapped.has(e.id));
  expect(expected).toHaveLength(11);
  expect(new Set(atKill.map((d) => d.event_id))).toEqual(new Set(expected.map((e) => e.id)));
  // Usually within seconds; an attempt cut short by the kill waits for its lease to run out.
  await receiver.waitFor((received) => received.length >= expected.length, 45_000);
  const deliveries = await eventually('every delivery recorded as succeeded', async () => {
    const rows = await log.deliveries();
    return rows.every((d) => d.status === 'succeeded') ? rows : undefined;
  });

  // Each Event arrived once (the receiver was down before), signed, as the API shows it.
  const arrived = receiver.received.map((r) => r.headers['webhook-id']).sort();
  expect(arrived).toEqual(expected.map((e) => e.id).sort());
  for (const request of receiver.received) {
    const event = client.events.unwrap(request.body, { headers: request.headers, key: shared_secret });
    expect(event).toEqual(await client.events.retrieve(request.headers['webhook-id'] as string));
  }

  // One row per attempt number per delivery: refusals while down, then the success.
  const attempts = await log.expectEachAttemptOnce(deliveries);
  for (const delivery of deliveries) {
    const recorded = attempts.get(delivery.id) ?? [];
    expect(recorded.at(-1)).toMatchObject({ status_code: 200, error: null });
    for (const refused of recorded.slice(0, -1)) {
      expect(refused).toMatchObject({ status_code: null, error: expect.stringMatching(/ECONNREFUSED/) });
    }
  }
});
