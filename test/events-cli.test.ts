import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Increase from 'increase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/config.js';
import { Database } from '../src/storage/database.js';
import { backend, freshDatabase, tempDir } from './support/backend.js';
import { contractFetch, type Violation } from './support/contract.js';
import { type CliEnv, cliEnv, runCli, startServe } from './support/process.js';

/**
 * `onboard events ...` as an operator runs them: subscriptions and Events made through a served
 * API, then the commands run as their own processes against the same database and key file.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let env: CliEnv;
let database: Database;
const violations: Violation[] = [];

const deliveryFields = [
  'attempt_count',
  'category',
  'created_at',
  'event_id',
  'event_subscription_id',
  'id',
  'last_error',
  'last_status_code',
  'next_attempt_at',
  'status',
  'url',
];

interface Delivery {
  id: string;
  event_id: string;
  category: string;
  event_subscription_id: string;
  url: string;
  status: string;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string;
  created_at: string;
}

/** What the served API made, by name. */
const made = {
  /** Every category, a secret of our own. */
  everything: undefined as unknown as Increase.EventSubscription,
  programs: undefined as unknown as Increase.EventSubscription,
  sessions: undefined as unknown as Increase.EventSubscription,
  disabled: undefined as unknown as Increase.EventSubscription,
  deleted: undefined as unknown as Increase.EventSubscription,
  /** Every category, a generated secret. */
  generated: undefined as unknown as Increase.EventSubscription,
  programCreated: undefined as unknown as Increase.Event,
  sessionCreated: undefined as unknown as Increase.Event,
};
const givenSecret = `given-${randomBytes(8).toString('hex')}`;

async function cli(args: string[], extra: CliEnv = {}) {
  const result = await runCli(args, { ...env, ...extra });
  let json: unknown = null;
  if (result.code === 0) json = JSON.parse(result.stdout);
  return { ...result, json };
}

/** A failure as an operator sees it: a non-zero exit and one line on stderr. */
function expectOneLineFailure(result: { code: number | null; stderr: string; stdout: string }, code: number) {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

beforeAll(async () => {
  const dir = tempDir();
  const fresh = await freshDatabase(dir);
  cleanups.push(() => fresh.drop());
  env = cliEnv(dir, fresh.url);

  const served = await startServe(env);
  cleanups.push(() => served.stop('SIGKILL'));
  const firstRun = await served.firstRun();
  if (!firstRun) throw new Error(`first start printed no API key:\n${served.stderr()}`);
  const client = new Increase({
    apiKey: firstRun.apiKey,
    baseURL: served.url,
    maxRetries: 0,
    fetch: contractFetch(violations),
  });
  // Loopback URLs on a closed port: nothing leaves the machine, whatever the server does.
  const url = (name: string) => `http://127.0.0.1:9/${name}`;
  const only = (category: string) =>
    [{ event_category: category }] as Increase.EventSubscriptionCreateParams['selected_event_categories'];
  made.everything = await client.eventSubscriptions.create({ url: url('everything'), shared_secret: givenSecret });
  made.programs = await client.eventSubscriptions.create({
    url: url('programs'),
    selected_event_categories: only('program.created'),
  });
  made.sessions = await client.eventSubscriptions.create({
    url: url('sessions'),
    selected_event_categories: only('entity_onboarding_session.created'),
  });
  made.disabled = await client.eventSubscriptions.create({ url: url('disabled'), status: 'disabled' });
  made.deleted = await client.eventSubscriptions.create({ url: url('deleted') });
  await client.eventSubscriptions.update(made.deleted.id, { status: 'deleted' });
  made.generated = await client.eventSubscriptions.create({ url: url('generated') });

  const session = await client.entityOnboardingSessions.create({
    program_id: firstRun.programId,
    redirect_url: 'https://example.com/done',
  });
  // The first start's program was announced before any subscription existed: nothing queued.
  made.programCreated = (await client.events.list({ associated_object_id: firstRun.programId }))
    .data[0] as Increase.Event;
  made.sessionCreated = (await client.events.list({ associated_object_id: session.id })).data[0] as Increase.Event;
  await served.stop();
  expect(violations).toEqual([]);

  database = Database.open(parseDatabaseUrl(fresh.url));
  cleanups.push(() => database.close());
});

describe('help', () => {
  it('onboard --help lists the events commands', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    for (const command of ['events deliveries', 'events redeliver', 'events subscriptions secret']) {
      expect(result.stdout).toContain(`  ${command} `);
    }
  });

  it.each([
    [['events', 'deliveries'], 'onboard events deliveries [--failed] [--limit N]', ['--failed', '--limit']],
    [['events', 'redeliver'], 'onboard events redeliver EVENT_ID', ['EVENT_ID']],
    [['events', 'subscriptions', 'secret'], 'onboard events subscriptions secret SUBSCRIPTION_ID', ['SUBSCRIPTION_ID']],
  ])('%j --help prints its usage and exits 0', async (command, usage, mentions) => {
    const scratch = path.join(tempDir(), 'never.db');
    const result = await runCli([...command, '--help'], { ...env, DATABASE_URL: `sqlite:${scratch}` });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.startsWith(`Usage: ${usage}\n`)).toBe(true);
    for (const word of [...mentions, '--help']) expect(result.stdout).toContain(word);
    expect(fs.existsSync(scratch)).toBe(false);
  });
});

