import type Increase from 'increase';
import { describe, expect, it } from 'vitest';
import {
  allEntities,
  corporation,
  expectInvalid,
  naturalPerson,
  person,
  usAddress,
  usOnlyAddress,
  yearsFromToday,
} from '../support/entities.js';
import { type TestServer, useTestServer } from '../support/server.js';

/**
 * Each rule an Entity's details must follow: bad input is a 400 invalid_parameters_error whose
 * `errors[].field` is the JSON path of the field, and nothing is written.
 */
let _server: TestServer;
let client: Increase;

useTestServer((started) => {
  _server = started;
  client = started.client();
});

type Params = Increase.EntityCreateParams;
type Individual = Increase.EntityCreateParams.NaturalPerson;

/** Asserts that creating `params` is a 400 naming `field`, and that no Entity appeared. */
async function rejects(params: Params, field: string): Promise<string[]> {
  const before = await allEntities(client);
  const named = await expectInvalid(client.entities.create(params), field);
  expect(await allEntities(client)).toEqual(before);
  return named;
}

const withIdentification = (identification: Individual['identification']) => naturalPerson(1, { identification });
const withAddress = (address: Partial<Individual['address']>, drop: string[] = []) => {
  const merged: Record<string, unknown> = { ...usAddress, ...address };
  for (const key of drop) delete merged[key];
  return naturalPerson(1, { address: merged as unknown as Individual['address'] });
};
const ssnNumber = 'natural_person.identification.number';

describe('structure', () => {
  it.each([
    ['natural_person', { structure: 'natural_person' }, 'natural_person'],
    ['corporation', { structure: 'corporation' }, 'corporation'],
    ['joint', { structure: 'joint' }, 'joint'],
    ['trust', { structure: 'trust' }, 'trust'],
    ['government_authority', { structure: 'government_authority' }, 'government_authority'],
  ] as const)('%s without its details names the missing structure', async (_, params, field) => {
    expect(await rejects(params, field)).toEqual([field]);
  });

  it('details for another structure are named', async () => {
    const params = { ...naturalPerson(1), corporation: corporation(1).corporation };
    expect(await rejects(params, 'corporation')).toEqual(['corporation']);
  });

  it('an unknown structure is named', async () => {
    await rejects({ structure: 'partnership' as 'joint' }, 'structure');
  });
});

describe('identification numbers', () => {
  it.each([
    ['area 000', '000345678'],
    ['area 666', '666345678'],
    ['area 9xx', '912345678'],
    ['group 00', '512005678'],
    ['serial 0000', '512340000'],
    ['eight digits', '51234567'],
    ['ten digits', '5123456789'],
    ['dashes', '512-34-5678'],
  ])('an SSN with %s is rejected', async (_, number) => {
    await rejects(withIdentification({ method: 'social_security_number', number }), ssnNumber);
  });

  it.each([
    ['not starting with 9', '812701234'],
    ['group 40', '912401234'],
    ['group 89', '912891234'],
    ['group 93', '912931234'],
    ['eight digits', '91270123'],
  ])('an ITIN %s is rejected', async (_, number) => {
    await rejects(withIdentification({ method: 'individual_taxpayer_identification_number', number }), ssnNumber);
  });

  it.each([
    ['prefix 07', '071234567'],
    ['prefix 00', '001234567'],
    ['prefix 89', '891234567'],
    ['eight digits', '12345678'],
    ['ten digits', '1234567890'],
    ['a dash', '12-3456789'],
  ])('an EIN with %s is rejected, for a corporation, a trust and a government authority', async (_, value) => {
    await rejects(corporation(1, { legal_identifier: { value } }), 'corporation.legal_identifier.value');
    await rejects(
      corporation(1, { legal_identifier: { value, category: 'us_employer_identification_number' } }),
      'corporation.legal_identifier.value',
    );
    await rejects(
      {
        structure: 'trust',
        trust: {
          name: 'T',
          category: 'irrevocable',
          address: usOnlyAddress,
          tax_identifier: value,
          trustees: [{ structure: 'individual', individual: person(2) }],
        },
      },
      'trust.tax_identifier',
    );
    await rejects(
      {
        structure: 'government_authority',
        government_authority: {
          name: 'G',
          category: 'municipality',
          tax_identifier: value,
          address: usOnlyAddress,
          authorized_persons: [{ name: 'A' }],
        },
      },
      'government_authority.tax_identifier',
    );
  });

  it('an EIN rule names the path inside a beneficial owner too', async () => {
    const owner = person(2, { identification: { method: 'social_security_number', number: '666345678' } });
    await rejects(
      corporation(1, { beneficial_owners: [{ individual: owner, prongs: ['control'] }] }),
      'corporation.beneficial_owners.0.individual.identification.number',
    );
  });
});

