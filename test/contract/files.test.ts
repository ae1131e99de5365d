import { randomBytes } from 'node:crypto';
import Increase, { toFile } from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { Database } from '../../src/storage/database.js';
import { contractFetch } from '../support/contract.js';
import { ftyp, gif, jpeg, pdf, png, tiffBigEndian, tiffLittleEndian, webp, withMarker } from '../support/files.js';
import { startTestServer, type TestServer } from '../support/server.js';

type APIError = InstanceType<typeof Increase.APIError>;

let server: TestServer;
let client: Increase;
let other: Increase;

beforeAll(async () => {
  server = await startTestServer();
  client = server.client();
  other = server.client({ apiKey: await server.newApiKey('sandbox', 'files-other-group') });
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

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

const fieldsOf = (error: APIError) =>
  ((error.error as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);

async function expectInvalid(call: Promise<unknown>, fields: string[]) {
  const error = await failure(call);
  expect(error).toBeInstanceOf(Increase.InvalidParametersError);
  expect(error.status).toBe(400);
  expect(fieldsOf(error).sort()).toEqual([...fields].sort());
  return error;
}

type Purpose = Increase.FileCreateParams['purpose'];

async function upload(contents: Buffer, filename: string, purpose: Purpose = 'identity_document', on = client) {
  return on.files.create({ file: await toFile(contents, filename), purpose });
}

/** A raw multipart POST /files, for bodies the SDK does not send. */
async function rawUpload(form: FormData | string, headers: Record<string, string> = {}) {
  const response = await contractFetch(server.violations)(`${server.url}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey}`, ...headers },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function rawRow(id: string) {
  const database = Database.open(parseDatabaseUrl(server.databaseUrl));
  try {
    return await database.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  } finally {
    await database.close();
  }
}

describe('create and retrieve', () => {
  it('uploads a document and shows it as Increase does', async () => {
    const contents = withMarker(jpeg, 'upload-and-show');
    const file = await client.files.create({
      file: await toFile(contents, 'passport.jpg'),
      purpose: 'identity_document',
      description: 'Passport, photo page',
    });
    expect(file.id).toMatch(/^file_[a-z0-9]{20}$/);
    expect(file).toEqual({
      type: 'file',
      id: file.id,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      description: 'Passport, photo page',
      direction: 'to_increase',
      filename: 'passport.jpg',
      // The SDK sends an Idempotency-Key of its own with every POST.
      idempotency_key: expect.any(String),
      mime_type: 'image/jpeg',
      purpose: 'identity_document',
    });
    expect(await client.files.retrieve(file.id)).toEqual(file);
  });

  it('keeps a missing description as null and a name without a path', async () => {
    const file = await upload(pdf, 'formation.pdf', 'trust_formation_document');
    expect(file).toMatchObject({ description: null, filename: 'formation.pdf', mime_type: 'application/pdf' });
  });

  it('answers an unknown id with object_not_found_error', async () => {
    expect(await failure(client.files.retrieve('file_aaaaaaaaaaaaaaaaaaaa'))).toBeInstanceOf(
      Increase.ObjectNotFoundError,
    );
  });
});

describe('the media type comes from the contents', () => {
  it.each([
    ['a JPEG', jpeg, 'image/jpeg'],
    ['a PNG', png, 'image/png'],
    ['a GIF', gif, 'image/gif'],
    ['a WebP', webp, 'image/webp'],
    ['a little-endian TIFF', tiffLittleEndian, 'image/tiff'],
    ['a big-endian TIFF', tiffBigEndian, 'image/tiff'],
    ['an HEIC', ftyp('heic', 'mif1', 'heic'), 'image/heic'],
    ['an HEIF', ftyp('mif1', 'mif1'), 'image/heif'],
    ['a PDF', pdf, 'application/pdf'],
  ])('%s is accepted as %s, whatever it is named', async (_, contents, mimeType) => {
    const file = await upload(contents, 'upload.bin');
    expect(file.mime_type).toBe(mimeType);
  });

  it('a PNG named .pdf is image/png', async () => {
    const file = await upload(png, 'statement.pdf');
    expect(file).toMatchObject({ filename: 'statement.pdf', mime_type: 'image/png' });
  });

  it('a PNG sent with another content type is still image/png', async () => {
    const file = await client.files.create({
      file: await toFile(png, 'scan.pdf', { type: 'application/pdf' }),
      purpose: 'identity_document',
    });
    expect(file.mime_type).toBe('image/png');
  });

  it.each([
    ['a text file named .jpg', Buffer.from('This is not a passport, just text.\n'), 'passport.jpg'],
    ['HTML named .png', Buffer.from('<html><script>alert(1)</script></html>'), 'id.png'],
    ['an AVIF (not one of the kinds taken)', ftyp('avif', 'mif1', 'avif'), 'id.heic'],
    ['a ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]), 'id.pdf'],
    ['an empty file', Buffer.alloc(0), 'empty.pdf'],
  ])('%s is refused with a 400 naming file, and nothing is written', async (_, contents, name) => {
    const before = await client.files.list({ limit: 100 });
    await expectInvalid(upload(contents, name), ['file']);
    const after = await client.files.list({ limit: 100 });
    expect(after.data.map((f) => f.id)).toEqual(before.data.map((f) => f.id));
  });
});

describe('bad parameters', () => {
  it('names a missing purpose and a missing file together', async () => {
    const form = new FormData();
    form.append('description', 'no file, no purpose');
    const response = await rawUpload(form);
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('invalid_parameters_error');
    expect((response.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(['file', 'purpose']);
  });

  it('names an unknown purpose, a purpose only Increase uses, and a too long description', async () => {
    for (const purpose of ['passport', 'increase_statement']) {
      await expectInvalid(client.files.create({ file: await toFile(jpeg, 'a.jpg'), purpose: purpose as Purpose }), [
        'purpose',
      ]);
    }
    await expectInvalid(
      client.files.create({ file: await toFile(jpeg, 'a.jpg'), purpose: 'other', description: 'x'.repeat(201) }),
      ['description'],
    );
  });

  it('refuses two files in one upload', async () => {
    const form = new FormData();
    form.append('purpose', 'identity_document');
    form.append('file', new Blob([jpeg]), 'front.jpg');
    form.append('file', new Blob([jpeg]), 'back.jpg');
    const response = await rawUpload(form);
    expect(response.status).toBe(400);
    expect((response.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['file']);
  });

  it('a file part under another name is not the file', async () => {
    const form = new FormData();
    form.append('purpose', 'identity_document');
    form.append('document', new Blob([jpeg]), 'front.jpg');
    const response = await rawUpload(form);
    expect(response.status).toBe(400);
    expect((response.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['file']);
  });

  it('a JSON body is a malformed request, not a 500', async () => {
    const response = await rawUpload(JSON.stringify({ purpose: 'identity_document' }), {
      'content-type': 'application/json',
    });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('malformed_request_error');
  });

  it('a multipart body that is cut off is a malformed request, not a 500', async () => {
    const boundary = 'onboard-test-boundary';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nidentity_document\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 and then noth`;
    const response = await rawUpload(body, { 'content-type': `multipart/form-data; boundary=${boundary}` });
    expect(response.status).toBe(400);
    expect(['malformed_request_error', 'invalid_parameters_error']).toContain(response.body.type);
  });

  it('other routes still refuse multipart bodies as not JSON', async () => {
    const form = new FormData();
    form.append('program_id', server.programId);
    const response = await contractFetch(server.violations)(`${server.url}/entity_onboarding_sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.apiKey}` },
      body: form,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { type: string }).type).toBe('malformed_request_error');
  });
});

describe('encryption at rest and download', () => {
  it('stores no plaintext; the owner downloads the exact bytes, with safe headers', async () => {
    const marker = `PASSPORT-NUMBER-${randomBytes(6).toString('hex')}`;
    const contents = withMarker(jpeg, marker, 4096);
    const file = await upload(contents, 'passport.jpg');

    const row = await rawRow(file.id);
    expect(row.contents).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    for (const encoding of ['utf8', 'latin1', 'base64', 'base64url', 'hex'] as const) {
      expect(row.contents).not.toContain(Buffer.from(marker).toString(encoding));
      expect(row.contents).not.toContain(contents.toString(encoding));
    }
    expect(row.size_bytes).toBe(contents.length);

    const response = await client.files.contents(file.id);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(contents);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="passport.jpg"; filename*=UTF-8''passport.jpg`,
    );
  });

  it('names the download safely whatever the filename holds', async () => {
    const file = await upload(png, 'Reçu; 100% final.png');
    expect(file.filename).toBe('Reçu; 100% final.png');
    const response = await client.files.contents(file.id);
    await response.arrayBuffer();
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="Re_u; 100_ final.png"; filename*=UTF-8''Re%C3%A7u%3B%20100%25%20final.png`,
    );
  });
});

describe('idempotency', () => {
  it('replays an upload of the same bytes and refuses other bytes with a 409', async () => {
    const contents = withMarker(png, 'idempotent');
    const params = async (bytes: Buffer) => ({
      file: await toFile(bytes, 'id.png'),
      purpose: 'identity_document' as const,
    });
    const first = await client.files.create(await params(contents), { idempotencyKey: 'file-key-1' }).withResponse();
    expect(first.data.idempotency_key).toBe('file-key-1');
    expect(first.response.headers.get('idempotent-replayed')).toBeNull();

    const second = await client.files.create(await params(contents), { idempotencyKey: 'file-key-1' }).withResponse();
    expect(second.response.headers.get('idempotent-replayed')).toBe('true');
    expect(second.data).toEqual(first.data);

    const changed = Buffer.from(contents);
    changed.writeUInt8(changed.readUInt8(changed.length - 1) ^ 1, changed.length - 1);
    const conflict = await failure(client.files.create(await params(changed), { idempotencyKey: 'file-key-1' }));
    expect(conflict).toBeInstanceOf(Increase.IdempotencyKeyAlreadyUsedError);
    expect(conflict.status).toBe(409);
    expect(conflict.headers?.get('x-should-retry')).toBe('false');
    expect((conflict.error as { resource_id: string }).resource_id).toBe(first.data.id);

    const otherPurpose = await failure(
      client.files.create({ ...(await params(contents)), purpose: 'other' }, { idempotencyKey: 'file-key-1' }),
    );
    expect(otherPurpose).toBeInstanceOf(Increase.IdempotencyKeyAlreadyUsedError);

    const found = await client.files.list({ idempotency_key: 'file-key-1' });
    expect(found.data).toEqual([first.data]);
    expect(found.next_cursor).toBeNull();
  });
});

describe('list', () => {
  it('pages newest first and filters by purpose and creation time', async () => {
    const lister = server.client({ apiKey: await server.newApiKey('sandbox', 'files-list-group') });
    const a = await upload(jpeg, 'a.jpg', 'identity_document', lister);
    const b = await upload(pdf, 'b.pdf', 'trust_formation_document', lister);
    const c = await upload(png, 'c.png', 'entity_supplemental_document', lister);

    const first = await lister.files.list({ limit: 2 });
    expect(first.data.map((f) => f.id)).toEqual([c.id, b.id]);
    expect(first.next_cursor).not.toBeNull();
    const second = await lister.files.list({ limit: 2, cursor: first.next_cursor as string });
    expect(second.data.map((f) => f.id)).toEqual([a.id]);
    expect(second.next_cursor).toBeNull();

    const all: string[] = [];
    for await (const f of lister.files.list({ limit: 1 })) all.push(f.id);
    expect(all).toEqual([c.id, b.id, a.id]);

    const documents = await lister.files.list({ purpose: { in: ['identity_document', 'trust_formation_document'] } });
    expect(documents.data.map((f) => f.id)).toEqual([b.id, a.id]);

    const since = await lister.files.list({ created_at: { on_or_after: a.created_at } });
    expect(since.data.map((f) => f.id)).toEqual([c.id, b.id, a.id]);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await lister.files.list({ created_at: { after: future } })).data).toEqual([]);
    expect((await lister.files.list({ created_at: { before: future } })).data).toHaveLength(3);
    expect((await lister.files.list({ created_at: { on_or_before: '2020-01-01T00:00:00Z' } })).data).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['cursor=nope', 'cursor'],
    ['purpose.in=identity_document,passport', 'purpose.in'],
    ['created_at.after=yesterday', 'created_at.after'],
  ])('answers %s with a 400 naming %s', async (query, field) => {
    const response = await server.request('GET', `/files?${query}`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(response.status).toBe(400);
    expect((response.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(field);
  });
});

describe('group isolation', () => {
  it("another group's File is not found anywhere: retrieve, list, download, idempotency keys", async () => {
    const file = await client.files.create(
      { file: await toFile(jpeg, 'mine.jpg'), purpose: 'identity_document' },
      { idempotencyKey: 'isolated-key' },
    );
    expect(await failure(other.files.retrieve(file.id))).toBeInstanceOf(Increase.ObjectNotFoundError);
    expect(await failure(other.files.contents(file.id))).toBeInstanceOf(Increase.ObjectNotFoundError);
    const listed: string[] = [];
    for await (const f of other.files.list()) listed.push(f.id);
    expect(listed).not.toContain(file.id);
    expect((await other.files.list({ idempotency_key: 'isolated-key' })).data).toEqual([]);
    // The same key in another group is another request.
    const theirs = await other.files.create(
      { file: await toFile(jpeg, 'theirs.jpg'), purpose: 'identity_document' },
      { idempotencyKey: 'isolated-key' },
    );
    expect(theirs.id).not.toBe(file.id);
  });
});

describe('size limit', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ ONBOARD_FILE_SIZE_LIMIT: '2048' });
  });
  afterAll(() => small.stop());
  afterEach(() => {
    expect(small.violations).toEqual([]);
  });

  it('takes a file of exactly the limit, refuses one byte more with a 400 naming file, and writes nothing', async () => {
    const limited = small.client();
    await expectInvalid(
      limited.files.create({ file: await toFile(withMarker(jpeg, 'big', 2049), 'big.jpg'), purpose: 'other' }),
      ['file'],
    );
    expect((await limited.files.list()).data).toEqual([]);
    const exact = await limited.files.create({
      file: await toFile(withMarker(jpeg, 'exact', 2048), 'exact.jpg'),
      purpose: 'other',
    });
    expect((await limited.files.list()).data.map((f) => f.id)).toEqual([exact.id]);
  });

  it('refuses a file far over the limit cleanly, and still names every other bad field', async () => {
    const limited = small.client();
    const huge = withMarker(pdf, 'huge', 3 * 1024 * 1024);
    const error = await expectInvalid(
      limited.files.create({ file: await toFile(huge, 'huge.pdf'), purpose: 'nope' as Purpose }),
      ['file', 'purpose'],
    );
    expect(error.message).toContain('2048 bytes');
    expect((await limited.files.list()).data).toHaveLength(1);
  });
});
