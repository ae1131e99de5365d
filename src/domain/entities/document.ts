import { last4, masked } from './identifiers.js';
import type {
  AddressParams,
  CorporationParams,
  EntityCreateParams,
  GovernmentAuthorityParams,
  IndividualParams,
  Structure,
  TrustParams,
  UsAddressParams,
} from './params.js';

/**
 * How an Entity's details are kept and shown. The details as sent are kept whole, encrypted;
 * the API shows them in Increase's shape, with identification numbers cut to their last four
 * and tax identifiers masked but for the last four.
 */

/** The details of one structure as sent (a corporation's owners live in their own table). */
export type StructureDetails =
  | { structure: 'natural_person'; natural_person: IndividualParams }
  | { structure: 'corporation'; corporation: Omit<CorporationParams, 'beneficial_owners'> }
  | { structure: 'joint'; joint: { individuals: IndividualParams[] } }
  | { structure: 'trust'; trust: TrustParams }
  | { structure: 'government_authority'; government_authority: GovernmentAuthorityParams };

/** Ids Onboard gives to parts of the details, kept beside them. */
export interface DetailIds {
  authorized_person_ids?: string[];
}

export function detailsFromParams(params: EntityCreateParams): StructureDetails {
  switch (params.structure) {
    case 'natural_person':
      return { structure: 'natural_person', natural_person: params.natural_person as IndividualParams };
    case 'corporation': {
      const { beneficial_owners: _, ...corporation } = params.corporation as CorporationParams;
      return { structure: 'corporation', corporation };
    }
    case 'joint':
      return { structure: 'joint', joint: params.joint as { individuals: IndividualParams[] } };
    case 'trust':
      return { structure: 'trust', trust: params.trust as TrustParams };
    case 'government_authority':
      return {
        structure: 'government_authority',
        government_authority: params.government_authority as GovernmentAuthorityParams,
      };
  }
}

export const presentAddress = (address: AddressParams) => ({
  line1: address.line1,
  line2: address.line2 ?? null,
  city: address.city,
  state: address.state ?? null,
  zip: address.zip ?? null,
  country: address.country,
});

const presentUsAddress = (address: UsAddressParams) => presentAddress({ ...address, country: 'US' });

export const presentIndividual = (person: IndividualParams) => ({
  name: person.name,
  date_of_birth: person.date_of_birth,
  address: presentAddress(person.address),
  identification: { method: person.identification.method, number_last4: last4(person.identification.number) },
});

/** One structure's document, in the shape of Increase's Entity. */
export function presentStructure(details: StructureDetails, ids: DetailIds, owners: object[]): object {
  switch (details.structure) {
    case 'natural_person':
      return presentIndividual(details.natural_person);
    case 'corporation': {
      const c = details.corporation;
      return {
        name: c.name,
        website: c.website ?? null,
        email: c.email ?? null,
        legal_identifier: {
          category: c.legal_identifier.category ?? 'us_employer_identification_number',
          value: masked(c.legal_identifier.value),
        },
        incorporation_state: c.incorporation_state ?? null,
        industry_code: c.industry_code ?? null,
        address: presentAddress(c.address),
        beneficial_owners: owners,
        beneficial_ownership_exemption_reason: c.beneficial_ownership_exemption_reason ?? null,
      };
    }
    case 'joint':
      return {
        name: details.joint.individuals.map((p) => p.name).join(' and '),
        individuals: details.joint.individuals.map(presentIndividual),
      };
    case 'trust': {
      const t = details.trust;
      return {
        name: t.name,
        category: t.category,
        address: presentUsAddress(t.address),
        formation_state: t.formation_state ?? null,
        tax_identifier: t.tax_identifier ? masked(t.tax_identifier) : null,
        trustees: t.trustees.map((trustee) => ({
          structure: trustee.structure,
          individual: trustee.individual ? presentIndividual(trustee.individual) : null,
        })),
        grantor: t.grantor ? presentIndividual(t.grantor) : null,
        formation_document_file_id: t.formation_document_file_id ?? null,
      };
    }
    case 'government_authority': {
      const g = details.government_authority;
      return {
        name: g.name,
        category: g.category,
        address: presentUsAddress(g.address),
        website: g.website ?? null,
        tax_identifier: masked(g.tax_identifier),
        authorized_persons: g.authorized_persons.map((person, i) => ({
          authorized_person_id: ids.authorized_person_ids?.[i] ?? '',
          name: person.name,
        })),
      };
    }
  }
}

/** The structure's display name, as lists and the form show it. */
export function structureName(details: StructureDetails): string {
  const document = presentStructure(details, {}, []) as { name: string };
  return document.name;
}

export type { Structure };
