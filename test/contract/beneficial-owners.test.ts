import Increase from 'increase';
import { describe, expect, it } from 'vitest';
import {
  corporation,
  expectInvalid,
  expectInvalidOperation,
  failureOf,
  naturalPerson,
  person,
  usAddress,
} from '../support/entities.js';
import { type TestServer, useTestServer } from '../support/server.js';

/** Beneficial owners as objects of their own, and the ownership rules over a corporation's list. */
let server: TestServer;
let client: Increase;

useTestServer((started) => {
  server = started;
  client = started.client();
});

type Owner = Increase.EntityBeneficialOwner;
type ShownOwner = Increase.Entity.Corporation.BeneficialOwner;

/** The owners a corporation shows, as listed there. */
async function ownersShownBy(entityId: string) {
  return (await client.entities.retrieve(entityId)).corporation?.beneficial_owners ?? [];
}

/** Every owner the list returns for a corporation, all pages. */
async function listed(entityId: string, limit = 100): Promise<Owner[]> {
  const owners: Owner[] = [];
  for await (const owner of client.beneficialOwners.list({ entity_id: entityId, limit })) owners.push(owner);
  return owners;
}

/** How the corporation lists an owner object. */
const asListedByCorporation = ({ id, company_title, individual, prongs }: Owner) => ({
  id,
  company_title,
  individual,
  prongs,
});

