import { isIP } from 'node:net';
import type { FieldErrors } from '../errors.js';
import type { StructureDetails } from './document.js';
import { einProblem, itinProblem, ssnProblem } from './identifiers.js';
import type {
  AddressParams,
  CorporationParams,
  EntityCreateParams,
  GovernmentAuthorityParams,
  IdentificationParams,
  IndividualParams,
  TrustParams,
  UsAddressParams,
} from './params.js';
import { isCountryCode, isMailboxLine, isNaicsCode, isUsState, isUsZip } from './reference-data.js';

/**
 * The rules an Entity's details must follow, beyond their JSON shape: the one place where the
 * API and the hosted form learn what is acceptable. Each check adds an error at the JSON path of
 * the field; files are collected for the caller to look up, since that needs the database.
 */

/** A File the details point at, to be checked to exist in the caller's group. */
export interface FileReference {
  field: string;
  fileId: string;
}

type Person = { name: string; date_of_birth: string };

/** Who a person is, whatever the case and spacing of the name they were given with. */
const personKey = (person: Person) =>
  `${person.name.trim().toLowerCase().replace(/\s+/g, ' ')}|${person.date_of_birth}`;

export class EntityChecks {
  readonly files: FileReference[] = [];

  constructor(
    readonly errors: FieldErrors,
    private readonly today: string = new Date().toISOString().slice(0, 10),
  ) {}

  private add(field: string, message: string) {
    this.errors.add(field, message);
  }

  private notBlank(field: string, value: string | undefined) {
    if (value !== undefined && value.trim() === '') this.add(field, 'must not be blank');
  }

  address(path: string, address: AddressParams): void {
    this.street(path, address);
    if (!isCountryCode(address.country)) {
      this.add(`${path}.country`, 'must be a two-letter ISO 3166-1 country code, such as US');
    } else if (address.country === 'US') {
      this.usStateAndZip(path, address.state, address.zip);
    }
  }

  usAddress(path: string, address: UsAddressParams): void {
    this.street(path, address);
    this.usStateAndZip(path, address.state, address.zip);
  }

  private street(path: string, address: { line1: string; line2?: string; city: string }) {
    this.notBlank(`${path}.line1`, address.line1);
    this.notBlank(`${path}.city`, address.city);
    for (const line of ['line1', 'line2'] as const) {
      const value = address[line];
      if (value && isMailboxLine(value)) {
        this.add(`${path}.${line}`, 'must be a physical address, not a PO box or private mailbox');
      }
    }
  }

  private usStateAndZip(path: string, state: string | undefined, zip: string | undefined) {
    if (state === undefined) this.add(`${path}.state`, 'is required for US addresses');
    else if (!isUsState(state)) this.add(`${path}.state`, 'must be a two-letter USPS state abbreviation, such as NY');
    if (zip === undefined) this.add(`${path}.zip`, 'is required for US addresses');
    else if (!isUsZip(zip)) this.add(`${path}.zip`, 'must be a five-digit ZIP code, or ZIP+4 (12345-6789)');
  }

  /** A real calendar date, as YYYY-MM-DD. */
  private realDate(field: string, value: string): boolean {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    const date = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
    if (!date || date.toISOString().slice(0, 10) !== value) {
      this.add(field, 'must be a real date in the form YYYY-MM-DD');
      return false;
    }
    return true;
  }

  dateOfBirth(field: string, value: string): void {
    if (!this.realDate(field, value)) return;
    if (value >= this.today) {
      this.add(field, 'must be in the past');
      return;
    }
    if (value < '1900-01-01') {
      this.add(field, 'must be after 1900');
      return;
    }
    const eighteenYearsAgo = `${Number(this.today.slice(0, 4)) - 18}${this.today.slice(4)}`;
    if (value > eighteenYearsAgo) this.add(field, 'must be that of an adult (18 or older)');
  }

  private unexpired(field: string, value: string | undefined) {
    if (value !== undefined && this.realDate(field, value) && value < this.today) {
      this.add(field, 'has passed: the document has expired');
    }
  }

  identification(path: string, identification: IdentificationParams, confirmedNoUsTaxId: boolean | undefined): void {
    const number = `${path}.number`;
    const { method } = identification;
    if (method === 'social_security_number') {
      const problem = ssnProblem(identification.number);
      if (problem) this.add(number, problem);
      return;
    }
    if (method === 'individual_taxpayer_identification_number') {
      const problem = itinProblem(identification.number);
      if (problem) this.add(number, problem);
      return;
    }
    // A document instead of a US tax id: only for people who have none.
    if (confirmedNoUsTaxId !== true) {
      this.add(
        path.replace(/\.identification$/, '.confirmed_no_us_tax_id'),
        `must be true to identify someone by ${method.replaceAll('_', ' ')}: a person with an SSN or ITIN must use it`,
      );
    }
    const document = identification[method];
    if (!document) {
      this.add(`${path}.${method}`, `is required when method is ${method}`);
      return;
    }
    this.files.push({ field: `${path}.${method}.file_id`, fileId: document.file_id });
    if ('back_file_id' in document && document.back_file_id) {
      this.files.push({ field: `${path}.${method}.back_file_id`, fileId: document.back_file_id });
    }
    this.unexpired(`${path}.${method}.expiration_date`, document.expiration_date);
    if ('country' in document && !isCountryCode(document.country)) {
      this.add(`${path}.${method}.country`, 'must be a two-letter ISO 3166-1 country code');
    }
    if ('state' in document && !isUsState(document.state)) {
      this.add(`${path}.${method}.state`, 'must be a two-letter USPS state abbreviation');
    }
  }

