import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * What callers send to create or change an Entity, as JSON schemas (the API validates bodies
 * with them and publishes them) and the TypeScript types derived from them. The hosted form
 * builds the same shapes, so both go through one set of rules.
 */

const text = (maxLength = 200, description?: string) => Type.String({ minLength: 1, maxLength, description });
const date = (description: string) => Type.String({ format: 'date', description });
const closed = <T extends Record<string, TSchema>>(properties: T, description?: string) =>
  Type.Object(properties, { additionalProperties: false, description });

export const address = closed(
  {
    line1: text(200, 'The first line of the address: street number and street. No PO boxes.'),
    line2: Type.Optional(text()),
    city: text(),
    state: Type.Optional(text(200, 'USPS abbreviation; required for US addresses.')),
    zip: Type.Optional(text(200, 'ZIP or postal code; required for US addresses.')),
    country: text(200, 'ISO 3166-1 alpha-2 country code.'),
  },
  'A physical address. Mail receiving locations like PO boxes and PMBs are not accepted.',
);

/** An address in the United States, where the country is implied. */
export const usAddress = closed({
  line1: text(),
  line2: Type.Optional(text()),
  city: text(),
  state: Type.String({ minLength: 2, maxLength: 2 }),
  zip: text(),
});

export const identificationMethods = [
  'social_security_number',
  'individual_taxpayer_identification_number',
  'passport',
  'drivers_license',
  'other',
] as const;

const fileId = Type.String({ description: 'The id of a File with purpose identity_document.' });

export const identification = Type.Object({
  method: Type.Union(identificationMethods.map((m) => Type.Literal(m))),
  number: Type.String({ minLength: 4, maxLength: 200 }),
  passport: Type.Optional(closed({ file_id: fileId, expiration_date: date('YYYY-MM-DD'), country: text() })),
  drivers_license: Type.Optional(
    closed({
      file_id: fileId,
      back_file_id: Type.Optional(fileId),
      expiration_date: date('YYYY-MM-DD'),
      state: Type.String({ minLength: 2, maxLength: 2 }),
    }),
  ),
  other: Type.Optional(
    closed({
      file_id: fileId,
      back_file_id: Type.Optional(fileId),
      country: text(),
      description: text(),
      expiration_date: Type.Optional(date('YYYY-MM-DD')),
    }),
  ),
});

export const individual = closed({
  name: text(200, "The person's legal name."),
  date_of_birth: date('YYYY-MM-DD'),
  address,
  identification,
  confirmed_no_us_tax_id: Type.Optional(Type.Boolean()),
});

export const prongs = Type.Array(Type.Union([Type.Literal('ownership'), Type.Literal('control')]), {
  minItems: 1,
  uniqueItems: true,
});

export const beneficialOwner = Type.Object({
  company_title: Type.Optional(text()),
  individual,
  prongs,
});

export const exemptionReasons = [
  'regulated_financial_institution',
  'publicly_traded_company',
  'public_entity',
  'other',
] as const;

export const corporation = Type.Object({
  name: text(),
  website: Type.Optional(Type.String({ maxLength: 200 })),
  email: Type.Optional(Type.String({ format: 'email', minLength: 1, maxLength: 200 })),
  legal_identifier: closed({
    category: Type.Optional(Type.Union([Type.Literal('us_employer_identification_number'), Type.Literal('other')])),
    value: text(),
  }),
  incorporation_state: Type.Optional(Type.String({ minLength: 2, maxLength: 2 })),
  industry_code: Type.Optional(text(200, 'NAICS code, such as 5132 for Software Publishers.')),
  address,
  beneficial_owners: Type.Array(beneficialOwner, { maxItems: 50 }),
  beneficial_ownership_exemption_reason: Type.Optional(Type.Union(exemptionReasons.map((r) => Type.Literal(r)))),
});

export const joint = closed({ individuals: Type.Array(individual, { maxItems: 10 }) });

export const trust = closed({
  name: text(),
  category: Type.Union([Type.Literal('revocable'), Type.Literal('irrevocable')]),
  address: usAddress,
  formation_state: Type.Optional(Type.String({ minLength: 1, maxLength: 2 })),
  tax_identifier: Type.Optional(text()),
  formation_document_file_id: Type.Optional(Type.String()),
  grantor: Type.Optional(individual),
  trustees: Type.Array(closed({ structure: Type.Literal('individual'), individual: Type.Optional(individual) }), {
    maxItems: 20,
  }),
});

export const governmentAuthorityCategories = [
  'municipality',
  'state_agency',
  'state_government',
  'federal_agency',
] as const;

