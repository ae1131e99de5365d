import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, invalidParameters } from '../domain/errors.js';
import { nowTimestamp } from '../domain/time.js';
import { compiledOnce } from '../storage/compiled-once.js';
import type { Executor } from '../storage/database.js';
import type { IdempotencyKeyTable } from '../storage/schema.js';

/** JSON with object keys sorted, so that key order does not make two bodies differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Tells a replay from another request; keyed, since bodies carry guessable numbers (SSNs). */
function fingerprint(secret: Buffer, request: FastifyRequest, body: unknown): string {
  const path = request.url.split('?')[0];
  return createHmac('sha256', secret)
    .update(`${request.method} ${path}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** For writes whose request or result does not fit the defaults. */
export interface WriteOptions<T> {
  /**
   * What stands for the body in the request fingerprint, for a body that is not JSON (a
   * multipart upload: its fields and a hash of the file's bytes). The parsed body by default.
   */
  fingerprint?: unknown;
  /** The id a 409 names as `resource_id`: the result's own `id` by default. */
  resourceId?: (result: T) => string;
}

/** The key, claimed before the write so that a concurrent request with it waits; its answer comes after. */
const claimKey = compiledOnce((db, claim: IdempotencyKeyTable) =>
  db
    .insertInto('idempotency_keys')
    .values(claim)
    .onConflict((oc) => oc.columns(['group_id', 'key']).doNothing()),
);

const recordAnswer = compiledOnce(
  (db, answer: Pick<IdempotencyKeyTable, 'group_id' | 'key' | 'resource_id' | 'response_body'>) =>
    db
      .updateTable('idempotency_keys')
      .set({ resource_id: answer.resource_id, response_body: answer.response_body })
      .where('group_id', '=', answer.group_id)
      .where('key', '=', answer.key),
);

type Write<T> = (tx: Executor, idempotencyKey: string | null) => Promise<T>;

/**
 * Runs one write (a POST or PATCH) in one transaction, with Increase's idempotency rules when
 * the request carries an `Idempotency-Key`: the key is claimed in the same transaction as the
 * write, so concurrent requests with one key wait for the first and replay its answer; a repeat
 * with the same body replays the stored answer; a repeat with another body is a 409.
 */
export function writeOnce<T extends { id: string }>(
  request: FastifyRequest,
  reply: FastifyReply,
  write: Write<T>,
  options?: WriteOptions<T>,
): Promise<T>;
/** An object without an `id` of its own must say which id a 409 names. */
export function writeOnce<T extends object>(
  request: FastifyRequest,
  reply: FastifyReply,
  write: Write<T>,
  options: WriteOptions<T> & { resourceId: (result: T) => string },
): Promise<T>;
export async function writeOnce<T extends object>(
  request: FastifyRequest,
  reply: FastifyReply,
  write: Write<T>,
  options: WriteOptions<T> = {},
): Promise<T> {
  const { db, secrets } = request.server.services;
  const header = request.headers['idempotency-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key === undefined) return db.transaction((tx) => write(tx, null));
  if (key.length < 1 || key.length > 200) {
    throw invalidParameters([{ field: 'Idempotency-Key', message: 'must be between 1 and 200 characters' }]);
  }

  const groupId = request.caller.groupId;
  const requestFingerprint = fingerprint(secrets.tokenSecret, request, options.fingerprint ?? request.body);
  const id = `${groupId}:${key}`;
  // The overloads ensure that a result without an `id` comes with resourceId.
  const resourceIdOf = options.resourceId ?? ((result: T) => (result as T & { id: string }).id);
  const outcome = await db.transaction(async (tx, endWith) => {
    const claim = await claimKey(tx, {
      id,
      group_id: groupId,
      key,
      request_fingerprint: requestFingerprint,
      resource_id: null,
      response_status: 200,
      response_body: '',
      created_at: nowTimestamp(),
    });
    if (claim.numAffectedRows === 1n) {
      const result = await write(tx, key);
      // Nothing waits for its answer: on PostgreSQL it goes out with the COMMIT.
      endWith(
        recordAnswer.query(tx, {
          group_id: groupId,
          key,
          resource_id: resourceIdOf(result),
          response_body: secrets.encryption.encrypt(JSON.stringify(result), id),
        }),
      );
      return { replayed: false, status: 200, body: result };
    }
    const stored = await tx
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('group_id', '=', groupId)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    if (stored.request_fingerprint !== requestFingerprint) {
      throw new DomainError(
        'idempotency_key_already_used_error',
        'This Idempotency-Key was already used with a different request.',
        { resource_id: stored.resource_id },
      );
    }
    const body = JSON.parse(secrets.encryption.decrypt(stored.response_body, id)) as T;
    return { replayed: true, status: stored.response_status, body };
  });
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  reply.code(outcome.status);
  return outcome.body;
}
