import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import Increase, { toFile } from 'increase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/config.js';
import { encryptedColumns } from '../src/domain/encrypted-columns.js';
import { Database } from '../src/storage/database.js';
import { backend, freshDatabase, tempDir } from './support/backend.js';
import { contractFetch, type Violation } from './support/contract.js';
import { corporation } from './support/entities.js';
import { jpeg, withMarker } from './support/files.js';
import { type CliEnv, cliEnv, runCli, startServe } from './support/process.js';

/**
 * `onboard keys rotate-encryption` as an operator runs it: data written by one server, the
 * command run as its own process, and a restarted server that still reads everything.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface KeyFile {
  token_secret: string;
  encryption_keys: string[];
}
const keyIdOf = (key: string) => createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 8);
const readKeyFile = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;

let env: CliEnv;
let databaseUrl: string;
let apiKey: string;
const violations: Violation[] = [];
const sdk = (url: string) => new Increase({ apiKey, baseURL: url, maxRetries: 0, fetch: contractFetch(violations) });

/** What the API showed before the rotation, to compare with what it shows after. */
const before: {
  entity?: Increase.Entity;
  corporation?: Increase.Entity;
  owner?: Increase.EntityBeneficialOwner;
  file?: Increase.File;
  contents?: Buffer;
  subscription?: Increase.EventSubscription;
} = {};
/** The hosted form of a session with saved progress. */
let formUrl = '';
const sharedSecret = `rotation-${randomBytes(8).toString('hex')}`;

/** What `onboard events subscriptions secret` prints for the subscription made before rotating. */
async function secretAfterwards(extra: CliEnv = {}) {
  const result = await runCli(['events', 'subscriptions', 'secret', before.subscription?.id as string], {
    ...env,
    ...extra,
  });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).shared_secret as string;
}

/** The key id every ciphertext in the database was made with, by column. */
async function keyIdsInDatabase(): Promise<Record<string, string[]>> {
  const database = Database.open(parseDatabaseUrl(databaseUrl));
  try {
    const ids: Record<string, string[]> = {};
    for (const { table, column } of encryptedColumns) {
      const rows = (await database.db.selectFrom(table).select(column).execute()) as unknown as Record<
        string,
        string
      >[];
      ids[`${table}.${column}`] = rows.map((row) => (row[column] as string).split('.')[1] as string);
    }
    return ids;
  } finally {
    await database.close();
  }
}

async function rotate(args: string[], extra: CliEnv = {}) {
  const result = await runCli(['keys', 'rotate-encryption', ...args], { ...env, ...extra });
  return { ...result, json: result.code === 0 ? JSON.parse(result.stdout) : null };
}

beforeAll(async () => {
  const dir = tempDir();
  const database = await freshDatabase(dir);
  cleanups.push(() => database.drop());
  env = cliEnv(dir, database.url);
  databaseUrl = database.url;

  const server = await startServe(env);
  cleanups.push(() => server.stop('SIGKILL'));
  const firstRun = await server.firstRun();
  if (!firstRun) throw new Error(`first start printed no API key:\n${server.stderr()}`);
  apiKey = firstRun.apiKey;
  const client = sdk(server.url);

  const session = await client.entityOnboardingSessions.create({
    program_id: firstRun.programId,
    redirect_url: 'https://example.com/done',
  });
  const submitted = await client.simulations.entityOnboardingSessions.submit(session.id);
  before.entity = await client.entities.retrieve(submitted.entity_id as string);
  before.corporation = await client.entities.create(corporation(7));
  const ownerId = before.corporation.corporation?.beneficial_owners[0]?.id as string;
  before.owner = await client.beneficialOwners.retrieve(ownerId);
  before.contents = withMarker(jpeg, `rotation-${randomBytes(4).toString('hex')}`, 3000);
  before.file = await client.files.create({
    file: await toFile(before.contents, 'id.jpg'),
    purpose: 'identity_document',
  });
  before.subscription = await client.eventSubscriptions.create({
    url: 'https://example.com/webhooks',
    shared_secret: sharedSecret,
  });
  // A customer halfway through the hosted form: their saved answers are encrypted too.
  const inForm = await client.entityOnboardingSessions.create({
    program_id: firstRun.programId,
    redirect_url: 'https://example.com/done',
  });
  formUrl = `${server.url}${new URL(inForm.session_url as string).pathname}${new URL(inForm.session_url as string).search}`;
  const page = await (await fetch(`${formUrl}&step=structure`)).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
  const saved = await fetch(`${formUrl}&step=structure`, {
    method: 'POST',
    body: new URLSearchParams({ csrf, structure: 'joint' }),
    redirect: 'manual',
  });
  expect(saved.status).toBe(303);
  // More Files than one re-encryption batch holds.
  for (let i = 0; i < 11; i++) {
    await client.files.create({ file: await toFile(withMarker(jpeg, `more-${i}`), `more-${i}.jpg`), purpose: 'other' });
  }
  await server.stop();
});

