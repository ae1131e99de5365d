import { randomBytes } from 'node:crypto';
import Increase, { type APIPromise } from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allEntities, corporation, failureOf, fieldsOf, naturalPerson, person } from '../support/entities.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Idempotent replays of every Entity and beneficial-owner write, and group isolation: another
 * group's Entities and owners look exactly like ids that do not exist.
 */
let server: TestServer;
let a: Increase;
let b: Increase;

beforeAll(async () => {
  server = await startTestServer();
  a = server.client();
  b = server.client({ apiKey: await server.newApiKey('sandbox', 'tenant-b') });
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

/** Runs a write twice with one key: the second answer is the first, marked as replayed. */
async function replayed<T>(write: () => APIPromise<T>): Promise<T> {
  const first = await write().withResponse();
  expect(first.response.headers.get('idempotent-replayed')).toBeNull();
  const second = await write().withResponse();
  expect(second.response.status).toBe(200);
  expect(second.response.headers.get('idempotent-replayed')).toBe('true');
  expect(second.data).toEqual(first.data);
  return first.data;
}

async function expectKeyReused(call: Promise<unknown>) {
  const error = await failureOf(call);
  expect(error).toBeInstanceOf(Increase.IdempotencyKeyAlreadyUsedError);
  expect(error.status).toBe(409);
  expect(error.error).toMatchObject({ type: 'idempotency_key_already_used_error', status: 409 });
  expect(error.headers?.get('x-should-retry')).toBe('false');
}

describe('idempotent writes', () => {
  it('create: the same key and body replays the Entity and creates nothing; another body is a 409', async () => {
    const params = naturalPerson(1);
    const entity = await replayed(() => a.entities.create(params, { idempotencyKey: 'create-1' }));
    expect(entity.idempotency_key).toBe('create-1');
    expect((await allEntities(a)).filter((e) => e.idempotency_key === 'create-1')).toHaveLength(1);
    const before = await allEntities(a);
    await expectKeyReused(a.entities.create(naturalPerson(2), { idempotencyKey: 'create-1' }));
    expect(await allEntities(a)).toEqual(before);
  });

  it('create of a corporation: the replay shows the same owner ids, and no owner is added', async () => {
    const params = corporation(3);
    const entity = await replayed(() => a.entities.create(params, { idempotencyKey: 'create-corp-3' }));
    const owners = await a.beneficialOwners.list({ entity_id: entity.id });
    expect(owners.data.map((o) => o.id)).toEqual(entity.corporation?.beneficial_owners.map((o) => o.id));
  });

  it('update: replayed with the same key; another body under that key is a 409 and changes nothing', async () => {
    const entity = await a.entities.create(naturalPerson(4));
    const updated = await replayed(() =>
      a.entities.update(entity.id, { natural_person: { name: 'Replayed Name' } }, { idempotencyKey: 'update-4' }),
    );
    expect(updated.natural_person?.name).toBe('Replayed Name');
    await expectKeyReused(
      a.entities.update(entity.id, { natural_person: { name: 'Other Name' } }, { idempotencyKey: 'update-4' }),
    );
    expect(await a.entities.retrieve(entity.id)).toEqual(updated);
  });

  it('archive: replayed with the same key, where a new key is a 409', async () => {
    const entity = await a.entities.create(naturalPerson(5));
    const archived = await replayed(() => a.entities.archive(entity.id, { idempotencyKey: 'archive-5' }));
    expect(archived.status).toBe('archived');
    const again = await failureOf(a.entities.archive(entity.id, { idempotencyKey: 'archive-5-again' }));
    expect(again).toBeInstanceOf(Increase.InvalidOperationError);
    // Another Entity under the first key: another request.
    const other = await a.entities.create(naturalPerson(6));
    await expectKeyReused(a.entities.archive(other.id, { idempotencyKey: 'archive-5' }));
    expect((await a.entities.retrieve(other.id)).status).toBe('active');
  });

  it('beneficial owner create, update and archive are replayed; another body is a 409', async () => {
    const entity = await a.entities.create(corporation(7));
    const params = { entity_id: entity.id, individual: person(701), prongs: ['ownership' as const] };
    const owner = await replayed(() => a.beneficialOwners.create(params, { idempotencyKey: 'owner-7' }));
    expect(owner.idempotency_key).toBe('owner-7');
    expect((await a.beneficialOwners.list({ entity_id: entity.id })).data).toHaveLength(2);
    expect((await a.beneficialOwners.list({ entity_id: entity.id, idempotency_key: 'owner-7' })).data).toEqual([owner]);
    await expectKeyReused(
      a.beneficialOwners.create({ ...params, individual: person(702) }, { idempotencyKey: 'owner-7' }),
    );
    expect((await a.beneficialOwners.list({ entity_id: entity.id })).data).toHaveLength(2);

    const updated = await replayed(() =>
      a.beneficialOwners.update(owner.id, { name: 'Owner Renamed' }, { idempotencyKey: 'owner-7-update' }),
    );
    expect(updated.individual.name).toBe('Owner Renamed');
    const archived = await replayed(() => a.beneficialOwners.archive(owner.id, { idempotencyKey: 'owner-7-archive' }));
    expect(archived.id).toBe(owner.id);
    expect((await a.beneficialOwners.list({ entity_id: entity.id })).data).toHaveLength(1);
  });

  it('the validation simulation is replayed too', async () => {
    const entity = await a.entities.create(naturalPerson(8));
    const validated = await replayed(() =>
      a.simulations.entities.updateValidation(
        entity.id,
        { issues: [{ category: 'entity_address' }] },
        { idempotencyKey: 'validate-8' },
      ),
    );
    expect(validated.validation?.status).toBe('invalid');
    await expectKeyReused(
      a.simulations.entities.updateValidation(entity.id, { issues: [] }, { idempotencyKey: 'validate-8' }),
    );
    expect((await a.entities.retrieve(entity.id)).validation?.status).toBe('invalid');
  });
});

describe("another group's key", () => {
  let corp: Increase.Entity;
  let individual: Increase.Entity;
  let ownerId: string;
  let corpBefore: Increase.Entity;

  /** An id of the right shape that no object has. */
  const missingId = (prefix: string) =>
    `${prefix}_${Array.from(randomBytes(20), (byte) => 'abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36]).join('')}`;

  /** The error a call fails with, its body with the id replaced so two failures can be compared. */
  async function failure(call: Promise<unknown>, id: string) {
    const error = await failureOf(call);
    return {
      kind: error.constructor.name,
      status: error.status,
      body: JSON.parse(JSON.stringify(error.error).replaceAll(id, '<id>')) as unknown,
    };
  }

  beforeAll(async () => {
    corp = await a.entities.create(corporation(20), { idempotencyKey: 'a-corp' });
    individual = await a.entities.create(naturalPerson(21));
    ownerId = corp.corporation?.beneficial_owners[0]?.id as string;
    corpBefore = await a.entities.retrieve(corp.id);
    await b.entities.create(naturalPerson(22));
  });

  it.each([
    ['retrieve an Entity', 'entity', (id: string) => b.entities.retrieve(id)],
    ['update an Entity', 'entity', (id: string) => b.entities.update(id, { corporation: { name: 'Taken Over' } })],
    ['archive an Entity', 'entity', (id: string) => b.entities.archive(id)],
    ['simulate validation', 'entity', (id: string) => b.simulations.entities.updateValidation(id, { issues: [] })],
    ['retrieve an owner', 'entity_beneficial_owner', (id: string) => b.beneficialOwners.retrieve(id)],
    ['update an owner', 'entity_beneficial_owner', (id: string) => b.beneficialOwners.update(id, { name: 'X Y' })],
    ['archive an owner', 'entity_beneficial_owner', (id: string) => b.beneficialOwners.archive(id)],
  ] as const)('%s: 404, exactly as for an id that does not exist', async (_, prefix, call) => {
    const theirs = prefix === 'entity' ? corp.id : ownerId;
    const missing = missingId(prefix);
    const answer = await failure(call(theirs), theirs);
    expect(answer.kind).toBe('ObjectNotFoundError');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ type: 'object_not_found_error', status: 404 });
    expect(answer).toEqual(await failure(call(missing), missing));
  });

  it("creating an owner on group A's corporation is a 400 naming entity_id, as for an unknown Entity", async () => {
    const params = (entity_id: string) => ({ entity_id, individual: person(2001), prongs: ['control' as const] });
    const missing = missingId('entity');
    const theirs = await failure(b.beneficialOwners.create(params(corp.id)), corp.id);
    expect(theirs.kind).toBe('InvalidParametersError');
    expect(fieldsOf(await failureOf(b.beneficialOwners.create(params(corp.id))))).toEqual(['entity_id']);
    expect(theirs).toEqual(await failure(b.beneficialOwners.create(params(missing)), missing));
  });

  it("creating a session for group A's Entity is a 400 naming entity_id", async () => {
    const programB = await server.newProgram('tenant-b');
    const error = await failureOf(
      b.entityOnboardingSessions.create({
        program_id: programB,
        redirect_url: 'https://example.com/done',
        entity_id: individual.id,
      }),
    );
    expect(error).toBeInstanceOf(Increase.InvalidParametersError);
    expect(fieldsOf(error)).toEqual(['entity_id']);
  });

  it("lists never include group A's Entities or owners, under any filter", async () => {
    const aIds = [corp.id, individual.id, ownerId];
    const own = await allEntities(b);
    expect(own).toHaveLength(1);
    expect(own.filter((e) => aIds.includes(e.id))).toEqual([]);
    for (const status of ['active', 'archived', 'disabled'] as const) {
      const page = await b.entities.list({ status: { in: [status] } });
      expect(page.data.filter((e) => aIds.includes(e.id))).toEqual([]);
    }
    const everSince = await b.entities.list({ created_at: { on_or_after: '2000-01-01T00:00:00Z' } });
    expect(everSince.data.filter((e) => aIds.includes(e.id))).toEqual([]);
    expect((await b.entities.list({ idempotency_key: 'a-corp' })).data).toEqual([]);
    expect((await b.beneficialOwners.list({ entity_id: corp.id })).data).toEqual([]);
  });

  it("group A's objects are unchanged by everything group B tried", async () => {
    expect(await a.entities.retrieve(corp.id)).toEqual(corpBefore);
    expect((await a.beneficialOwners.list({ entity_id: corp.id })).data.map((o) => o.id)).toEqual([ownerId]);
    expect((await a.entities.list({ idempotency_key: 'a-corp' })).data.map((e) => e.id)).toEqual([corp.id]);
  });

  it('the same idempotency key in each group makes an Entity in each', async () => {
    const mine = await a.entities.create(naturalPerson(30), { idempotencyKey: 'shared-key' });
    const theirs = await b.entities.create(naturalPerson(31), { idempotencyKey: 'shared-key' });
    expect(theirs.id).not.toBe(mine.id);
    expect((await b.entities.list({ idempotency_key: 'shared-key' })).data).toEqual([theirs]);
    expect((await a.entities.list({ idempotency_key: 'shared-key' })).data).toEqual([mine]);
  });
});