describe('date of birth', () => {
  it('not a real date (2001-02-30) is rejected by the schema, naming the field', async () => {
    expect(await rejects(naturalPerson(1, { date_of_birth: '2001-02-30' }), 'natural_person.date_of_birth')).toEqual([
      'natural_person.date_of_birth',
    ]);
  });

  it.each([
    ['not a date', '23/07/1961'],
    ['in the future', yearsFromToday(1)],
    ['today', yearsFromToday(0)],
    ['before 1900', '1899-12-31'],
    ['of someone under 18', yearsFromToday(-18, 1)],
    ['of a child', yearsFromToday(-10)],
  ])('%s is rejected', async (_, date) => {
    await rejects(naturalPerson(1, { date_of_birth: date }), 'natural_person.date_of_birth');
  });

  it('is checked for every person: joint, trust grantor and trustees, beneficial owners', async () => {
    const child = (n: number) => person(n, { date_of_birth: yearsFromToday(-5) });
    await rejects(
      { structure: 'joint', joint: { individuals: [person(1), child(2)] } },
      'joint.individuals.1.date_of_birth',
    );
    await rejects(
      {
        structure: 'trust',
        trust: {
          name: 'T',
          category: 'revocable',
          address: usOnlyAddress,
          grantor: child(1),
          trustees: [
            { structure: 'individual', individual: person(2) },
            { structure: 'individual', individual: child(3) },
          ],
        },
      },
      'trust.grantor.date_of_birth',
    ).then((fields) => expect(fields).toContain('trust.trustees.1.individual.date_of_birth'));
    await rejects(
      corporation(1, { beneficial_owners: [{ individual: child(2), prongs: ['control'] }] }),
      'corporation.beneficial_owners.0.individual.date_of_birth',
    );
  });

  it('accepts someone who turns 18 today, and someone born on 1900-01-01', async () => {
    const adult = await client.entities.create(naturalPerson(1, { date_of_birth: yearsFromToday(-18) }));
    expect(adult.natural_person?.date_of_birth).toBe(yearsFromToday(-18));
    const old = await client.entities.create(naturalPerson(2, { date_of_birth: '1900-01-01' }));
    expect(old.natural_person?.date_of_birth).toBe('1900-01-01');
    await client.entities.archive(adult.id);
    await client.entities.archive(old.id);
  });
});

describe('addresses', () => {
  const field = 'natural_person.address';

  it.each([
    ['XX', `${field}.country`],
    ['usa', `${field}.country`],
    ['us', `${field}.country`],
    ['USA', `${field}.country`],
  ])('country %s is not ISO 3166-1 alpha-2', async (country, expected) => {
    await rejects(withAddress({ country }), expected);
  });

  it.each([
    ['without a state', {}, ['state'], 'state'],
    ['without a ZIP', {}, ['zip'], 'zip'],
    ['with state ZZ', { state: 'ZZ' }, [], 'state'],
    ['with state New York', { state: 'New York' }, [], 'state'],
    ['with ZIP 1234', { zip: '1234' }, [], 'zip'],
    ['with ZIP 123456', { zip: '123456' }, [], 'zip'],
    ['with ZIP 12345-67', { zip: '12345-67' }, [], 'zip'],
  ])('a US address %s is rejected', async (_, address, drop, part) => {
    await rejects(withAddress(address, drop), `${field}.${part}`);
  });

  it.each([
    ['PO Box 123'],
    ['P.O. Box 77'],
    ['po box 9'],
    ['Post Office Box 12'],
    ['123 Main Street PMB 45'],
    ['Box 19'],
  ])('"%s" in line1 is a mailbox, not a physical address', async (line1) => {
    await rejects(withAddress({ line1 }), `${field}.line1`);
  });

  it('mailboxes are refused on every structure: corporation, owners, trust, government authority', async () => {
    const line1 = 'PO Box 500';
    await rejects(corporation(1, { address: { ...usAddress, line1 } }), 'corporation.address.line1');
    await rejects(
      corporation(1, {
        beneficial_owners: [
          { individual: person(2, { address: { ...usAddress, line1 } }), prongs: ['control', 'ownership'] },
        ],
      }),
      'corporation.beneficial_owners.0.individual.address.line1',
    );
    await rejects(
      {
        structure: 'trust',
        trust: {
          name: 'T',
          category: 'irrevocable',
          tax_identifier: '123456789',
          address: { ...usOnlyAddress, line1 },
          trustees: [{ structure: 'individual', individual: person(2) }],
        },
      },
      'trust.address.line1',
    );
    await rejects(
      {
        structure: 'government_authority',
        government_authority: {
          name: 'G',
          category: 'state_agency',
          tax_identifier: '123456789',
          address: { ...usOnlyAddress, line1 },
          authorized_persons: [{ name: 'A' }],
        },
      },
      'government_authority.address.line1',
    );
  });

  it('names the owner address path: corporation.beneficial_owners.0.individual.address.zip', async () => {
    const owner = person(2, { address: { ...usAddress, zip: '1234' } });
    const fields = await rejects(
      corporation(1, { beneficial_owners: [{ individual: owner, prongs: ['control'] }] }),
      'corporation.beneficial_owners.0.individual.address.zip',
    );
    expect(fields).toEqual(['corporation.beneficial_owners.0.individual.address.zip']);
  });

  it('a trust and a government authority need a state and ZIP too', async () => {
    const { zip: _, ...noZip } = usOnlyAddress;
    await rejects(
      {
        structure: 'trust',
        trust: {
          name: 'T',
          category: 'irrevocable',
          tax_identifier: '123456789',
          address: noZip as typeof usOnlyAddress,
          trustees: [{ structure: 'individual', individual: person(2) }],
        },
      },
      'trust.address.zip',
    );
    await rejects(
      {
        structure: 'government_authority',
        government_authority: {
          name: 'G',
          category: 'federal_agency',
          tax_identifier: '123456789',
          address: { ...usOnlyAddress, state: 'ZZ' },
          authorized_persons: [{ name: 'A' }],
        },
      },
      'government_authority.address.state',
    );
  });

  it('a non-US address needs neither state nor ZIP, and ZIP+4 is a US ZIP', async () => {
    const abroad = await client.entities.create(
      naturalPerson(3, { address: { line1: 'Unter den Linden 1', city: 'Berlin', country: 'DE' } }),
    );
    expect(abroad.natural_person?.address).toEqual({
      line1: 'Unter den Linden 1',
      line2: null,
      city: 'Berlin',
      state: null,
      zip: null,
      country: 'DE',
    });
    const zipPlus4 = await client.entities.create(naturalPerson(4, { address: { ...usAddress, zip: '10045-0001' } }));
    expect(zipPlus4.natural_person?.address.zip).toBe('10045-0001');
    await client.entities.archive(abroad.id);
    await client.entities.archive(zipPlus4.id);
  });
});