describe('create', () => {
  it('adds an owner to a corporation: shown there, retrievable, listed', async () => {
    const entity = await client.entities.create(corporation(1));
    const individual = person(101, { address: { ...usAddress, line2: 'Unit 9' } });
    const owner = await client.beneficialOwners.create({
      entity_id: entity.id,
      individual,
      prongs: ['ownership'],
      company_title: 'CFO',
    });
    expect(owner).toEqual({
      type: 'entity_beneficial_owner',
      id: expect.stringMatching(/^entity_beneficial_owner_[a-z0-9]{20}$/),
      entity_id: entity.id,
      company_title: 'CFO',
      individual: {
        name: individual.name,
        date_of_birth: individual.date_of_birth,
        address: { ...individual.address, line2: 'Unit 9' },
        identification: { method: 'social_security_number', number_last4: individual.identification.number.slice(-4) },
      },
      prongs: ['ownership'],
      idempotency_key: expect.any(String),
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(await client.beneficialOwners.retrieve(owner.id)).toEqual(owner);
    const shown = await ownersShownBy(entity.id);
    expect(shown).toHaveLength(2);
    expect(shown[1]).toEqual(asListedByCorporation(owner));
    const all = await listed(entity.id);
    expect(all.map((o) => o.id)).toEqual([owner.id, shown[0]?.id]);
    expect(all[0]).toEqual(owner);
  });

  it('a change to the owners makes the corporation’s validation pending again', async () => {
    const entity = await client.entities.create(corporation(2));
    await client.simulations.entities.updateValidation(entity.id, { issues: [] });
    await client.beneficialOwners.create({ entity_id: entity.id, individual: person(201), prongs: ['ownership'] });
    expect((await client.entities.retrieve(entity.id)).validation).toEqual({ status: 'pending', issues: [] });
  });

  it('on a natural person is a 409; on an archived corporation too', async () => {
    const individual = await client.entities.create(naturalPerson(3));
    await expectInvalidOperation(
      client.beneficialOwners.create({ entity_id: individual.id, individual: person(301), prongs: ['control'] }),
    );
    const archived = await client.entities.create(corporation(4));
    await client.entities.archive(archived.id);
    await expectInvalidOperation(
      client.beneficialOwners.create({ entity_id: archived.id, individual: person(401), prongs: ['control'] }),
    );
    expect((await client.entities.retrieve(archived.id)).corporation?.beneficial_owners).toHaveLength(1);
  });

  it('for an Entity that does not exist is a 400 naming entity_id', async () => {
    const fields = await expectInvalid(
      client.beneficialOwners.create({
        entity_id: 'entity_aaaaaaaaaaaaaaaaaaaa',
        individual: person(1),
        prongs: ['control'],
      }),
      'entity_id',
    );
    expect(fields).toEqual(['entity_id']);
  });

  it('checks the person by the same rules, naming fields under individual', async () => {
    const entity = await client.entities.create(corporation(5));
    const fields = await expectInvalid(
      client.beneficialOwners.create({
        entity_id: entity.id,
        individual: person(501, {
          address: { ...usAddress, zip: '1234', line1: 'PO Box 7' },
          identification: { method: 'social_security_number', number: '900123456' },
        }),
        prongs: ['ownership'],
      }),
      'individual.address.zip',
    );
    expect(fields.sort()).toEqual([
      'individual.address.line1',
      'individual.address.zip',
      'individual.identification.number',
    ]);
    expect(await ownersShownBy(entity.id)).toHaveLength(1);
  });

  it('a fifth owner with the ownership prong is a 400; a fifth with control only is fine', async () => {
    const entity = await client.entities.create(
      corporation(6, {
        beneficial_owners: [601, 602, 603, 604].map((n) => ({
          individual: person(n),
          prongs: n === 601 ? (['ownership', 'control'] as Array<'ownership' | 'control'>) : ['ownership'],
        })),
      }),
    );
    await expectInvalid(
      client.beneficialOwners.create({ entity_id: entity.id, individual: person(605), prongs: ['ownership'] }),
      'prongs',
    );
    expect(await ownersShownBy(entity.id)).toHaveLength(4);
    const controller = await client.beneficialOwners.create({
      entity_id: entity.id,
      individual: person(606),
      prongs: ['control'],
      company_title: 'COO',
    });
    expect((await ownersShownBy(entity.id)).map((o) => o.id)).toContain(controller.id);
  });

  it('the same person twice is a 400, whatever the case and spacing of the name', async () => {
    const entity = await client.entities.create(corporation(7));
    const existing = (await ownersShownBy(entity.id))[0] as Increase.Entity.Corporation.BeneficialOwner;
    const again = person(71, { name: `  ${existing.individual.name.toLowerCase()}  ` });
    expect(again.date_of_birth).toBe(existing.individual.date_of_birth);
    const fields = await expectInvalid(
      client.beneficialOwners.create({ entity_id: entity.id, individual: again, prongs: ['ownership'] }),
      'individual',
    );
    expect(fields).toEqual(['individual']);
    expect(await ownersShownBy(entity.id)).toHaveLength(1);
  });

  it('renaming an owner into another owner already listed is a 400 naming name', async () => {
    const entity = await client.entities.create(
      corporation(18, {
        beneficial_owners: [
          { individual: person(1801), prongs: ['control'] },
          { individual: person(1802, { date_of_birth: person(1801).date_of_birth }), prongs: ['ownership'] },
        ],
      }),
    );
    const [first, second] = (await ownersShownBy(entity.id)) as [ShownOwner, ShownOwner];
    const fields = await expectInvalid(
      client.beneficialOwners.update(second.id, { name: first.individual.name }),
      'name',
    );
    expect(fields).toEqual(['name']);
    expect((await client.beneficialOwners.retrieve(second.id)).individual.name).toBe(person(1802).name);
  });

  it('an exempt corporation may list owners without a control person', async () => {
    const entity = await client.entities.create(
      corporation(8, {
        beneficial_owners: [],
        beneficial_ownership_exemption_reason: 'regulated_financial_institution',
      }),
    );
    const owner = await client.beneficialOwners.create({
      entity_id: entity.id,
      individual: person(801),
      prongs: ['ownership'],
    });
    expect((await ownersShownBy(entity.id)).map((o) => o.id)).toEqual([owner.id]);
  });
});

describe('list', () => {
  it('needs entity_id: without it, a 400 naming entity_id', async () => {
    const response = await server.request('GET', '/entity_beneficial_owners', {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'invalid_parameters_error', status: 400 });
    expect((response.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['entity_id']);
  });

  it('lists only that corporation’s active owners, newest first, page by page', async () => {
    const entity = await client.entities.create(
      corporation(9, {
        beneficial_owners: [901, 902, 903].map((n) => ({ individual: person(n), prongs: ['ownership', 'control'] })),
      }),
    );
    const other = await client.entities.create(corporation(10));
    const shown = await ownersShownBy(entity.id);
    expect(shown.map((o) => o.individual.name)).toEqual([person(901).name, person(902).name, person(903).name]);
    const owners = await listed(entity.id, 1);
    expect(owners.map((o) => o.id)).toEqual(shown.map((o) => o.id).reverse());
    expect(owners.every((o) => o.entity_id === entity.id)).toBe(true);
    expect(owners.map(asListedByCorporation)).toEqual([...shown].reverse());
    expect((await listed(other.id)).map((o) => o.entity_id)).toEqual([other.id]);
    expect((await client.beneficialOwners.list({ entity_id: 'entity_aaaaaaaaaaaaaaaaaaaa' })).data).toEqual([]);
  });

  it('finds an owner by its idempotency key', async () => {
    const entity = await client.entities.create(corporation(11));
    const owner = await client.beneficialOwners.create(
      { entity_id: entity.id, individual: person(1101), prongs: ['ownership'] },
      { idempotencyKey: 'owner-key-1101' },
    );
    expect(owner.idempotency_key).toBe('owner-key-1101');
    const found = await client.beneficialOwners.list({ entity_id: entity.id, idempotency_key: 'owner-key-1101' });
    expect(found.data).toEqual([owner]);
  });
});

describe('update', () => {
  it('changes the address, prongs, name and identification; the corporation shows it', async () => {
    const entity = await client.entities.create(
      corporation(12, {
        beneficial_owners: [
          { individual: person(1201), prongs: ['control'] },
          { individual: person(1202), prongs: ['ownership'] },
        ],
      }),
    );
    await client.simulations.entities.updateValidation(entity.id, { issues: [] });
    const [, second] = await ownersShownBy(entity.id);
    const id = second?.id as string;
    const before = await client.beneficialOwners.retrieve(id);
    const address = { line1: '7 Harbour Street', city: 'Boston', state: 'MA', zip: '02110', country: 'US' };
    const updated = await client.beneficialOwners.update(id, {
      address,
      prongs: ['ownership', 'control'],
      name: 'Renamed Owner',
      identification: { method: 'individual_taxpayer_identification_number', number: '912551234' },
    });
    expect(updated).toEqual({
      ...before,
      prongs: ['ownership', 'control'],
      individual: {
        ...before.individual,
        name: 'Renamed Owner',
        address: { ...address, line2: null },
        identification: { method: 'individual_taxpayer_identification_number', number_last4: '1234' },
      },
    });
    expect(await client.beneficialOwners.retrieve(id)).toEqual(updated);
    const shown = await ownersShownBy(entity.id);
    expect(shown[1]).toEqual(asListedByCorporation(updated));
    expect((await client.entities.retrieve(entity.id)).validation?.status).toBe('pending');
  });

  it('an invalid change is a 400 naming the field as sent, and changes nothing', async () => {
    const entity = await client.entities.create(corporation(13));
    const id = (await ownersShownBy(entity.id))[0]?.id as string;
    const before = await client.beneficialOwners.retrieve(id);
    const fields = await expectInvalid(
      client.beneficialOwners.update(id, { address: { ...usAddress, zip: '1234' }, name: 'Changed' }),
      'address.zip',
    );
    expect(fields).toEqual(['address.zip']);
    await expectInvalid(
      client.beneficialOwners.update(id, { identification: { method: 'social_security_number', number: '123000000' } }),
      'identification.number',
    );
    await expectInvalid(client.beneficialOwners.update(id, { prongs: [] }), 'prongs');
    expect(await client.beneficialOwners.retrieve(id)).toEqual(before);
  });

  it('taking control from the only control person is a 400 naming prongs', async () => {
    const entity = await client.entities.create(corporation(14));
    const id = (await ownersShownBy(entity.id))[0]?.id as string;
    await expectInvalid(client.beneficialOwners.update(id, { prongs: ['ownership'] }), 'prongs');
    expect((await client.beneficialOwners.retrieve(id)).prongs).toEqual(['ownership', 'control']);
  });

  it('an unknown owner is a 404', async () => {
    const error = await failureOf(
      client.beneficialOwners.update('entity_beneficial_owner_aaaaaaaaaaaaaaaaaaaa', { name: 'X' }),
    );
    expect(error).toBeInstanceOf(Increase.ObjectNotFoundError);
  });
});

describe('archive', () => {
  it('removes the owner from the corporation and its list; again, or an update, is a 409', async () => {
    const entity = await client.entities.create(
      corporation(15, {
        beneficial_owners: [
          { individual: person(1501), prongs: ['control'] },
          { individual: person(1502), prongs: ['ownership'] },
        ],
      }),
    );
    const [keep, leave] = (await ownersShownBy(entity.id)) as [ShownOwner, ShownOwner];
    const archived = await client.beneficialOwners.archive(leave.id);
    expect(archived.id).toBe(leave.id);
    expect((await ownersShownBy(entity.id)).map((o) => o.id)).toEqual([keep.id]);
    expect((await listed(entity.id)).map((o) => o.id)).toEqual([keep.id]);
    await expectInvalidOperation(client.beneficialOwners.archive(leave.id));
    await expectInvalidOperation(client.beneficialOwners.update(leave.id, { name: 'Back Again' }));
    expect((await ownersShownBy(entity.id)).map((o) => o.id)).toEqual([keep.id]);
  });

  it('archiving the only control person is a 409, and the owner stays', async () => {
    const entity = await client.entities.create(
      corporation(16, {
        beneficial_owners: [
          { individual: person(1601), prongs: ['control'] },
          { individual: person(1602), prongs: ['ownership'] },
        ],
      }),
    );
    const [controller, owner] = (await ownersShownBy(entity.id)) as [ShownOwner, ShownOwner];
    const error = await expectInvalidOperation(client.beneficialOwners.archive(controller.id));
    expect(error.error).toMatchObject({ type: 'invalid_operation_error', detail: expect.stringContaining('control') });
    expect((await ownersShownBy(entity.id)).map((o) => o.id)).toEqual([controller.id, owner.id]);
    // With a second control person, the first may go.
    const second = await client.beneficialOwners.create({
      entity_id: entity.id,
      individual: person(1603),
      prongs: ['control'],
    });
    await client.beneficialOwners.archive(controller.id);
    expect((await ownersShownBy(entity.id)).map((o) => o.id)).toEqual([owner.id, second.id]);
  });

  it('an archived owner frees a place for a fifth owner with ownership', async () => {
    const entity = await client.entities.create(
      corporation(17, {
        beneficial_owners: [1701, 1702, 1703, 1704].map((n) => ({
          individual: person(n),
          prongs: n === 1701 ? (['ownership', 'control'] as Array<'ownership' | 'control'>) : ['ownership'],
        })),
      }),
    );
    const owners = await ownersShownBy(entity.id);
    await client.beneficialOwners.archive(owners[3]?.id as string);
    const fifth = await client.beneficialOwners.create({
      entity_id: entity.id,
      individual: person(1705),
      prongs: ['ownership'],
    });
    expect((await ownersShownBy(entity.id)).map((o) => o.id)).toEqual([
      ...owners.slice(0, 3).map((o) => o.id),
      fifth.id,
    ]);
  });

  it('an unknown owner is a 404', async () => {
    const error = await failureOf(client.beneficialOwners.archive('entity_beneficial_owner_aaaaaaaaaaaaaaaaaaaa'));
    expect(error).toBeInstanceOf(Increase.ObjectNotFoundError);
  });
});