describe(`events subscriptions secret (${backend})`, () => {
  it('prints the shared secret that was given', async () => {
    const result = await cli(['events', 'subscriptions', 'secret', made.everything.id]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json).toEqual({ event_subscription_id: made.everything.id, shared_secret: givenSecret });
  });

  it('prints a generated secret: long, random, different for each subscription', async () => {
    const generated = await cli(['events', 'subscriptions', 'secret', made.generated.id]);
    const other = await cli(['events', 'subscriptions', 'secret', made.programs.id]);
    const secret = (generated.json as { shared_secret: string }).shared_secret;
    expect(secret).toMatch(/^[A-Za-z0-9]{32,}$/);
    expect(secret).not.toBe((other.json as { shared_secret: string }).shared_secret);
    // The same on every read: it is stored, not derived on the spot.
    expect((await cli(['events', 'subscriptions', 'secret', made.generated.id])).json).toEqual(generated.json);
  });

  it('fails with one line for an unknown subscription, or without exactly one id', async () => {
    const unknown = await cli(['events', 'subscriptions', 'secret', 'event_subscription_aaaaaaaaaaaaaaaaaaaa']);
    expectOneLineFailure(unknown, 66);
    expect(unknown.stderr).toContain('no Event Subscription with id event_subscription_aaaaaaaaaaaaaaaaaaaa');
    expectOneLineFailure(await cli(['events', 'subscriptions', 'secret']), 64);
    expectOneLineFailure(await cli(['events', 'subscriptions', 'secret', made.everything.id, 'extra']), 64);
  });

  it('refuses to read with keys that are not the servers’', async () => {
    const wrongKey = await cli(['events', 'subscriptions', 'secret', made.everything.id], {
      ONBOARD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    });
    expectOneLineFailure(wrongKey, 1);
    expect(wrongKey.stderr).toContain('cannot be decrypted');
    const missingFile = path.join(tempDir(), 'missing.keys');
    const noKeyFile = await cli(['events', 'subscriptions', 'secret', made.everything.id], {
      ONBOARD_KEY_FILE: missingFile,
    });
    expectOneLineFailure(noKeyFile, 78);
    expect(fs.existsSync(missingFile)).toBe(false);
  });
});

