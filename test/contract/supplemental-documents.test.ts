import Increase, { toFile } from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { listForEntity } from '../../src/domain/supplemental-documents.js';
import { Database } from '../../src/storage/database.js';
import { jpeg, pdf } from '../support/files.js';
import { startTestServer, type TestServer } from '../support/server.js';

type APIError = InstanceType<typeof Increase.APIError>;

let server: TestServer;
let client: Increase;
let other: Increase;
let otherProgramId: string;

beforeAll(async () => {
  server = await startTestServer();
  client = server.client();
  other = server.client({ apiKey: await server.newApiKey('sandbox', 'documents-other-group') });
  otherProgramId = await server.newProgram('documents-other-group');
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

const redirect_url = 'https://example.com/onboarding/done';

/** A new Entity, made as onboarding makes one: a session submitted in the sandbox. */
async function newEntity(on = client, programId = server.programId): Promise<string> {
  const session = await on.entityOnboardingSessions.create({ program_id: programId, redirect_url });
  return (await on.simulations.entityOnboardingSessions.submit(session.id)).entity_id as string;
}

async function newFile(on = client, contents = pdf): Promise<string> {
  return (
    await on.files.create({ file: await toFile(contents, 'articles.pdf'), purpose: 'entity_supplemental_document' })
  ).id;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    (value) => {
      throw new Error(`expected the request to fail, it answered ${JSON.stringify(value)}`);
    },
    (error: unknown) => {
      if (!(error instanceof Increase.APIError)) throw error;
      return error as APIError;
    },
  );

async function expectInvalid(call: Promise<unknown>, fields: string[]) {
  const error = await failure(call);
  expect(error).toBeInstanceOf(Increase.InvalidParametersError);
  const named = ((error.error as { errors: { field: string }[] }).errors ?? []).map((e) => e.field);
  expect(named.sort()).toEqual([...fields].sort());
}

describe('create', () => {
  it('attaches a File to an Entity and shows it as Increase does, on the Entity too', async () => {
    const entityId = await newEntity();
    const fileId = await newFile();
    const document = await client.supplementalDocuments.create({ entity_id: entityId, file_id: fileId });
    expect(document).toEqual({
      type: 'entity_supplemental_document',
      entity_id: entityId,
      file_id: fileId,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      // The SDK sends an Idempotency-Key of its own with every POST.
      idempotency_key: expect.any(String),
    });
    expect((await client.entities.retrieve(entityId)).supplemental_documents).toEqual([document]);
  });

  it('names an unknown entity_id, an unknown file_id, or both', async () => {
    const entityId = await newEntity();
    const fileId = await newFile();
    const noEntity = 'entity_aaaaaaaaaaaaaaaaaaaa';
    const noFile = 'file_aaaaaaaaaaaaaaaaaaaa';
    await expectInvalid(client.supplementalDocuments.create({ entity_id: noEntity, file_id: fileId }), ['entity_id']);
    await expectInvalid(client.supplementalDocuments.create({ entity_id: entityId, file_id: noFile }), ['file_id']);
    await expectInvalid(client.supplementalDocuments.create({ entity_id: noEntity, file_id: noFile }), [
      'entity_id',
      'file_id',
    ]);
    // A File's id is not an Entity's, nor the other way round.
    await expectInvalid(client.supplementalDocuments.create({ entity_id: fileId, file_id: entityId }), [
      'entity_id',
      'file_id',
    ]);
    expect((await client.supplementalDocuments.list({ entity_id: entityId })).data).toEqual([]);
  });

  it('names missing and mistyped fields', async () => {
    const headers = { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' };
    const missing = await server.request('POST', '/entity_supplemental_documents', { headers, body: '{}' });
    expect(missing.status).toBe(400);
    expect((missing.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'entity_id',
      'file_id',
    ]);
    const mistyped = await server.request('POST', '/entity_supplemental_documents', {
      headers,
      body: JSON.stringify({ entity_id: 1, file_id: ['file_x'] }),
    });
    expect(mistyped.status).toBe(400);
    expect((mistyped.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'entity_id',
      'file_id',
    ]);
  });

  it('replays a repeated create and refuses the key for another body with a 409', async () => {
    const entityId = await newEntity();
    const [a, b] = [await newFile(), await newFile()];
    const first = await client.supplementalDocuments
      .create({ entity_id: entityId, file_id: a }, { idempotencyKey: 'document-key-1' })
      .withResponse();
    expect(first.data.idempotency_key).toBe('document-key-1');
    const again = await client.supplementalDocuments
      .create({ entity_id: entityId, file_id: a }, { idempotencyKey: 'document-key-1' })
      .withResponse();
    expect(again.response.headers.get('idempotent-replayed')).toBe('true');
    expect(again.data).toEqual(first.data);

    const conflict = await failure(
      client.supplementalDocuments.create({ entity_id: entityId, file_id: b }, { idempotencyKey: 'document-key-1' }),
    );
    expect(conflict).toBeInstanceOf(Increase.IdempotencyKeyAlreadyUsedError);
    expect((conflict.error as { resource_id: string }).resource_id).toBe(entityId);

    const found = await client.supplementalDocuments.list({ entity_id: entityId, idempotency_key: 'document-key-1' });
    expect(found.data).toEqual([first.data]);
  });
});

describe('list', () => {
  it("lists one Entity's documents newest first, in pages; listForEntity gives them oldest first", async () => {
    const entityId = await newEntity();
    const elsewhere = await newEntity();
    const created = [];
    for (const contents of [pdf, jpeg, pdf]) {
      created.push(
        await client.supplementalDocuments.create({ entity_id: entityId, file_id: await newFile(client, contents) }),
      );
    }
    await client.supplementalDocuments.create({ entity_id: elsewhere, file_id: await newFile() });

    const first = await client.supplementalDocuments.list({ entity_id: entityId, limit: 2 });
    expect(first.data.map((d) => d.file_id)).toEqual([created[2]?.file_id, created[1]?.file_id]);
    expect(first.next_cursor).not.toBeNull();
    const second = await client.supplementalDocuments.list({
      entity_id: entityId,
      limit: 2,
      cursor: first.next_cursor as string,
    });
    expect(second.data.map((d) => d.file_id)).toEqual([created[0]?.file_id]);
    expect(second.next_cursor).toBeNull();

    const all = [];
    for await (const document of client.supplementalDocuments.list({ entity_id: entityId, limit: 1 })) {
      all.push(document);
    }
    expect(all).toEqual([...created].reverse());

    const database = Database.open(parseDatabaseUrl(server.databaseUrl));
    try {
      const { group_id } = await database.db
        .selectFrom('entities')
        .select('group_id')
        .where('id', '=', entityId)
        .executeTakeFirstOrThrow();
      expect(await listForEntity(database.db, group_id, entityId)).toEqual(created);
      expect(await listForEntity(database.db, 'group_aaaaaaaaaaaaaaaaaaaa', entityId)).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it.each([
    ['', 'entity_id'],
    ['entity_id=entity_x&limit=0', 'limit'],
    ['entity_id=entity_x&cursor=nope', 'cursor'],
  ])('answers ?%s with a 400 naming %s', async (query, field) => {
    const response = await server.request('GET', `/entity_supplemental_documents?${query}`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(response.status).toBe(400);
    expect((response.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(field);
  });
});

describe('group isolation', () => {
  it("another group's Entity and File cannot be used, and its documents are not listed", async () => {
    const mine = await newEntity();
    const myFile = await newFile();
    await client.supplementalDocuments.create({ entity_id: mine, file_id: myFile });
    const theirs = await newEntity(other, otherProgramId);
    const theirFile = await newFile(other);

    await expectInvalid(client.supplementalDocuments.create({ entity_id: theirs, file_id: myFile }), ['entity_id']);
    await expectInvalid(client.supplementalDocuments.create({ entity_id: mine, file_id: theirFile }), ['file_id']);
    await expectInvalid(other.supplementalDocuments.create({ entity_id: mine, file_id: theirFile }), ['entity_id']);
    expect((await other.supplementalDocuments.list({ entity_id: mine })).data).toEqual([]);
    expect((await client.supplementalDocuments.list({ entity_id: mine })).data).toHaveLength(1);
  });
});
