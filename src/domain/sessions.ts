import { compiledOnce, compiledPerShape } from '../storage/compiled-once.js';
import type { Executor } from '../storage/database.js';
import { madeWithKey } from '../storage/made-with-key.js';
import { findOwned } from '../storage/owned.js';
import { keysetPage, type Page, type PageRequest, toPage } from '../storage/pagination.js';
import type { EntityOnboardingSessionTable } from '../storage/schema.js';
import type { Caller } from './access.js';
import type { Entities } from './entities/service.js';
import { FieldErrors, invalidOperation, notFound } from './errors.js';
import { emitEvent, emitEvents, type Happening } from './events.js';
import { forgetFormProgress } from './form-progress.js';
import { idTime, newId } from './ids.js';
import { findProgramRow } from './programs.js';
import { redirectUrlProblem } from './redirect-url.js';
import { sessionToken, sessionTokenParts, sha256 } from './secrets.js';
import { addSeconds, nowTimestamp, wireTimestamp } from './time.js';

export type SessionStatus = EntityOnboardingSessionTable['status'];
export const sessionStatuses: SessionStatus[] = ['active', 'expired'];

/** An Entity Onboarding Session as Increase shows it. */
export interface EntityOnboardingSession {
  type: 'entity_onboarding_session';
  id: string;
  created_at: string;
  entity_id: string | null;
  expires_at: string;
  idempotency_key: string | null;
  program_id: string;
  redirect_url: string;
  session_url: string | null;
  status: SessionStatus;
}

export interface SessionCreateParams {
  program_id: string;
  redirect_url: string;
  entity_id?: string;
}

type SessionRow = EntityOnboardingSessionTable;

/** The columns a session is shown from: a list reads only these (the token hash is a third of a row). */
const shownColumns = [
  'id',
  'program_id',
  'entity_id',
  'redirect_url',
  'status',
  'expires_at',
  'idempotency_key',
  'created_at',
] as const;
type ShownRow = Pick<SessionRow, (typeof shownColumns)[number]>;

const insertSession = compiledOnce((db, row: SessionRow) => db.insertInto('entity_onboarding_sessions').values(row));

/** Either of two hashes, one per way a token may have been stored (see `findByToken`). */
const sessionWithTokenHash = compiledOnce((db, { hash, bareHash }: { hash: string; bareHash: string }) =>
  db.selectFrom('entity_onboarding_sessions').selectAll().where('token_hash', 'in', [hash, bareHash]),
);

/**
 * What a session's token is stored as: its SHA-256, after the time the token leads with, so that
 * the unique index on it grows at its end as the ids' do; a bare hash put every create into a
 * random page of it (docs/benchmarks.md, #52). Sessions stored before tokens led with the time
 * keep the bare hash of the digits, which were their whole token.
 */
const tokenHash = (time: string, token: string) => `${time}${sha256(token)}`;

/** Which clauses a list of sessions has: each combination is compiled once. */
interface ListShape {
  statuses: 'all' | SessionStatus;
  byIdempotencyKey: boolean;
  after: boolean;
}

/** What a list binds; a value its shape has no clause for may be missing. */
interface ListValues {
  groupId: string;
  now: string;
  idempotencyKey?: string;
  afterCreatedAt?: string;
  afterId?: string;
  limit: number;
}

const listSessions = compiledPerShape(
  (shape: ListShape) => `${shape.statuses} ${shape.byIdempotencyKey} ${shape.after}`,
  (db, values: ListValues, shape) => {
    let query = db.selectFrom('entity_onboarding_sessions').select(shownColumns).where('group_id', '=', values.groupId);
    if (shape.statuses === 'active') query = query.where('status', '=', 'active').where('expires_at', '>', values.now);
    if (shape.statuses === 'expired') {
      query = query.where((eb) => eb.or([eb('status', '=', 'expired'), eb('expires_at', '<=', values.now)]));
    }
    if (shape.byIdempotencyKey) query = madeWithKey(query, values.groupId, values.idempotencyKey as string);
    const after = shape.after ? { createdAt: values.afterCreatedAt as string, id: values.afterId as string } : null;
    return keysetPage(query, { limit: values.limit, after });
  },
);

export interface SessionSettings {
  tokenSecret: Buffer;
  /** Base of `session_url`. */
  publicUrl: string;
  ttlSeconds: number;
}

/** Whether a stored session is still open at `now`: expiry by time needs no write to take effect. */
export const isActive = (row: Pick<SessionRow, 'status' | 'expires_at'>, now: string) =>
  row.status === 'active' && row.expires_at > now;

/** How many Programs a server remembers as existing before it starts over. */
const maxKnownPrograms = 10_000;

export class Sessions {
  /** `<group_id> <program_id>` of Programs found before; see `programExists`. */
  private readonly knownPrograms = new Set<string>();

  constructor(
    private readonly settings: SessionSettings,
    private readonly entities: Entities,
  ) {}

