import type Increase from 'increase';
import { describe, expect, it } from 'vitest';
import { allEntities, corporation, person, ssn, usAddress, usOnlyAddress } from '../support/entities.js';
import { type TestServer, useTestServer } from '../support/server.js';

/**
 * Every structure created through the SDK, read back by retrieve and by list: what was sent is
 * what is shown, with identification numbers cut to their last four and tax ids masked.
 */
let _server: TestServer;
let client: Increase;
const created: Increase.Entity[] = [];

useTestServer((started) => {
  _server = started;
  client = started.client();
});

/** Creates through the SDK, checks the parts every Entity shares, and that a read shows the same. */
async function create(params: Increase.EntityCreateParams): Promise<Increase.Entity> {
  const entity = await client.entities.create(params);
  expect(entity.id).toMatch(/^entity_[a-z0-9]{20}$/);
  expect(entity).toMatchObject({
    type: 'entity',
    structure: params.structure,
    status: 'active',
    description: params.description ?? null,
    creating_entity_onboarding_session_id: null,
    details_confirmed_at: null,
    supplemental_documents: [],
    validation: { status: 'pending', issues: [] },
  });
  expect(entity.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  for (const other of ['natural_person', 'corporation', 'joint', 'trust', 'government_authority'] as const) {
    if (other !== params.structure) expect(entity[other]).toBeNull();
  }
  expect(await client.entities.retrieve(entity.id)).toEqual(entity);
  created.push(entity);
  return entity;
}

/** A person as the API shows them: the address with nulls for what was not sent, the number's last four. */
function shown(individual: Increase.EntityCreateParams.NaturalPerson) {
  return {
    name: individual.name,
    date_of_birth: individual.date_of_birth,
    address: {
      line1: individual.address.line1,
      line2: individual.address.line2 ?? null,
      city: individual.address.city,
      state: individual.address.state ?? null,
      zip: individual.address.zip ?? null,
      country: individual.address.country,
    },
    identification: {
      method: individual.identification.method,
      number_last4: individual.identification.number.slice(-4),
    },
  };
}

const shownUsOnly = { ...usOnlyAddress, country: 'US' };

describe('natural_person', () => {
  it('with an SSN: shows the details sent, the SSN only as its last four', async () => {
    const individual = {
      ...person(1),
      name: 'Ada Lovelace',
      date_of_birth: '1985-12-10',
      address: { ...usAddress, line2: 'Apt 4B', zip: '10045-1234' },
      identification: { method: 'social_security_number' as const, number: '512456789' },
    };
    const entity = await create({ structure: 'natural_person', natural_person: individual, description: 'Ada' });
    expect(entity.natural_person).toEqual(shown(individual));
    expect(entity.natural_person?.identification).toEqual({ method: 'social_security_number', number_last4: '6789' });
    expect(entity.natural_person?.date_of_birth).toBe('1985-12-10');
    expect(entity.description).toBe('Ada');
  });

  it('with an ITIN', async () => {
    const individual = person(2, {
      identification: { method: 'individual_taxpayer_identification_number', number: '912701234' },
    });
    const entity = await create({ structure: 'natural_person', natural_person: individual });
    expect(entity.natural_person).toEqual(shown(individual));
    expect(entity.natural_person?.identification).toEqual({
      method: 'individual_taxpayer_identification_number',
      number_last4: '1234',
    });
  });

  it('keeps the compliance fields: terms agreements, third-party verification, risk rating', async () => {
    const entity = await create({
      structure: 'natural_person',
      natural_person: person(3),
      terms_agreements: [
        { terms_url: 'https://example.com/terms', ip_address: '203.0.113.7', agreed_at: '2025-01-02T03:04:05Z' },
      ],
      third_party_verification: { vendor: 'persona', reference: 'inq_123' },
      risk_rating: { rating: 'low', rated_at: '2025-01-02T03:04:05Z' },
    });
    expect(entity.terms_agreements).toEqual([
      { terms_url: 'https://example.com/terms', ip_address: '203.0.113.7', agreed_at: '2025-01-02T03:04:05Z' },
    ]);
    expect(entity.third_party_verification).toEqual({ vendor: 'persona', reference: 'inq_123' });
    expect(entity.risk_rating).toEqual({ rating: 'low', rated_at: '2025-01-02T03:04:05Z' });
  });
});

describe('corporation', () => {
  it('with four beneficial owners: EIN masked, NAICS code, owners with ids, prongs and titles', async () => {
    const owners: Increase.EntityCreateParams.Corporation.BeneficialOwner[] = [
      { individual: person(11), prongs: ['ownership', 'control'], company_title: 'CEO' },
      { individual: person(12), prongs: ['ownership'] },
      {
        individual: person(13, {
          identification: { method: 'individual_taxpayer_identification_number', number: '900501111' },
        }),
        prongs: ['ownership'],
      },
      { individual: person(14, { address: { ...usAddress, line2: 'Floor 3' } }), prongs: ['ownership', 'control'] },
    ];
    const params = {
      name: 'Acme Software Corp',
      legal_identifier: { value: '123456789' },
      address: { line1: '1 Infinite Loop', city: 'Cupertino', state: 'CA', zip: '95014', country: 'US' },
      industry_code: '541511',
      incorporation_state: 'DE',
      website: 'https://acme.example.com',
      email: 'ops@acme.example.com',
      beneficial_owners: owners,
    };
    const entity = await create({ structure: 'corporation', corporation: params });
    const shownCorporation = entity.corporation as Increase.Entity.Corporation;
    expect(shownCorporation).toEqual({
      name: 'Acme Software Corp',
      legal_identifier: { category: 'us_employer_identification_number', value: '*****6789' },
      address: { ...params.address, line2: null },
      industry_code: '541511',
      incorporation_state: 'DE',
      website: 'https://acme.example.com',
      email: 'ops@acme.example.com',
      beneficial_owners: owners.map((owner) => ({
        id: expect.stringMatching(/^entity_beneficial_owner_[a-z0-9]{20}$/),
        company_title: owner.company_title ?? null,
        individual: shown(owner.individual),
        prongs: owner.prongs,
      })),
      beneficial_ownership_exemption_reason: null,
    });
    const ids = shownCorporation.beneficial_owners.map((o) => o.id);
    expect(new Set(ids).size).toBe(4);
    // Each owner is an object of its own, readable by its id.
    const first = await client.beneficialOwners.retrieve(ids[0] as string);
    expect(first).toMatchObject({
      type: 'entity_beneficial_owner',
      id: ids[0],
      entity_id: entity.id,
      company_title: 'CEO',
      prongs: ['ownership', 'control'],
      individual: shown(person(11)),
    });
  });

  it('with a 4-digit NAICS code and a single control person', async () => {
    const params = corporation(2, {
      industry_code: '5132',
      beneficial_owners: [{ individual: person(21), prongs: ['control'], company_title: 'Managing Director' }],
    });
    const entity = await create(params);
    expect(entity.corporation?.industry_code).toBe('5132');
    expect(entity.corporation?.beneficial_owners).toEqual([
      {
        id: expect.stringMatching(/^entity_beneficial_owner_/),
        company_title: 'Managing Director',
        individual: shown(person(21)),
        prongs: ['control'],
      },
    ]);
    expect(entity.corporation).toMatchObject({ website: null, email: null, incorporation_state: null });
  });

  it('exempt from listing beneficial owners, with none', async () => {
    const entity = await create(
      corporation(3, { beneficial_owners: [], beneficial_ownership_exemption_reason: 'publicly_traded_company' }),
    );
    expect(entity.corporation?.beneficial_owners).toEqual([]);
    expect(entity.corporation?.beneficial_ownership_exemption_reason).toBe('publicly_traded_company');
  });

  it('with a non-US legal identifier, shown masked too', async () => {
    const entity = await create(
      corporation(4, { legal_identifier: { category: 'other', value: 'GB123456789' }, industry_code: undefined }),
    );
    expect(entity.corporation?.legal_identifier).toEqual({ category: 'other', value: '*******6789' });
    expect(entity.corporation?.industry_code).toBeNull();
  });
});

describe('joint', () => {
  it('with two individuals, named together', async () => {
    const individuals = [
      person(31, { name: 'Jane Doe' }),
      person(32, {
        name: 'John Doe',
        identification: { method: 'individual_taxpayer_identification_number', number: '912941234' },
      }),
    ];
    const entity = await create({ structure: 'joint', joint: { individuals } });
    expect(entity.joint).toEqual({ name: 'Jane Doe and John Doe', individuals: individuals.map(shown) });
  });
});

describe('trust', () => {
  it('revocable, with a grantor and two trustees', async () => {
    const grantor = person(41, { name: 'Grace Grantor' });
    const trustees = [person(42), person(43)];
    const entity = await create({
      structure: 'trust',
      trust: {
        name: 'Grantor Family Trust',
        category: 'revocable',
        address: usOnlyAddress,
        formation_state: 'NY',
        grantor,
        trustees: trustees.map((individual) => ({ structure: 'individual' as const, individual })),
      },
    });
    expect(entity.trust).toEqual({
      name: 'Grantor Family Trust',
      category: 'revocable',
      address: shownUsOnly,
      formation_state: 'NY',
      tax_identifier: null,
      grantor: shown(grantor),
      trustees: trustees.map((individual) => ({ structure: 'individual', individual: shown(individual) })),
      formation_document_file_id: null,
    });
  });

  it('irrevocable, with a tax identifier shown masked and no grantor', async () => {
    const trustee = person(44);
    const entity = await create({
      structure: 'trust',
      trust: {
        name: 'Irrevocable Trust of 2020',
        category: 'irrevocable',
        address: { line1: '9 Elm Street', city: 'Austin', state: 'TX', zip: '73301' },
        tax_identifier: '471234567',
        trustees: [{ structure: 'individual', individual: trustee }],
      },
    });
    expect(entity.trust).toEqual({
      name: 'Irrevocable Trust of 2020',
      category: 'irrevocable',
      address: { line1: '9 Elm Street', line2: null, city: 'Austin', state: 'TX', zip: '73301', country: 'US' },
      formation_state: null,
      tax_identifier: '*****4567',
      grantor: null,
      trustees: [{ structure: 'individual', individual: shown(trustee) }],
      formation_document_file_id: null,
    });
  });
});

describe('government_authority', () => {
  it('with category, tax identifier and authorized persons, each given an id', async () => {
    const entity = await create({
      structure: 'government_authority',
      government_authority: {
        name: 'City of Albany',
        category: 'municipality',
        tax_identifier: '146002112',
        website: 'https://www.albanyny.gov',
        address: usOnlyAddress,
        authorized_persons: [{ name: 'Kathy Sheehan' }, { name: 'Darius Shahinfar' }],
      },
    });
    expect(entity.government_authority).toEqual({
      name: 'City of Albany',
      category: 'municipality',
      tax_identifier: '*****2112',
      website: 'https://www.albanyny.gov',
      address: shownUsOnly,
      authorized_persons: [
        {
          authorized_person_id: expect.stringMatching(/^entity_authorized_person_[a-z0-9]{20}$/),
          name: 'Kathy Sheehan',
        },
        {
          authorized_person_id: expect.stringMatching(/^entity_authorized_person_[a-z0-9]{20}$/),
          name: 'Darius Shahinfar',
        },
      ],
    });
    const [first, second] = entity.government_authority?.authorized_persons ?? [];
    expect(first?.authorized_person_id).not.toBe(second?.authorized_person_id);
  });
});

describe('list', () => {
  it('shows every Entity created, newest first, exactly as created and retrieved', async () => {
    expect(created.length).toBeGreaterThanOrEqual(10);
    const listed = await allEntities(client);
    const newestFirst = [...created].reverse();
    expect(listed.map((e) => e.id)).toEqual(newestFirst.map((e) => e.id));
    expect(listed).toEqual(newestFirst);
  });

  it('pages with limit, and never shows a full number on any page', async () => {
    const ids: string[] = [];
    let page = await client.entities.list({ limit: 3 });
    for (;;) {
      expect(page.data.length).toBeLessThanOrEqual(3);
      ids.push(...page.data.map((e) => e.id));
      if (!page.hasNextPage()) break;
      page = await page.getNextPage();
    }
    expect(ids).toEqual([...created].reverse().map((e) => e.id));
    const text = JSON.stringify(await allEntities(client));
    for (const secret of ['512456789', '912701234', '123456789', '471234567', '146002112', ssn(11)]) {
      expect(text).not.toContain(secret);
    }
  });
});
