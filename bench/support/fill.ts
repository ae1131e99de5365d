/**
 * Fills an Onboard database directly, in bulk, with rows exactly as the server writes them: ids
 * from its id generator, session tokens derived with its token secret and stored as their hash,
 * timestamps in its stored form. Going around the API is what makes a million rows take a
 * minute rather than an hour; reading them back goes through the API.
 */
import type { InsertObject } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { createApiKey, findOrCreateGroup } from '../../src/domain/access.js';
import { EventSubscriptions } from '../../src/domain/event-subscriptions.js';
import { newId } from '../../src/domain/ids.js';
import { createProgram } from '../../src/domain/programs.js';
import { loadSecrets, sessionToken, sha256 } from '../../src/domain/secrets.js';
import { listResponse } from '../../src/http/list-query.js';
import { Database } from '../../src/storage/database.js';
import type {
  EntityOnboardingSessionTable,
  EventTable,
  Schema,
  WebhookDeliveryTable,
} from '../../src/storage/schema.js';

export interface FillPlan {
  /** Sessions in all, spread evenly over the groups. */
  sessions: number;
  groups: number;
  /** Every session's creation Event, and one delivery of it (already succeeded) per Event. */
  withOutbox: boolean;
}

/** What a measurement needs to know about the filled data, as seen by the bench's API key. */
export interface Filled {
  /** Sessions of the API key's group. */
  groupSessions: number;
  /** An active session in the middle of the group's list. */
  retrieveId: string;
  /** The cursor a client holds after walking half of the group's list. */
  deepCursor: string;
  /** The group's event subscription (disabled), whose deliveries fill the outbox. */
  subscriptionId: string | null;
  seconds: number;
}

/** Rows per INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
const chunkRows = 500;
/** Rows per transaction. */
const transactionRows = 20_000;

/** The server's own settings for the setup's environment: its database, key file and secrets. */
export function openLikeServer(env: NodeJS.ProcessEnv) {
  const config = loadConfig(env);
  const secrets = loadSecrets(config.keyFile, {
    tokenSecret: config.tokenSecret,
    encryptionKeys: config.encryptionKeys,
  });
  return { config, secrets, database: Database.open(config.database) };
}

async function insertAll<T extends keyof Schema>(database: Database, table: T, rows: Schema[T][]): Promise<void> {
  for (let start = 0; start < rows.length; start += transactionRows) {
    const batch = rows.slice(start, start + transactionRows);
    await database.transaction(async (tx) => {
      for (let i = 0; i < batch.length; i += chunkRows) {
        const chunk = batch.slice(i, i + chunkRows) as unknown as InsertObject<Schema, T>[];
        await tx.insertInto(table).values(chunk).execute();
      }
    });
  }
}

/**
 * Adds `plan.sessions` sessions across `plan.groups` groups (the API key's own group and new
 * ones, each with a Program), created over the last five hours so that all are still open by
 * time; one in ten is stored as expired. The API key's group is measured: it holds 1/groups of
 * the rows, as one tenant of many would.
 */
export async function fill(
  env: NodeJS.ProcessEnv,
  own: { programId: string },
  plan: FillPlan,
  progress: (message: string) => void,
): Promise<Filled> {
  const started = performance.now();
  const { secrets, database } = openLikeServer(env);
  try {
    const subscriptions = new EventSubscriptions(secrets.encryption);
    // The API key's group is the default one; the others are made here, each with a Program.
    const groups = await database.transaction(async (tx) => {
      const made: { groupId: string; programId: string; subscriptionId: string | null }[] = [];
      for (let g = 0; g < plan.groups; g++) {
        const group = await findOrCreateGroup(tx, g === 0 ? 'default' : `bench-group-${g}`);
        const programId = g === 0 ? own.programId : (await createProgram(tx, group.id, 'Benchmark program')).id;
        if (g > 0) await createApiKey(tx, group.id, 'sandbox');
        // Disabled, so that the sessions the benchmark creates queue no new deliveries.
        const subscription = plan.withOutbox
          ? await subscriptions.create(
              tx,
              { groupId: group.id, environment: 'sandbox', apiKeyId: 'bench' },
              { url: 'http://127.0.0.1:9/onboard-bench', status: 'disabled' },
              null,
            )
          : null;
        made.push({ groupId: group.id, programId, subscriptionId: subscription?.id ?? null });
      }
      return made;
    });

    const now = Date.now();
    const first = now - 5 * 3600_000;
    const span = 4 * 3600_000;
    const ttl = 6 * 3600_000;
    const own0: { createdAt: string; id: string; active: boolean }[] = [];
    for (let start = 0; start < plan.sessions; start += transactionRows) {
      const count = Math.min(transactionRows, plan.sessions - start);
      const sessions: EntityOnboardingSessionTable[] = [];
      const events: EventTable[] = [];
      const deliveries: WebhookDeliveryTable[] = [];
      for (let i = start; i < start + count; i++) {
        const g = i % plan.groups;
        const group = groups[g] as (typeof groups)[number];
        const id = newId('entity_onboarding_session');
        const createdMs = first + Math.floor((i * span) / plan.sessions);
        const createdAt = new Date(createdMs).toISOString();
        const expired = Math.floor(i / plan.groups) % 10 === 3;
        const updatedAt = expired ? new Date(createdMs + 3600_000).toISOString() : createdAt;
        sessions.push({
          id,
          group_id: group.groupId,
          program_id: group.programId,
          entity_id: null,
          redirect_url: 'https://example.com/onboarding/done',
          token_hash: sha256(sessionToken(secrets.tokenSecret, id)),
          status: expired ? 'expired' : 'active',
          expires_at: new Date(createdMs + ttl).toISOString(),
          idempotency_key: null,
          created_at: createdAt,
          updated_at: updatedAt,
        });
        if (g === 0) own0.push({ createdAt, id, active: !expired });
        if (plan.withOutbox && group.subscriptionId) {
          const eventId = newId('event');
          events.push({
            id: eventId,
            group_id: group.groupId,
            category: 'entity_onboarding_session.created',
            associated_object_id: id,
            associated_object_type: 'entity_onboarding_session',
            created_at: createdAt,
          });
          deliveries.push({
            id: newId('webhook_delivery'),
            group_id: group.groupId,
            event_id: eventId,
            event_subscription_id: group.subscriptionId,
            status: 'succeeded',
            attempt_count: 1,
            next_attempt_at: createdAt,
            locked_until: null,
            last_attempt_at: createdAt,
            last_status_code: 200,
            last_error: null,
            created_at: createdAt,
            updated_at: createdAt,
          });
        }
      }
      await insertAll(database, 'entity_onboarding_sessions', sessions);
      await insertAll(database, 'events', events);
      await insertAll(database, 'webhook_deliveries', deliveries);
      const done = start + count;
      if (done % 100_000 === 0 || done === plan.sessions) {
        progress(
          `  filled ${done.toLocaleString('en-US')} sessions (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
      }
    }

    // Newest first, as the list walks them: the middle row is where a client that walked half
    // of the list stands.
    own0.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
    const middle = Math.floor(own0.length / 2);
    const deep = own0[middle] as (typeof own0)[number];
    const retrieve = own0.slice(middle).find((s) => s.active) ?? deep;
    const deepCursor = listResponse({ data: [], next: { createdAt: deep.createdAt, id: deep.id } }).next_cursor;
    return {
      groupSessions: own0.length,
      retrieveId: retrieve.id,
      deepCursor: deepCursor as string,
      subscriptionId: groups[0]?.subscriptionId ?? null,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await database.close();
  }
}