  /**
   * Programs are never deleted, so one found once is remembered: a create then spares a query,
   * which on PostgreSQL is one round trip of eight (~60 µs of this process's CPU). Only what was
   * found is remembered, within its own group; the foreign key on `program_id` stays as well.
   */
  private async programExists(db: Executor, groupId: string, id: string): Promise<boolean> {
    const key = `${groupId} ${id}`;
    if (this.knownPrograms.has(key)) return true;
    if (!(await findProgramRow(db, groupId, id))) return false;
    if (this.knownPrograms.size >= maxKnownPrograms) this.knownPrograms.clear();
    this.knownPrograms.add(key);
    return true;
  }

  private present(row: ShownRow, now: string): EntityOnboardingSession {
    const active = isActive(row, now);
    const token = active ? sessionToken(this.settings.tokenSecret, row.id) : null;
    return {
      type: 'entity_onboarding_session',
      id: row.id,
      created_at: wireTimestamp(row.created_at),
      entity_id: row.entity_id,
      expires_at: wireTimestamp(row.expires_at),
      idempotency_key: row.idempotency_key,
      program_id: row.program_id,
      redirect_url: row.redirect_url,
      session_url: token && `${this.settings.publicUrl}/onboarding/sessions?id=${token}`,
      status: active ? 'active' : 'expired',
    };
  }

  async create(
    db: Executor,
    caller: Caller,
    params: SessionCreateParams,
    idempotencyKey: string | null,
  ): Promise<EntityOnboardingSession> {
    const errors = new FieldErrors();
    const problem = redirectUrlProblem(params.redirect_url);
    if (problem) errors.add('redirect_url', problem);
    if (!(await this.programExists(db, caller.groupId, params.program_id))) {
      errors.add('program_id', `no Program with id ${params.program_id} was found`);
    }
    if (params.entity_id !== undefined && !(await this.entities.exists(db, caller.groupId, params.entity_id))) {
      errors.add('entity_id', `no Entity with id ${params.entity_id} was found`);
    }
    errors.throwIfAny();

    const id = newId('entity_onboarding_session');
    const now = nowTimestamp();
    const row: SessionRow = {
      id,
      group_id: caller.groupId,
      program_id: params.program_id,
      entity_id: params.entity_id ?? null,
      redirect_url: params.redirect_url,
      token_hash: tokenHash(idTime(id), sessionToken(this.settings.tokenSecret, id)),
      status: 'active',
      expires_at: addSeconds(now, this.settings.ttlSeconds),
      idempotency_key: idempotencyKey,
      created_at: now,
      updated_at: now,
    };
    // Sent together: one round trip on PostgreSQL (see PostgresTransactions).
    await Promise.all([insertSession(db, row), announce(db, caller.groupId, id, 'created')]);
    return this.present(row, now);
  }

  private async findRow(db: Executor, caller: Caller, id: string): Promise<SessionRow> {
    return (await findOwned(db, 'entity_onboarding_sessions', caller.groupId, id)) ?? notFound(id);
  }

  async get(db: Executor, caller: Caller, id: string): Promise<EntityOnboardingSession> {
    return this.present(await this.findRow(db, caller, id), nowTimestamp());
  }

  async list(
    db: Executor,
    caller: Caller,
    filter: { statuses?: SessionStatus[]; idempotencyKey?: string },
    page: PageRequest,
  ): Promise<Page<EntityOnboardingSession>> {
    const now = nowTimestamp();
    const wanted = new Set(filter.statuses ?? sessionStatuses);
    const shape: ListShape = {
      statuses: !wanted.has('expired') ? 'active' : !wanted.has('active') ? 'expired' : 'all',
      byIdempotencyKey: filter.idempotencyKey !== undefined,
      after: page.after !== null,
    };
    const { rows } = await listSessions(db, shape, {
      groupId: caller.groupId,
      now,
      idempotencyKey: filter.idempotencyKey,
      afterCreatedAt: page.after?.createdAt,
      afterId: page.after?.id,
      limit: page.limit,
    });
    return toPage(rows, page, (row) => this.present(row, now));
  }

  /**
   * The session a `session_url` token opens, whatever its state; the token is stored only as a
   * hash. A session stored before tokens led with the time keeps the bare hash of its digits,
   * and opens with its first URL's token (the digits) and with the one reads show now.
   */
  async findByToken(db: Executor, token: string): Promise<SessionRow | undefined> {
    const parts = sessionTokenParts(token);
    if (!parts) return undefined;
    const bareHash = sha256(parts.digits);
    const hash = parts.time === null ? bareHash : tokenHash(parts.time, token);
    return (await sessionWithTokenHash(db, { hash, bareHash })).rows[0];
  }

  /**
   * The session if it is still active, held until the transaction ends so that two posts of
   * the form cannot interleave (`rowLock` on PostgreSQL; SQLite's one writer already is alone).
   */
  async lockIfActive(db: Executor, id: string, rowLock: boolean): Promise<SessionRow | undefined> {
    let query = db.selectFrom('entity_onboarding_sessions').selectAll().where('id', '=', id);
    if (rowLock) query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && isActive(row, nowTimestamp()) ? row : undefined;
  }