describe(`events redeliver and events deliveries (${backend})`, () => {
  const deliveries = async (args: string[] = []) => {
    const result = await cli(['events', 'deliveries', ...args]);
    expect(result.code, result.stderr).toBe(0);
    return result.json as Delivery[];
  };

  it('lists what the Events queued: the fields, newest first, only for subscriptions that wanted them', async () => {
    const listed = await deliveries();
    for (const delivery of listed) expect(Object.keys(delivery).sort()).toEqual(deliveryFields);
    for (let i = 1; i < listed.length; i++) {
      expect((listed[i] as Delivery).created_at <= (listed[i - 1] as Delivery).created_at).toBe(true);
    }
    expect(listed.every((d) => d.event_id === made.sessionCreated.id)).toBe(true);
    expect(new Set(listed.map((d) => d.event_subscription_id))).toEqual(
      new Set([made.everything.id, made.sessions.id, made.generated.id]),
    );
    const everything = listed.find((d) => d.event_subscription_id === made.everything.id);
    expect(everything).toMatchObject({
      category: 'entity_onboarding_session.created',
      url: made.everything.url,
    });
  });

  it('queues an Event again for each active subscription that selects its category', async () => {
    const before = await deliveries();
    const result = await cli(['events', 'redeliver', made.programCreated.id]);
    expect(result.code, result.stderr).toBe(0);
    const { event_id, category, queued } = result.json as { event_id: string; category: string; queued: Delivery[] };
    expect(event_id).toBe(made.programCreated.id);
    expect(category).toBe('program.created');
    expect(new Set(queued.map((d) => d.event_subscription_id))).toEqual(
      new Set([made.everything.id, made.programs.id, made.generated.id]),
    );
    for (const delivery of queued) {
      expect(delivery).toMatchObject({
        event_id: made.programCreated.id,
        category: 'program.created',
        status: 'pending',
        attempt_count: 0,
        last_status_code: null,
        last_error: null,
      });
      expect(delivery.next_attempt_at).toBe(delivery.created_at);
      expect(Date.parse(delivery.next_attempt_at)).toBeLessThanOrEqual(Date.now());
    }
    const rows = await database.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where(
        'id',
        'in',
        queued.map((d) => d.id),
      )
      .execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.status === 'pending' && r.attempt_count === 0 && r.locked_until === null)).toBe(true);

    // Newest first: the new ones lead the list, and nothing earlier was changed.
    const after = await deliveries();
    expect(
      after
        .slice(0, 3)
        .map((d) => d.id)
        .sort(),
    ).toEqual(queued.map((d) => d.id).sort());
    expect(after.slice(3)).toEqual(before);
  });

  it('queues again on each run, and fails with one line for an unknown Event', async () => {
    const again = await cli(['events', 'redeliver', made.sessionCreated.id]);
    expect(again.code, again.stderr).toBe(0);
    const queued = (again.json as { queued: Delivery[] }).queued;
    expect(new Set(queued.map((d) => d.event_subscription_id))).toEqual(
      new Set([made.everything.id, made.sessions.id, made.generated.id]),
    );
    const unknown = await cli(['events', 'redeliver', 'event_aaaaaaaaaaaaaaaaaaaa']);
    expectOneLineFailure(unknown, 66);
    expect(unknown.stderr).toContain('no Event with id event_aaaaaaaaaaaaaaaaaaaa');
    expectOneLineFailure(await cli(['events', 'redeliver']), 64);
  });

  it('--limit keeps the newest N, --failed only the failed ones', async () => {
    const all = await deliveries();
    expect(all.length).toBeGreaterThan(3);
    expect(await deliveries(['--limit', '2'])).toEqual(all.slice(0, 2));
    expect(await deliveries(['--failed'])).toEqual([]);

    const failed = all[all.length - 1] as Delivery;
    await database.transaction((tx) =>
      tx
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', attempt_count: 7, last_status_code: 500, last_error: 'answered 500' })
        .where('id', '=', failed.id)
        .execute(),
    );
    expect(await deliveries(['--failed'])).toEqual([
      { ...failed, status: 'failed', attempt_count: 7, last_status_code: 500, last_error: 'answered 500' },
    ]);
    expect(await deliveries(['--failed', '--limit', '1'])).toHaveLength(1);
  });

  it.each([['0'], ['1001'], ['ten']])('rejects --limit %s with one line', async (limit) => {
    expectOneLineFailure(await cli(['events', 'deliveries', '--limit', limit]), 64);
  });
});
