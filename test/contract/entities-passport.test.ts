import type Increase from 'increase';
import { toFile } from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allEntities, corporation, expectInvalid, naturalPerson, person, yearsFromToday } from '../support/entities.js';
import { jpeg } from '../support/files.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * A person with no US tax id, identified by a passport: the scan is uploaded as a File first,
 * then named by its id.
 */
let server: TestServer;
let client: Increase;
let passportFile: Increase.File;

beforeAll(async () => {
  server = await startTestServer();
  client = server.client();
  passportFile = await client.files.create({
    file: await toFile(jpeg, 'passport.jpg'),
    purpose: 'identity_document',
  });
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

const berlin = { line1: 'Unter den Linden 77', city: 'Berlin', zip: '10117', country: 'DE' };

/** A German resident identified by passport. */
function passportHolder(
  n: number,
  passport: Partial<{ file_id: string; expiration_date: string; country: string }> = {},
) {
  return person(n, {
    address: berlin,
    confirmed_no_us_tax_id: true,
    identification: {
      method: 'passport',
      number: `C01X00T${String(n).padStart(2, '0')}`,
      passport: { file_id: passportFile.id, expiration_date: yearsFromToday(5), country: 'DE', ...passport },
    },
  });
}

describe('a passport-identified person with no US tax id', () => {
  it('is onboarded as a natural person, with a non-US address and no state', async () => {
    expect(passportFile.id).toMatch(/^file_/);
    const individual = passportHolder(41);
    const entity = await client.entities.create({ structure: 'natural_person', natural_person: individual });
    expect(entity.natural_person).toEqual({
      name: individual.name,
      date_of_birth: individual.date_of_birth,
      address: { ...berlin, line2: null, state: null },
      identification: { method: 'passport', number_last4: '0T41' },
    });
    expect(await client.entities.retrieve(entity.id)).toEqual(entity);
  });

  it('is onboarded as a beneficial owner, at creation and added later', async () => {
    const entity = await client.entities.create(
      corporation(1, {
        beneficial_owners: [{ individual: passportHolder(42), prongs: ['control'], company_title: 'Geschäftsführer' }],
      }),
    );
    expect(entity.corporation?.beneficial_owners[0]).toMatchObject({
      company_title: 'Geschäftsführer',
      individual: { identification: { method: 'passport', number_last4: '0T42' }, address: { country: 'DE' } },
    });
    const added = await client.beneficialOwners.create({
      entity_id: entity.id,
      individual: passportHolder(43),
      prongs: ['ownership'],
    });
    expect(added.individual.identification).toEqual({ method: 'passport', number_last4: '0T43' });
  });

  it('an owner can switch from an SSN to a passport, with the confirmation', async () => {
    const entity = await client.entities.create(corporation(2));
    const ownerId = entity.corporation?.beneficial_owners[0]?.id as string;
    const identification = {
      method: 'passport' as const,
      number: 'P77665544',
      passport: { file_id: passportFile.id, expiration_date: yearsFromToday(2), country: 'FR' },
    };
    await expectInvalid(client.beneficialOwners.update(ownerId, { identification }), 'confirmed_no_us_tax_id');
    const updated = await client.beneficialOwners.update(ownerId, { identification, confirmed_no_us_tax_id: true });
    expect(updated.individual.identification).toEqual({ method: 'passport', number_last4: '5544' });
  });
});

describe('a passport that is refused', () => {
  it('has expired: a 400 naming the expiration date, and nothing is written', async () => {
    const before = await allEntities(client);
    const fields = await expectInvalid(
      client.entities.create({
        structure: 'natural_person',
        natural_person: passportHolder(44, { expiration_date: yearsFromToday(0, -1) }),
      }),
      'natural_person.identification.passport.expiration_date',
    );
    expect(fields).toEqual(['natural_person.identification.passport.expiration_date']);
    expect(await allEntities(client)).toEqual(before);
  });

  it('names a country that is not ISO 3166-1', async () => {
    await expectInvalid(
      client.entities.create({
        structure: 'natural_person',
        natural_person: passportHolder(45, { country: 'Germany' }),
      }),
      'natural_person.identification.passport.country',
    );
  });

  it("is another group's File: a 400 naming the file_id, as for a File that does not exist", async () => {
    const other = server.client({ apiKey: await server.newApiKey('sandbox', 'passport-other') });
    const fields = await expectInvalid(
      other.entities.create({ structure: 'natural_person', natural_person: passportHolder(46) }),
      'natural_person.identification.passport.file_id',
    );
    expect(fields).toEqual(['natural_person.identification.passport.file_id']);
    expect(await allEntities(other)).toEqual([]);
  });

  it('lacks confirmed_no_us_tax_id, even with a real File', async () => {
    const { confirmed_no_us_tax_id: _, ...unconfirmed } = passportHolder(47);
    const fields = await expectInvalid(
      client.entities.create({ structure: 'natural_person', natural_person: unconfirmed }),
      'natural_person.confirmed_no_us_tax_id',
    );
    expect(fields).toEqual(['natural_person.confirmed_no_us_tax_id']);
  });
});

describe('an identity document on an Entity', () => {
  it('natural person update to a passport keeps the rules', async () => {
    const entity = await client.entities.create(naturalPerson(48));
    await expectInvalid(
      client.entities.update(entity.id, {
        natural_person: {
          identification: {
            method: 'passport',
            number: 'P12345678',
            passport: { file_id: passportFile.id, expiration_date: yearsFromToday(3), country: 'DE' },
          },
        },
      }),
      'natural_person.confirmed_no_us_tax_id',
    );
    const updated = await client.entities.update(entity.id, {
      natural_person: {
        address: berlin,
        confirmed_no_us_tax_id: true,
        identification: {
          method: 'passport',
          number: 'P12345678',
          passport: { file_id: passportFile.id, expiration_date: yearsFromToday(3), country: 'DE' },
        },
      },
    });
    expect(updated.natural_person?.identification).toEqual({ method: 'passport', number_last4: '5678' });
    expect(updated.natural_person?.address.country).toBe('DE');
  });
});