export const governmentAuthority = closed({
  name: text(),
  category: Type.Union(governmentAuthorityCategories.map((c) => Type.Literal(c))),
  tax_identifier: text(),
  website: Type.Optional(Type.String({ maxLength: 200 })),
  address: usAddress,
  authorized_persons: Type.Array(closed({ name: text() }), { maxItems: 20 }),
});

export const termsAgreement = closed({
  terms_url: text(),
  ip_address: text(),
  agreed_at: Type.String({ format: 'date-time' }),
});

export const thirdPartyVerification = closed({
  reference: text(),
  vendor: Type.Union(['alloy', 'middesk', 'oscilar', 'persona', 'taktile'].map((v) => Type.Literal(v))),
});

export const riskRating = closed({
  rating: Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]),
  rated_at: Type.String({ format: 'date-time' }),
});

export const structures = ['corporation', 'natural_person', 'joint', 'trust', 'government_authority'] as const;

export const entityCreateParams = Type.Object({
  structure: Type.Union(structures.map((s) => Type.Literal(s))),
  description: Type.Optional(text()),
  natural_person: Type.Optional(individual),
  corporation: Type.Optional(corporation),
  joint: Type.Optional(joint),
  trust: Type.Optional(trust),
  government_authority: Type.Optional(governmentAuthority),
  supplemental_documents: Type.Optional(Type.Array(closed({ file_id: Type.String() }), { maxItems: 20 })),
  terms_agreements: Type.Optional(Type.Array(termsAgreement, { maxItems: 20 })),
  third_party_verification: Type.Optional(thirdPartyVerification),
  risk_rating: Type.Optional(riskRating),
});

/**
 * The fields of each structure that PATCH /entities/{id} can change. Closed: what is sent is
 * merged into the details, so any other field (a date of birth, authorized persons) is refused.
 */
export const entityUpdateParams = Type.Object({
  corporation: Type.Optional(
    closed({
      name: Type.Optional(text()),
      website: Type.Optional(Type.String({ maxLength: 200 })),
      email: Type.Optional(Type.String({ format: 'email', minLength: 1, maxLength: 200 })),
      legal_identifier: Type.Optional(corporation.properties.legal_identifier),
      incorporation_state: Type.Optional(text()),
      industry_code: Type.Optional(text()),
      address: Type.Optional(address),
    }),
  ),
  natural_person: Type.Optional(
    closed({
      name: Type.Optional(text()),
      address: Type.Optional(address),
      identification: Type.Optional(identification),
      confirmed_no_us_tax_id: Type.Optional(Type.Boolean()),
    }),
  ),
  trust: Type.Optional(closed({ name: Type.Optional(text()), address: Type.Optional(usAddress) })),
  government_authority: Type.Optional(closed({ name: Type.Optional(text()), address: Type.Optional(usAddress) })),
  details_confirmed_at: Type.Optional(Type.String({ format: 'date-time' })),
  risk_rating: Type.Optional(riskRating),
  terms_agreements: Type.Optional(Type.Array(termsAgreement, { maxItems: 20 })),
  third_party_verification: Type.Optional(thirdPartyVerification),
});

export const beneficialOwnerCreateParams = Type.Object({
  entity_id: Type.String(),
  company_title: Type.Optional(text()),
  individual,
  prongs,
});

export const beneficialOwnerUpdateParams = Type.Object({
  name: Type.Optional(text()),
  address: Type.Optional(address),
  identification: Type.Optional(identification),
  confirmed_no_us_tax_id: Type.Optional(Type.Boolean()),
  prongs: Type.Optional(prongs),
});

export const validationIssueCategories = [
  'entity_tax_identifier',
  'entity_address',
  'beneficial_owner_identity',
  'beneficial_owner_address',
] as const;

export const validationUpdateParams = closed({
  issues: Type.Array(closed({ category: Type.Union(validationIssueCategories.map((c) => Type.Literal(c))) })),
});

export type AddressParams = Static<typeof address>;
export type UsAddressParams = Static<typeof usAddress>;
export type IdentificationParams = Static<typeof identification>;
export type IndividualParams = Static<typeof individual>;
export type BeneficialOwnerParams = Static<typeof beneficialOwner>;
export type CorporationParams = Static<typeof corporation>;
export type TrustParams = Static<typeof trust>;
export type GovernmentAuthorityParams = Static<typeof governmentAuthority>;
export type EntityCreateParams = Static<typeof entityCreateParams>;
export type EntityUpdateParams = Static<typeof entityUpdateParams>;
export type BeneficialOwnerCreateParams = Static<typeof beneficialOwnerCreateParams>;
export type BeneficialOwnerUpdateParams = Static<typeof beneficialOwnerUpdateParams>;
export type ValidationUpdateParams = Static<typeof validationUpdateParams>;
export type Structure = (typeof structures)[number];
