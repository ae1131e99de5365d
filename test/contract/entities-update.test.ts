import Increase from 'increase';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allEntities,
  corporation,
  expectInvalid,
  expectInvalidOperation,
  failureOf,
  naturalPerson,
  person,
  usAddress,
  usOnlyAddress,
} from '../support/entities.js';
import { type TestServer, useTestServer } from '../support/server.js';

/** Changing an Entity, archiving it, simulating its validation, and listing with filters. */
let server: TestServer;
let client: Increase;

useTestServer((started) => {
  server = started;
  client = started.client();
});

const trustParams = (): Increase.EntityCreateParams => ({
  structure: 'trust',
  trust: {
    name: 'Old Trust Name',
    category: 'irrevocable',
    tax_identifier: '123456789',
    address: usOnlyAddress,
    trustees: [{ structure: 'individual', individual: person(5) }],
  },
});

const authorityParams = (): Increase.EntityCreateParams => ({
  structure: 'government_authority',
  government_authority: {
    name: 'Old Authority Name',
    category: 'state_agency',
    tax_identifier: '146002112',
    address: usOnlyAddress,
    authorized_persons: [{ name: 'Pat Official' }],
  },
});

/** An Entity whose validation the simulation has already set to valid. */
async function validated(params: Increase.EntityCreateParams): Promise<Increase.Entity> {
  const entity = await client.entities.create(params);
  const valid = await client.simulations.entities.updateValidation(entity.id, { issues: [] });
  expect(valid.validation).toEqual({ status: 'valid', issues: [] });
  return valid;
}

/** Everything of an Entity but what an update of its details changes. */
const unchangedParts = (entity: Increase.Entity) => {
  const { natural_person, corporation, trust, government_authority, joint, validation, ...rest } = entity;
  return rest;
};