  /**
   * The customer finished the form: the session closes with the Entity it produced or updated.
   */
  async complete(db: Executor, row: SessionRow, entityId: string): Promise<EntityOnboardingSession> {
    const now = nowTimestamp();
    if (!isActive(row, now)) throw invalidOperation(`Entity Onboarding Session ${row.id} is not active.`);
    return this.present(await this.markExpired(db, row, { now, entityId }), now);
  }

  /**
   * The Entity a session's form created or had confirmed, and where the customer was sent:
   * null for a session that ended otherwise (by time, or closed through the API).
   */
  async completion(db: Executor, id: string): Promise<{ entityId: string; redirectUrl: string } | null> {
    const row = await db.selectFrom('entity_onboarding_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row?.entity_id || isActive(row, nowTimestamp())) return null;
    const entity = await this.entities.get(db, row.group_id, row.entity_id);
    const createdHere = entity.creating_entity_onboarding_session_id === row.id;
    // Confirmed times are shown to the second; the session's creation is kept to the millisecond.
    const confirmedHere =
      entity.details_confirmed_at !== null &&
      Date.parse(entity.details_confirmed_at) >= Date.parse(row.created_at) - 999;
    return createdHere || confirmedHere ? { entityId: row.entity_id, redirectUrl: row.redirect_url } : null;
  }

  /** Closes an active session so its link stops working. */
  async expire(db: Executor, caller: Caller, id: string): Promise<EntityOnboardingSession> {
    const row = await this.findRow(db, caller, id);
    const now = nowTimestamp();
    if (!isActive(row, now)) throw invalidOperation(`Entity Onboarding Session ${id} has already expired.`);
    return this.present(await this.markExpired(db, row, { now }), now);
  }

  /**
   * The sandbox stand-in for a customer finishing the form: a new Entity with fictitious
   * details (or the session's own Entity, if it was created with one), and the session closes.
   */
  async simulateSubmission(db: Executor, caller: Caller, id: string): Promise<EntityOnboardingSession> {
    const row = await this.findRow(db, caller, id);
    const now = nowTimestamp();
    if (!isActive(row, now)) throw invalidOperation(`Entity Onboarding Session ${id} is not active.`);
    const entityId = row.entity_id ?? (await this.entities.createSandboxEntity(db, caller.groupId, row.id)).id;
    return this.present(await this.markExpired(db, row, { now, entityId }), now);
  }

  private async markExpired(
    db: Executor,
    row: SessionRow,
    change: { now: string; entityId?: string },
  ): Promise<SessionRow> {
    const updated: SessionRow = {
      ...row,
      status: 'expired',
      entity_id: change.entityId ?? row.entity_id,
      updated_at: change.now,
    };
    // Guarded on the stored status, so two concurrent expiries cannot both succeed.
    const result = await db
      .updateTable('entity_onboarding_sessions')
      .set({ status: updated.status, entity_id: updated.entity_id, updated_at: updated.updated_at })
      .where('id', '=', row.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n)
      throw invalidOperation(`Entity Onboarding Session ${row.id} has already expired.`);
    await forgetFormProgress(db, [row.id]);
    await announce(db, row.group_id, row.id, 'updated');
    return updated;
  }

  /**
   * Persists expiry by time, a batch at a time so that no single transaction holds the write
   * lock for long, and announces each expiry. Reads never depend on it: an overdue session
   * already reads as expired. Safe to run from several processes: a row changes (and is
   * announced) once.
   */
  async expireOverdue(db: Executor, batchSize = 500): Promise<number> {
    const now = nowTimestamp();
    const overdue = await db
      .selectFrom('entity_onboarding_sessions')
      .select('id')
      .where('status', '=', 'active')
      .where('expires_at', '<=', now)
      .limit(batchSize)
      .execute();
    if (overdue.length === 0) return 0;
    // One statement per session: with `id IN (…)` SQLite's planner walked the whole status index
    // instead (60 ms a batch at 200,000 sessions); `status` is checked again in case another
    // process completed or expired the session meanwhile.
    const expired: { id: string; group_id: string }[] = [];
    for (const { id } of overdue) {
      const row = await db
        .updateTable('entity_onboarding_sessions')
        .set({ status: 'expired', updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .returning(['id', 'group_id'])
        .executeTakeFirst();
      if (row) expired.push(row);
    }
    await forgetFormProgress(
      db,
      expired.map((r) => r.id),
    );
    await emitEvents(
      db,
      expired.map((row) => sessionChange(row.group_id, row.id, 'updated')),
    );
    return overdue.length;
  }
}

/** Every change to a session is an Event (our extension, in Increase's shape). */
const sessionChange = (groupId: string, sessionId: string, change: 'created' | 'updated'): Happening => ({
  groupId,
  category: `entity_onboarding_session.${change}`,
  objectId: sessionId,
  objectType: 'entity_onboarding_session',
});

const announce = (db: Executor, groupId: string, sessionId: string, change: 'created' | 'updated') =>
  emitEvent(db, sessionChange(groupId, sessionId, change));