describe('corporations', () => {
  it('an industry code that is not NAICS (9999) is named', async () => {
    await rejects(corporation(1, { industry_code: '9999' }), 'corporation.industry_code');
    await rejects(corporation(1, { industry_code: 'software' }), 'corporation.industry_code');
  });

  it('a bad incorporation state and a website that is not one are named', async () => {
    const fields = await rejects(
      corporation(1, { incorporation_state: 'ZZ', website: 'not a website' }),
      'corporation.incorporation_state',
    );
    expect(fields).toContain('corporation.website');
  });

  it('without a control person and without an exemption reason', async () => {
    await rejects(
      corporation(1, { beneficial_owners: [{ individual: person(2), prongs: ['ownership'] }] }),
      'corporation.beneficial_owners',
    );
    await rejects(corporation(1, { beneficial_owners: [] }), 'corporation.beneficial_owners');
  });

  it('with five owners of 25 % or more', async () => {
    const owners = [1, 2, 3, 4, 5].map((n) => ({
      individual: person(n + 1),
      prongs: n === 1 ? (['ownership', 'control'] as const) : (['ownership'] as const),
    }));
    await rejects(
      corporation(1, { beneficial_owners: owners.map((o) => ({ ...o, prongs: [...o.prongs] })) }),
      'corporation.beneficial_owners',
    );
  });

  it('with the same person twice (same name and date of birth), naming the second', async () => {
    const owner = person(2);
    await rejects(
      corporation(1, {
        beneficial_owners: [
          { individual: owner, prongs: ['control'] },
          { individual: { ...owner, name: ` ${owner.name.toUpperCase()} ` }, prongs: ['ownership'] },
        ],
      }),
      'corporation.beneficial_owners.1',
    );
  });

  it('prongs that are empty or unknown are named', async () => {
    await rejects(
      corporation(1, { beneficial_owners: [{ individual: person(2), prongs: [] }] }),
      'corporation.beneficial_owners.0.prongs',
    );
    await rejects(
      corporation(1, { beneficial_owners: [{ individual: person(2), prongs: ['founder' as 'control'] }] }),
      'corporation.beneficial_owners.0.prongs.0',
    );
  });
});