  individual(path: string, person: IndividualParams): void {
    this.notBlank(`${path}.name`, person.name);
    this.dateOfBirth(`${path}.date_of_birth`, person.date_of_birth);
    this.address(`${path}.address`, person.address);
    this.identification(`${path}.identification`, person.identification, person.confirmed_no_us_tax_id);
  }

  website(field: string, value: string | undefined): void {
    if (value === undefined) return;
    let url: URL | null = null;
    try {
      url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `https://${value}`);
    } catch {}
    if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname.includes('.')) {
      this.add(field, 'must be a website address, such as https://example.com');
    }
  }

  ein(field: string, value: string): void {
    const problem = einProblem(value);
    if (problem) this.add(field, problem);
  }

  incorporationState(field: string, value: string | undefined): void {
    if (value !== undefined && !isUsState(value)) this.add(field, 'must be a two-letter USPS state abbreviation');
  }

  industryCode(field: string, value: string | undefined): void {
    if (value !== undefined && !isNaicsCode(value)) {
      this.add(field, 'must be a NAICS industry code, such as 5132 (Software Publishers)');
    }
  }

  corporation(path: string, corporation: CorporationParams): void {
    this.corporationDetails(path, corporation);
    corporation.beneficial_owners.forEach((owner, i) => {
      this.individual(`${path}.beneficial_owners.${i}.individual`, owner.individual);
    });
    if (!corporation.beneficial_ownership_exemption_reason) {
      this.ownership(
        `${path}.beneficial_owners`,
        corporation.beneficial_owners.map((o) => ({ ...o.individual, prongs: o.prongs })),
      );
    }
  }

  /** A corporation's own details, without its owners (which are checked as a list). */
  corporationDetails(path: string, corporation: Omit<CorporationParams, 'beneficial_owners'>): void {
    this.notBlank(`${path}.name`, corporation.name);
    const { legal_identifier: legalIdentifier } = corporation;
    if ((legalIdentifier.category ?? 'us_employer_identification_number') === 'us_employer_identification_number') {
      this.ein(`${path}.legal_identifier.value`, legalIdentifier.value);
    }
    this.incorporationState(`${path}.incorporation_state`, corporation.incorporation_state);
    this.industryCode(`${path}.industry_code`, corporation.industry_code);
    this.website(`${path}.website`, corporation.website);
    this.address(`${path}.address`, corporation.address);
  }

  /**
   * The beneficial-ownership rules over a corporation's whole list of owners: someone with
   * control, no more than four owners of 25 % or more, nobody twice.
   */
  ownership(
    field: string,
    owners: { name: string; date_of_birth: string; prongs: ('ownership' | 'control')[] }[],
  ): void {
    this.ownershipProngs(field, owners);
    this.noDuplicatePeople(field, owners);
  }

  /** Someone with control, and no more than four owners of 25 % or more. */
  ownershipProngs(field: string, owners: { prongs: ('ownership' | 'control')[] }[]): void {
    if (!owners.some((o) => o.prongs.includes('control'))) {
      this.add(field, 'must include at least one person with the control prong (or give an exemption reason)');
    }
    if (owners.filter((o) => o.prongs.includes('ownership')).length > 4) {
      this.add(field, 'can list at most four people with the ownership prong: each owns 25 % or more');
    }
  }

  noDuplicatePeople(field: string, people: Person[]): void {
    const seen = new Set<string>();
    people.forEach((person, i) => {
      const key = personKey(person);
      if (seen.has(key)) this.add(`${field}.${i}`, 'lists the same person twice');
      seen.add(key);
    });
  }

  /** A person joining a list (a corporation's owners) must not be on it already. */
  notListedYet(field: string, person: Person, listed: Person[]): void {
    const key = personKey(person);
    if (listed.some((other) => personKey(other) === key)) this.add(field, 'is already listed: the same person twice');
  }

  trust(path: string, trust: TrustParams): void {
    this.trustDetails(path, trust);
    if (trust.grantor) this.individual(`${path}.grantor`, trust.grantor);
    else if (trust.category === 'revocable') this.add(`${path}.grantor`, 'is required for a revocable trust');
    this.trustees(`${path}.trustees`, trust.trustees);
  }

  /** A trust's own details, without its people (which the hosted form asks for apart). */
  trustDetails(path: string, trust: Omit<TrustParams, 'trustees' | 'grantor'>): void {
    this.notBlank(`${path}.name`, trust.name);
    this.usAddress(`${path}.address`, trust.address);
    if (trust.formation_state !== undefined && !isUsState(trust.formation_state)) {
      this.add(`${path}.formation_state`, 'must be a two-letter USPS state abbreviation');
    }
    if (trust.tax_identifier !== undefined) this.ein(`${path}.tax_identifier`, trust.tax_identifier);
    else if (trust.category === 'irrevocable')
      this.add(`${path}.tax_identifier`, 'is required for an irrevocable trust');
    if (trust.formation_document_file_id) {
      this.files.push({ field: `${path}.formation_document_file_id`, fileId: trust.formation_document_file_id });
    }
  }

  trustees(field: string, trustees: TrustParams['trustees']): void {
    if (trustees.length === 0) this.add(field, 'must list at least one trustee');
    trustees.forEach((trustee, i) => {
      if (trustee.individual) this.individual(`${field}.${i}.individual`, trustee.individual);
      else this.add(`${field}.${i}.individual`, 'is required when structure is individual');
    });
    this.noDuplicatePeople(
      field,
      trustees.flatMap((t) => (t.individual ? [t.individual] : [])),
    );
  }

  governmentAuthority(path: string, authority: GovernmentAuthorityParams): void {
    this.governmentAuthorityDetails(path, authority);
    this.authorizedPersons(`${path}.authorized_persons`, authority.authorized_persons);
  }

  /** An authority's own details, without the people authorized to act for it. */
  governmentAuthorityDetails(path: string, authority: Omit<GovernmentAuthorityParams, 'authorized_persons'>): void {
    this.notBlank(`${path}.name`, authority.name);
    this.ein(`${path}.tax_identifier`, authority.tax_identifier);
    this.website(`${path}.website`, authority.website);
    this.usAddress(`${path}.address`, authority.address);
  }

  authorizedPersons(field: string, people: { name: string }[]): void {
    if (people.length === 0) this.add(field, 'must list at least one person authorized to act for it');
    for (const [i, person] of people.entries()) this.notBlank(`${field}.${i}.name`, person.name);
  }

  termsAgreements(path: string, agreements: { terms_url: string; ip_address: string; agreed_at: string }[]): void {
    agreements.forEach((agreement, i) => {
      if (isIP(agreement.ip_address) === 0) this.add(`${path}.${i}.ip_address`, 'must be an IPv4 or IPv6 address');
      if (Date.parse(agreement.agreed_at) > Date.now() + 60_000)
        this.add(`${path}.${i}.agreed_at`, 'must not be in the future');
      this.website(`${path}.${i}.terms_url`, agreement.terms_url);
    });
  }

  /** The details of an existing Entity after an update: its structure's rules, owners apart. */
  structureDetails(details: StructureDetails): void {
    if (details.structure === 'natural_person') this.individual('natural_person', details.natural_person);
    if (details.structure === 'corporation') this.corporationDetails('corporation', details.corporation);
    if (details.structure === 'joint') this.people('joint.individuals', details.joint.individuals);
    if (details.structure === 'trust') this.trust('trust', details.trust);
    if (details.structure === 'government_authority') {
      this.governmentAuthority('government_authority', details.government_authority);
    }
  }

  /** The two people of a joint account. */
  jointHolders(path: string, people: IndividualParams[]): void {
    if (people.length !== 2) this.add(path, 'must list exactly two people');
    this.people(path, people);
    this.noDuplicatePeople(path, people);
  }

  private people(path: string, people: IndividualParams[]): void {
    for (const [i, person] of people.entries()) this.individual(`${path}.${i}`, person);
  }

  /** A whole create request: the chosen structure's details present, and only those. */
  entity(params: EntityCreateParams): void {
    const { structure } = params;
    for (const other of ['natural_person', 'corporation', 'joint', 'trust', 'government_authority'] as const) {
      if (other !== structure && params[other] !== undefined) {
        this.add(other, `must not be given when structure is ${structure}`);
      }
    }
    if (params[structure] === undefined) {
      this.add(structure, `is required when structure is ${structure}`);
      return;
    }
    if (params.natural_person) this.individual('natural_person', params.natural_person);
    if (params.corporation) this.corporation('corporation', params.corporation);
    if (params.joint) this.jointHolders('joint.individuals', params.joint.individuals);
    if (params.trust) this.trust('trust', params.trust);
    if (params.government_authority) this.governmentAuthority('government_authority', params.government_authority);
    for (const [i, document] of (params.supplemental_documents ?? []).entries()) {
      this.files.push({ field: `supplemental_documents.${i}.file_id`, fileId: document.file_id });
    }
    if (params.terms_agreements) this.termsAgreements('terms_agreements', params.terms_agreements);
  }
}