describe(`keys rotate-encryption (${backend})`, () => {
  it('--help explains the command and its --reencrypt-only mode', async () => {
    const result = await runCli(['keys', 'rotate-encryption', '--help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: onboard keys rotate-encryption \[--reencrypt-only\]/);
    expect(result.stdout).toContain('--reencrypt-only');
    expect(result.stdout).toContain('ONBOARD_ENCRYPTION_KEY');
  });

  it('adds a key first in the key file, re-encrypts every column, and a restarted server reads it all', async () => {
    const oldFile = readKeyFile(env.ONBOARD_KEY_FILE as string);
    const oldId = keyIdOf(oldFile.encryption_keys[0] as string);
    const beforeIds = await keyIdsInDatabase();
    for (const ids of Object.values(beforeIds)) expect(new Set(ids)).toEqual(new Set([oldId]));

    const result = await rotate([]);
    expect(result.code, result.stderr).toBe(0);
    const newFile = readKeyFile(env.ONBOARD_KEY_FILE as string);
    expect(newFile.encryption_keys).toHaveLength(2);
    expect(newFile.encryption_keys.slice(1)).toEqual(oldFile.encryption_keys);
    expect(newFile.token_secret).toBe(oldFile.token_secret);
    expect(fs.statSync(env.ONBOARD_KEY_FILE as string).mode & 0o777).toBe(0o600);
    const newId = keyIdOf(newFile.encryption_keys[0] as string);
    expect(newId).not.toBe(oldId);

    expect(result.json).toEqual({
      encryption_key_id: newId,
      key_added: true,
      columns: {
        'entities.sensitive': { rows: 2, reencrypted: 2 },
        'entity_beneficial_owners.sensitive': { rows: 1, reencrypted: 1 },
        'files.contents': { rows: 12, reencrypted: 12 },
        // One stored answer per POST the SDK sent (it sends an Idempotency-Key with each).
        'idempotency_keys.response_body': {
          rows: beforeIds['idempotency_keys.response_body']?.length,
          reencrypted: beforeIds['idempotency_keys.response_body']?.length,
        },
        'event_subscriptions.shared_secret': { rows: 1, reencrypted: 1 },
        'onboarding_progress.data': { rows: 1, reencrypted: 1 },
      },
    });
    expect(result.stderr).toContain('Restart every server');
    const afterIds = await keyIdsInDatabase();
    for (const [column, ids] of Object.entries(afterIds)) {
      expect(ids.length, column).toBe(beforeIds[column]?.length);
      expect(new Set(ids), column).toEqual(new Set([newId]));
    }

    const server = await startServe(env);
    cleanups.push(() => server.stop('SIGKILL'));
    const client = sdk(server.url);
    expect(await client.entities.retrieve(before.entity?.id as string)).toEqual(before.entity);
    expect(await client.entities.retrieve(before.corporation?.id as string)).toEqual(before.corporation);
    expect(await client.beneficialOwners.retrieve(before.owner?.id as string)).toEqual(before.owner);
    expect(await client.files.retrieve(before.file?.id as string)).toEqual(before.file);
    const download = await client.files.contents(before.file?.id as string);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(before.contents);
    expect(await client.eventSubscriptions.retrieve(before.subscription?.id as string)).toEqual(before.subscription);
    const resumed = new URL(formUrl);
    const form = await (await fetch(`${server.url}${resumed.pathname}${resumed.search}&step=structure`)).text();
    expect(form).toMatch(/value="joint" checked/);
    await server.stop();
    expect(await secretAfterwards()).toBe(sharedSecret);
    expect(violations).toEqual([]);
  });

  it('--reencrypt-only adds no key and finds nothing left to move', async () => {
    const keys = readKeyFile(env.ONBOARD_KEY_FILE as string).encryption_keys;
    const result = await rotate(['--reencrypt-only']);
    expect(result.code, result.stderr).toBe(0);
    expect(readKeyFile(env.ONBOARD_KEY_FILE as string).encryption_keys).toEqual(keys);
    expect(result.json.key_added).toBe(false);
    for (const counts of Object.values(result.json.columns as Record<string, { reencrypted: number }>)) {
      expect(counts.reencrypted).toBe(0);
    }
  });

  it('with keys in ONBOARD_ENCRYPTION_KEY: explains the steps, then --reencrypt-only moves everything', async () => {
    const fileKeys = readKeyFile(env.ONBOARD_KEY_FILE as string).encryption_keys;
    const refused = await rotate([], { ONBOARD_ENCRYPTION_KEY: fileKeys.join(',') });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('ONBOARD_ENCRYPTION_KEY is set');
    expect(refused.stderr).toContain('onboard keys rotate-encryption --reencrypt-only');
    expect(readKeyFile(env.ONBOARD_KEY_FILE as string).encryption_keys).toEqual(fileKeys);

    const fresh = randomBytes(32).toString('base64');
    const environmentKeys = { ONBOARD_ENCRYPTION_KEY: [fresh, ...fileKeys].join(',') };
    const result = await rotate(['--reencrypt-only'], environmentKeys);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json.encryption_key_id).toBe(keyIdOf(fresh));
    expect(result.json.columns['files.contents']).toEqual({ rows: 12, reencrypted: 12 });
    for (const ids of Object.values(await keyIdsInDatabase())) expect(new Set(ids)).toEqual(new Set([keyIdOf(fresh)]));

    // The old keys can go: the new one alone reads everything.
    const server = await startServe({ ...env, ONBOARD_ENCRYPTION_KEY: fresh });
    cleanups.push(() => server.stop('SIGKILL'));
    const client = sdk(server.url);
    expect(await client.entities.retrieve(before.entity?.id as string)).toEqual(before.entity);
    expect(await client.beneficialOwners.retrieve(before.owner?.id as string)).toEqual(before.owner);
    const download = await client.files.contents(before.file?.id as string);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(before.contents);
    await server.stop();
    expect(await secretAfterwards({ ONBOARD_ENCRYPTION_KEY: fresh })).toBe(sharedSecret);
    expect(violations).toEqual([]);
  });

  it('fails, naming the row, when a ciphertext cannot be read with the keys given', async () => {
    const result = await rotate(['--reencrypt-only'], { ONBOARD_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/entities\.sensitive of entity_[a-z0-9]{20} cannot be decrypted/);
  });
});