describe('joint, trust and government authority', () => {
  it('joint with one person', async () => {
    await rejects({ structure: 'joint', joint: { individuals: [person(1)] } }, 'joint.individuals');
  });

  it('joint with the same person twice', async () => {
    await rejects({ structure: 'joint', joint: { individuals: [person(1), person(1)] } }, 'joint.individuals.1');
  });

  it('revocable trust without a grantor', async () => {
    await rejects(
      {
        structure: 'trust',
        trust: {
          name: 'T',
          category: 'revocable',
          address: usOnlyAddress,
          trustees: [{ structure: 'individual', individual: person(2) }],
        },
      },
      'trust.grantor',
    );
  });

  it('irrevocable trust without a tax identifier', async () => {
    await rejects(
      {
        structure: 'trust',
        trust: {
          name: 'T',
          category: 'irrevocable',
          address: usOnlyAddress,
          trustees: [{ structure: 'individual', individual: person(2) }],
        },
      },
      'trust.tax_identifier',
    );
  });

  it('trust without trustees, or with a trustee without details', async () => {
    const trust = { name: 'T', category: 'irrevocable' as const, address: usOnlyAddress, tax_identifier: '123456789' };
    await rejects({ structure: 'trust', trust: { ...trust, trustees: [] } }, 'trust.trustees');
    await rejects(
      { structure: 'trust', trust: { ...trust, trustees: [{ structure: 'individual' }] } },
      'trust.trustees.0.individual',
    );
  });

  it('government authority without authorized persons, or with an unknown category', async () => {
    const authority = { name: 'G', tax_identifier: '123456789', address: usOnlyAddress };
    await rejects(
      {
        structure: 'government_authority',
        government_authority: { ...authority, category: 'municipality', authorized_persons: [] },
      },
      'government_authority.authorized_persons',
    );
    await rejects(
      {
        structure: 'government_authority',
        government_authority: {
          ...authority,
          category: 'county' as 'municipality',
          authorized_persons: [{ name: 'A' }],
        },
      },
      'government_authority.category',
    );
  });
});

describe('identity documents instead of a US tax id', () => {
  const passport = { file_id: 'file_doesnotexist00000000', expiration_date: yearsFromToday(5), country: 'DE' };
  const abroad = { line1: 'Unter den Linden 1', city: 'Berlin', country: 'DE' };

  it('a passport without confirmed_no_us_tax_id: true is refused', async () => {
    await rejects(
      naturalPerson(1, { address: abroad, identification: { method: 'passport', number: 'C01X00T47', passport } }),
      'natural_person.confirmed_no_us_tax_id',
    );
    await rejects(
      naturalPerson(1, {
        address: abroad,
        confirmed_no_us_tax_id: false,
        identification: { method: 'passport', number: 'C01X00T47', passport },
      }),
      'natural_person.confirmed_no_us_tax_id',
    );
  });

  it('a passport without the passport object is refused', async () => {
    await rejects(
      naturalPerson(1, {
        address: abroad,
        confirmed_no_us_tax_id: true,
        identification: { method: 'passport', number: 'C01X00T47' },
      }),
      'natural_person.identification.passport',
    );
  });

  it('a passport whose file_id does not exist is a 400 naming the file_id path', async () => {
    const fields = await rejects(
      naturalPerson(1, {
        address: abroad,
        confirmed_no_us_tax_id: true,
        identification: { method: 'passport', number: 'C01X00T47', passport },
      }),
      'natural_person.identification.passport.file_id',
    );
    expect(fields).toEqual(['natural_person.identification.passport.file_id']);
    await rejects(
      corporation(1, {
        beneficial_owners: [
          {
            individual: person(2, {
              address: abroad,
              confirmed_no_us_tax_id: true,
              identification: { method: 'passport', number: 'C01X00T47', passport },
            }),
            prongs: ['control'],
          },
        ],
      }),
      'corporation.beneficial_owners.0.individual.identification.passport.file_id',
    );
  });

  it('a driver’s license needs its document too', async () => {
    await rejects(
      naturalPerson(1, {
        confirmed_no_us_tax_id: true,
        identification: { method: 'drivers_license', number: 'D1234567' },
      }),
      'natural_person.identification.drivers_license',
    );
  });
});

describe('many problems at once', () => {
  it('are all named in one answer', async () => {
    const fields = await rejects(
      naturalPerson(1, {
        date_of_birth: '1899-01-01',
        address: { line1: 'PO Box 1', city: 'New York', state: 'ZZ', zip: '1', country: 'US' },
        identification: { method: 'social_security_number', number: '000000000' },
      }),
      'natural_person.date_of_birth',
    );
    expect(fields.sort()).toEqual(
      [
        'natural_person.address.line1',
        'natural_person.address.state',
        'natural_person.address.zip',
        'natural_person.date_of_birth',
        'natural_person.identification.number',
      ].sort(),
    );
  });

  it('nothing invalid was ever written: only the valid Entities of this file exist, all archived', async () => {
    const entities = await allEntities(client);
    expect(entities).toHaveLength(4);
    expect(entities.every((e) => e.status === 'archived')).toBe(true);
  });
});