describe('update the details of each structure', () => {
  it("a natural person's name, address and identification; validation starts again", async () => {
    const entity = await validated(naturalPerson(1));
    const address = {
      line1: '500 Fifth Avenue',
      line2: 'Floor 2',
      city: 'New York',
      state: 'NY',
      zip: '10110',
      country: 'US',
    };
    const updated = await client.entities.update(entity.id, {
      natural_person: {
        name: 'New Name',
        address,
        identification: { method: 'individual_taxpayer_identification_number', number: '912781234' },
      },
    });
    expect(updated.natural_person).toEqual({
      name: 'New Name',
      date_of_birth: entity.natural_person?.date_of_birth,
      address,
      identification: { method: 'individual_taxpayer_identification_number', number_last4: '1234' },
    });
    expect(updated.validation).toEqual({ status: 'pending', issues: [] });
    expect(unchangedParts(updated)).toEqual(unchangedParts(entity));
    expect(await client.entities.retrieve(entity.id)).toEqual(updated);
  });

  it('a natural person: only what is sent changes', async () => {
    const entity = await client.entities.create(naturalPerson(2));
    const updated = await client.entities.update(entity.id, { natural_person: { name: 'Only The Name' } });
    expect(updated.natural_person).toEqual({ ...entity.natural_person, name: 'Only The Name' });
  });

  it("a corporation's address, industry code, legal identifier, email and website; owners stay", async () => {
    const entity = await validated(corporation(3, { website: 'https://old.example.com', email: 'old@example.com' }));
    const address = { line1: '1 Market Street', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' };
    const updated = await client.entities.update(entity.id, {
      corporation: {
        address,
        industry_code: '541511',
        legal_identifier: { value: '471112222' },
        email: 'new@example.com',
        website: 'https://new.example.com',
        name: 'Renamed Corp',
        incorporation_state: 'NV',
      },
    });
    expect(updated.corporation).toEqual({
      ...entity.corporation,
      name: 'Renamed Corp',
      address: { ...address, line2: null },
      industry_code: '541511',
      legal_identifier: { category: 'us_employer_identification_number', value: '*****2222' },
      email: 'new@example.com',
      website: 'https://new.example.com',
      incorporation_state: 'NV',
    });
    expect(updated.corporation?.beneficial_owners).toEqual(entity.corporation?.beneficial_owners);
    expect(updated.validation?.status).toBe('pending');
    expect(await client.entities.retrieve(entity.id)).toEqual(updated);
  });

  it("a trust's name and address", async () => {
    const entity = await validated(trustParams());
    const address = { line1: '2 Oak Road', city: 'Dallas', state: 'TX', zip: '75201' };
    const updated = await client.entities.update(entity.id, { trust: { name: 'New Trust Name', address } });
    expect(updated.trust).toEqual({
      ...entity.trust,
      name: 'New Trust Name',
      address: { ...address, line2: null, country: 'US' },
    });
    expect(updated.validation?.status).toBe('pending');
  });

  it("a government authority's name and address", async () => {
    const entity = await validated(authorityParams());
    const address = { line1: '3 Capitol Square', city: 'Columbus', state: 'OH', zip: '43215' };
    const updated = await client.entities.update(entity.id, {
      government_authority: { name: 'New Authority Name', address },
    });
    expect(updated.government_authority).toEqual({
      ...entity.government_authority,
      name: 'New Authority Name',
      address: { ...address, line2: null, country: 'US' },
    });
    expect(updated.validation?.status).toBe('pending');
  });
});

describe('update the compliance fields', () => {
  it('details_confirmed_at, terms_agreements (added to), third_party_verification, risk_rating', async () => {
    const entity = await client.entities.create({
      ...naturalPerson(6),
      terms_agreements: [
        { terms_url: 'https://example.com/terms/v1', ip_address: '192.0.2.1', agreed_at: '2024-05-01T10:00:00Z' },
      ],
    });
    const updated = await client.entities.update(entity.id, {
      details_confirmed_at: '2025-03-04T05:06:07Z',
      terms_agreements: [
        { terms_url: 'https://example.com/terms/v2', ip_address: '2001:db8::1', agreed_at: '2025-03-04T05:06:07Z' },
      ],
      third_party_verification: { vendor: 'alloy', reference: 'alloy-ref-1' },
      risk_rating: { rating: 'high', rated_at: '2025-03-04T05:06:07Z' },
    });
    expect(updated).toMatchObject({
      details_confirmed_at: '2025-03-04T05:06:07Z',
      terms_agreements: [
        { terms_url: 'https://example.com/terms/v1', ip_address: '192.0.2.1', agreed_at: '2024-05-01T10:00:00Z' },
        { terms_url: 'https://example.com/terms/v2', ip_address: '2001:db8::1', agreed_at: '2025-03-04T05:06:07Z' },
      ],
      third_party_verification: { vendor: 'alloy', reference: 'alloy-ref-1' },
      risk_rating: { rating: 'high', rated_at: '2025-03-04T05:06:07Z' },
    });
    expect(updated.natural_person).toEqual(entity.natural_person);
    expect(await client.entities.retrieve(entity.id)).toEqual(updated);

    const again = await client.entities.update(entity.id, {
      third_party_verification: { vendor: 'middesk', reference: 'bus_2' },
      risk_rating: { rating: 'medium', rated_at: '2025-04-01T00:00:00Z' },
    });
    expect(again.third_party_verification).toEqual({ vendor: 'middesk', reference: 'bus_2' });
    expect(again.risk_rating).toEqual({ rating: 'medium', rated_at: '2025-04-01T00:00:00Z' });
    expect(again.details_confirmed_at).toBe('2025-03-04T05:06:07Z');
    expect(again.terms_agreements).toHaveLength(2);
  });

  it('bad compliance fields are named: unknown vendor, bad IP, a rating that is not one', async () => {
    const entity = await client.entities.create(naturalPerson(7));
    await expectInvalid(
      client.entities.update(entity.id, { third_party_verification: { vendor: 'acme' as 'alloy', reference: 'r' } }),
      'third_party_verification.vendor',
    );
    await expectInvalid(
      client.entities.update(entity.id, {
        terms_agreements: [
          { terms_url: 'https://example.com/t', ip_address: '999.1.1.1', agreed_at: '2025-01-01T00:00:00Z' },
        ],
      }),
      'terms_agreements.0.ip_address',
    );
    await expectInvalid(
      client.entities.update(entity.id, {
        risk_rating: { rating: 'extreme' as 'high', rated_at: '2025-01-01T00:00:00Z' },
      }),
      'risk_rating.rating',
    );
    await expectInvalid(
      client.entities.update(entity.id, { details_confirmed_at: 'yesterday' }),
      'details_confirmed_at',
    );
    expect(await client.entities.retrieve(entity.id)).toEqual(entity);
  });
});

describe('updates that are refused', () => {
  it("another structure's fields: a 400 naming that structure, nothing changed", async () => {
    const entity = await client.entities.create(naturalPerson(8));
    const error = await failureOf(client.entities.update(entity.id, { corporation: { name: 'Not A Corp' } }));
    expect(error).toBeInstanceOf(Increase.InvalidParametersError);
    expect((error.error as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['corporation']);
    const corp = await client.entities.create(corporation(9));
    await expectInvalid(client.entities.update(corp.id, { natural_person: { name: 'X' } }), 'natural_person');
    await expectInvalid(client.entities.update(corp.id, { trust: { name: 'X' } }), 'trust');
    await expectInvalid(
      client.entities.update(corp.id, { government_authority: { name: 'X' } }),
      'government_authority',
    );
    expect(await client.entities.retrieve(entity.id)).toEqual(entity);
    expect(await client.entities.retrieve(corp.id)).toEqual(corp);
  });

  it('an invalid update (a bad ZIP) is a 400 naming the field, and changes nothing', async () => {
    const entity = await validated(naturalPerson(10));
    await expectInvalid(
      client.entities.update(entity.id, {
        natural_person: { name: 'Changed', address: { ...usAddress, zip: '1234' } },
      }),
      'natural_person.address.zip',
    );
    await expectInvalid(
      client.entities.update(entity.id, {
        natural_person: { identification: { method: 'social_security_number', number: '666001234' } },
      }),
      'natural_person.identification.number',
    );
    const corp = await client.entities.create(corporation(11));
    await expectInvalid(
      client.entities.update(corp.id, { corporation: { industry_code: '9999' } }),
      'corporation.industry_code',
    );
    await expectInvalid(
      client.entities.update(corp.id, { corporation: { legal_identifier: { value: '071234567' } } }),
      'corporation.legal_identifier.value',
    );
    await expectInvalid(
      client.entities.update(corp.id, { corporation: { address: { ...usAddress, line1: 'PO Box 12' } } }),
      'corporation.address.line1',
    );
    expect(await client.entities.retrieve(entity.id)).toEqual(entity);
    expect(await client.entities.retrieve(corp.id)).toEqual(corp);
  });

  it('fields an update cannot change are named: date of birth, authorized persons, exemption, structure', async () => {
    const individual = await client.entities.create(naturalPerson(18));
    await expectInvalid(
      client.entities.update(individual.id, {
        natural_person: { date_of_birth: '1990-01-01' } as Increase.EntityUpdateParams.NaturalPerson,
      }),
      'natural_person.date_of_birth',
    );
    const authority = await client.entities.create(authorityParams());
    await expectInvalid(
      client.entities.update(authority.id, {
        government_authority: {
          authorized_persons: [{ name: 'Someone Else' }],
        } as Increase.EntityUpdateParams.GovernmentAuthority,
      }),
      'government_authority.authorized_persons',
    );
    const corp = await client.entities.create(corporation(19));
    await expectInvalid(
      client.entities.update(corp.id, { corporation: { beneficial_ownership_exemption_reason: 'other' } }),
      'corporation.beneficial_ownership_exemption_reason',
    );
    const trust = await client.entities.create(trustParams());
    await expectInvalid(
      client.entities.update(trust.id, { trust: { category: 'revocable' } as Increase.EntityUpdateParams.Trust }),
      'trust.category',
    );
    expect(await client.entities.retrieve(individual.id)).toEqual(individual);
    expect(await client.entities.retrieve(authority.id)).toEqual(authority);
    expect(await client.entities.retrieve(corp.id)).toEqual(corp);
    expect(await client.entities.retrieve(trust.id)).toEqual(trust);
  });

  it('an unknown Entity is a 404', async () => {
    const error = await failureOf(
      client.entities.update('entity_aaaaaaaaaaaaaaaaaaaa', { natural_person: { name: 'X' } }),
    );
    expect(error).toBeInstanceOf(Increase.ObjectNotFoundError);
  });
});

describe('archive', () => {
  it('archives; a second archive and any update are 409s; status.in=archived finds it', async () => {
    const entity = await client.entities.create(naturalPerson(12));
    const archived = await client.entities.archive(entity.id);
    expect(archived).toEqual({ ...entity, status: 'archived' });
    expect(await client.entities.retrieve(entity.id)).toEqual(archived);

    await expectInvalidOperation(client.entities.archive(entity.id));
    await expectInvalidOperation(client.entities.update(entity.id, { natural_person: { name: 'Too Late' } }));
    await expectInvalidOperation(
      client.entities.update(entity.id, { risk_rating: { rating: 'low', rated_at: '2025-01-01T00:00:00Z' } }),
    );
    expect(await client.entities.retrieve(entity.id)).toEqual(archived);

    const onlyArchived = await client.entities.list({ status: { in: ['archived'] } });
    expect(onlyArchived.data.map((e) => e.id)).toContain(entity.id);
    expect(onlyArchived.data.every((e) => e.status === 'archived')).toBe(true);
    const onlyActive = await client.entities.list({ status: { in: ['active'] } });
    expect(onlyActive.data.map((e) => e.id)).not.toContain(entity.id);
    expect(onlyActive.data.every((e) => e.status === 'active')).toBe(true);
  });

  it('an unknown Entity is a 404', async () => {
    const error = await failureOf(client.entities.archive('entity_aaaaaaaaaaaaaaaaaaaa'));
    expect(error).toBeInstanceOf(Increase.ObjectNotFoundError);
  });
});

describe('validation simulation', () => {
  it('each Entity-level category is shown as an issue; empty issues make it valid', async () => {
    const entity = await client.entities.create(naturalPerson(13));
    const invalid = await client.simulations.entities.updateValidation(entity.id, {
      issues: [{ category: 'entity_tax_identifier' }, { category: 'entity_address' }],
    });
    expect(invalid.validation).toEqual({
      status: 'invalid',
      issues: [
        {
          category: 'entity_tax_identifier',
          entity_tax_identifier: {},
          entity_address: null,
          beneficial_owner_identity: null,
          beneficial_owner_address: null,
        },
        {
          category: 'entity_address',
          entity_tax_identifier: null,
          entity_address: { reason: 'mailbox_address' },
          beneficial_owner_identity: null,
          beneficial_owner_address: null,
        },
      ],
    });
    expect(await client.entities.retrieve(entity.id)).toEqual(invalid);
    const valid = await client.simulations.entities.updateValidation(entity.id, { issues: [] });
    expect(valid.validation).toEqual({ status: 'valid', issues: [] });
  });

  it('beneficial-owner categories refer to one of the corporation’s owners', async () => {
    const entity = await client.entities.create(corporation(14));
    const ownerIds = entity.corporation?.beneficial_owners.map((o) => o.id) ?? [];
    const invalid = await client.simulations.entities.updateValidation(entity.id, {
      issues: [{ category: 'beneficial_owner_identity' }, { category: 'beneficial_owner_address' }],
    });
    const [identity, address] = invalid.validation?.issues ?? [];
    expect(invalid.validation?.status).toBe('invalid');
    expect(identity).toMatchObject({
      category: 'beneficial_owner_identity',
      beneficial_owner_identity: { beneficial_owner_id: expect.any(String) },
      beneficial_owner_address: null,
    });
    expect(ownerIds).toContain(identity?.beneficial_owner_identity?.beneficial_owner_id);
    expect(address).toMatchObject({
      category: 'beneficial_owner_address',
      beneficial_owner_address: { reason: 'mailbox_address' },
      beneficial_owner_identity: null,
    });
    expect(ownerIds).toContain(address?.beneficial_owner_address?.beneficial_owner_id);
  });

  it('a beneficial-owner category on an Entity without owners, or an unknown category, is a 400', async () => {
    const entity = await client.entities.create(naturalPerson(15));
    await expectInvalid(
      client.simulations.entities.updateValidation(entity.id, { issues: [{ category: 'beneficial_owner_identity' }] }),
      'issues.0.category',
    );
    await expectInvalid(
      client.simulations.entities.updateValidation(entity.id, {
        issues: [{ category: 'entity_address' }, { category: 'bad_vibes' as 'entity_address' }],
      }),
      'issues.1.category',
    );
    expect(await client.entities.retrieve(entity.id)).toEqual(entity);
  });

  it('an update of the details after validation makes it pending again', async () => {
    const entity = await client.entities.create(naturalPerson(16));
    await client.simulations.entities.updateValidation(entity.id, { issues: [{ category: 'entity_address' }] });
    const updated = await client.entities.update(entity.id, {
      natural_person: { address: { ...usAddress, line1: '1 New Street' } },
    });
    expect(updated.validation).toEqual({ status: 'pending', issues: [] });
  });

  it('a production key gets 403 environment_mismatch_error, and nothing changes', async () => {
    const entity = await client.entities.create(naturalPerson(17));
    const production = server.client({ apiKey: await server.newApiKey('production') });
    const error = await failureOf(production.simulations.entities.updateValidation(entity.id, { issues: [] }));
    expect(error).toBeInstanceOf(Increase.EnvironmentMismatchError);
    expect(error.status).toBe(403);
    expect(error.error).toMatchObject({ type: 'environment_mismatch_error', status: 403 });
    expect(await client.entities.retrieve(entity.id)).toEqual(entity);
  });
});

describe('list filters', () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  let spaced: Increase.Entity[] = [];
  let filterClient: Increase;

  /** The ids a filtered list returns, all pages. */
  async function idsWhere(createdAt: Increase.EntityListParams.CreatedAt): Promise<string[]> {
    const ids: string[] = [];
    for await (const e of filterClient.entities.list({ created_at: createdAt, limit: 2 })) ids.push(e.id);
    return ids;
  }

  beforeAll(async () => {
    // A group of its own, so that only these three Entities are listed; a second apart, as the
    // wire shows created_at to the second.
    filterClient = server.client({ apiKey: await server.newApiKey('sandbox', 'filters') });
    for (const n of [21, 22, 23]) {
      if (spaced.length > 0) await pause(1100);
      spaced = [await filterClient.entities.create(naturalPerson(n)), ...spaced];
    }
  });

  it('three Entities a second apart have increasing created_at', () => {
    const [c, b, a] = spaced.map((e) => e.created_at);
    expect(a && b && c && a < b && b < c).toBe(true);
  });

  it('created_at bounds between the Entities select the ones on each side', async () => {
    const [c, b, a] = spaced as [Increase.Entity, Increase.Entity, Increase.Entity];
    // Half a second after b's second: after b was created, before c was.
    const afterB = new Date(Date.parse(b.created_at) + 999).toISOString();
    expect(await idsWhere({ after: afterB })).toEqual([c.id]);
    expect(await idsWhere({ on_or_after: afterB })).toEqual([c.id]);
    expect(await idsWhere({ before: afterB })).toEqual([b.id, a.id]);
    expect(await idsWhere({ on_or_before: afterB })).toEqual([b.id, a.id]);
    expect(await idsWhere({ on_or_after: a.created_at, before: afterB })).toEqual([b.id, a.id]);
    expect(await idsWhere({ on_or_after: c.created_at })).toEqual([c.id]);
    expect(await idsWhere({ before: a.created_at })).toEqual([]);
    expect(await idsWhere({ on_or_after: a.created_at })).toEqual([c.id, b.id, a.id]);
  });

  it("an Entity's own created_at as a bound: on_or_before and on_or_after include it, after and before do not", async () => {
    const [c, b, a] = spaced as [Increase.Entity, Increase.Entity, Increase.Entity];
    expect(await idsWhere({ on_or_before: b.created_at })).toEqual([b.id, a.id]);
    expect(await idsWhere({ on_or_after: b.created_at })).toEqual([c.id, b.id]);
    expect(await idsWhere({ after: b.created_at })).toEqual([c.id]);
    expect(await idsWhere({ before: b.created_at })).toEqual([a.id]);
    expect(await idsWhere({ on_or_after: b.created_at, on_or_before: b.created_at })).toEqual([b.id]);
  });

  it.each(['created_at.after', 'created_at.before', 'created_at.on_or_after', 'created_at.on_or_before'])(
    'an invalid %s is a 400 naming it',
    async (name) => {
      for (const value of ['yesterday', '2025-13-01T00:00:00Z', '2025-01-01']) {
        const response = await server.request('GET', `/entities?${name}=${encodeURIComponent(value)}`, {
          headers: { authorization: `Bearer ${server.apiKey}` },
        });
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ type: 'invalid_parameters_error' });
        expect((response.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(name);
      }
    },
  );

  it('status.in with an unknown status is a 400 naming it', async () => {
    const response = await server.request('GET', '/entities?status.in=active,deleted', {
      headers: { authorization: `Bearer ${server.apiKey}` },
    });
    expect(response.status).toBe(400);
    expect((response.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(['status.in']);
  });

  it('idempotency_key finds the Entity created with that key, and only it', async () => {
    const keyed = await client.entities.create(naturalPerson(24), { idempotencyKey: 'entity-key-24' });
    expect(keyed.idempotency_key).toBe('entity-key-24');
    const found = await client.entities.list({ idempotency_key: 'entity-key-24' });
    expect(found.data).toEqual([keyed]);
    expect(found.next_cursor).toBeNull();
    expect((await client.entities.list({ idempotency_key: 'no-such-key' })).data).toEqual([]);

    // An update's key names the Entity too, in its idempotency record; it did not make it.
    const updated = await client.entities.update(
      keyed.id,
      { natural_person: { name: 'Renamed Twenty Four' } },
      { idempotencyKey: 'entity-update-key-24' },
    );
    expect((await client.entities.list({ idempotency_key: 'entity-update-key-24' })).data).toEqual([]);
    expect((await client.entities.list({ idempotency_key: 'entity-key-24' })).data).toEqual([updated]);
  });

  it('limit pages through every Entity exactly once, newest first', async () => {
    const everything = await allEntities(client);
    expect(everything.length).toBeGreaterThan(10);
    const ids: string[] = [];
    let page = await client.entities.list({ limit: 4, status: { in: ['active', 'archived'] } });
    for (;;) {
      expect(page.data.length).toBeLessThanOrEqual(4);
      ids.push(...page.data.map((e) => e.id));
      if (!page.hasNextPage()) break;
      expect(page.next_cursor).not.toBeNull();
      page = await page.getNextPage();
    }
    expect(page.next_cursor).toBeNull();
    expect(ids).toEqual(everything.map((e) => e.id));
    const createdAts = everything.map((e) => e.created_at);
    expect([...createdAts].sort().reverse()).toEqual(createdAts);
  });
});
