import type { Executor } from '../../storage/database.js';
import { madeWithKey } from '../../storage/made-with-key.js';
import { findOwned } from '../../storage/owned.js';
import {
  type CreatedAtFilter,
  keysetPage,
  type Page,
  type PageRequest,
  toPage,
  whereCreatedAt,
} from '../../storage/pagination.js';
import type { EntityTable } from '../../storage/schema.js';
import type { Caller } from '../access.js';
import { FieldErrors, invalidOperation, notFound } from '../errors.js';
import { newId } from '../ids.js';
import { sandboxPerson } from '../sandbox-data.js';
import type { Keyring } from '../secrets.js';
import { listForEntities } from '../supplemental-documents.js';
import { nowTimestamp, wireTimestamp } from '../time.js';
import { BeneficialOwners, checkFiles, type FileLookup } from './beneficial-owners.js';
import { recordChange } from './changes.js';
import { type DetailIds, detailsFromParams, presentStructure, type StructureDetails } from './document.js';
import type { EntityCreateParams, EntityUpdateParams, Structure, ValidationUpdateParams } from './params.js';
import { EntityChecks } from './rules.js';

export type EntityStatus = EntityTable['status'];
export const entityStatuses: EntityStatus[] = ['active', 'archived', 'disabled'];

type TermsAgreement = { terms_url: string; ip_address: string; agreed_at: string };
type ValidationIssue = {
  category: ValidationUpdateParams['issues'][number]['category'];
  entity_tax_identifier: object | null;
  entity_address: { reason: 'mailbox_address' } | null;
  beneficial_owner_identity: { beneficial_owner_id: string } | null;
  beneficial_owner_address: { beneficial_owner_id: string; reason: 'mailbox_address' } | null;
};
export type EntityValidation = { status: 'pending' | 'valid' | 'invalid'; issues: ValidationIssue[] };

/** What is kept in clear beside the encrypted details: nothing personal but the agreements. */
interface EntityMetadata {
  ids: DetailIds;
  /** A corporation exempt from listing beneficial owners. */
  exempt: boolean;
  terms_agreements: TermsAgreement[];
  third_party_verification: { reference: string; vendor: string } | null;
  risk_rating: { rating: string; rated_at: string } | null;
}

/** An Entity as Increase shows it. */
export interface Entity {
  type: 'entity';
  id: string;
  structure: Structure;
  corporation: object | null;
  natural_person: object | null;
  joint: object | null;
  trust: object | null;
  government_authority: object | null;
  description: string | null;
  status: EntityStatus;
  idempotency_key: string | null;
  creating_entity_onboarding_session_id: string | null;
  details_confirmed_at: string | null;
  third_party_verification: EntityMetadata['third_party_verification'];
  risk_rating: EntityMetadata['risk_rating'];
  terms_agreements: TermsAgreement[];
  supplemental_documents: object[];
  validation: EntityValidation | null;
  created_at: string;
}

/**
 * Tax identifiers the hosted form re-asks for when verification could not confirm them. The
 * API's PATCH, like Increase's, cannot change a trust's or a government authority's.
 */
type TaxIdentifierCorrections = {
  trust?: { tax_identifier?: string };
  government_authority?: { tax_identifier?: string };
};

const pendingValidation = (): EntityValidation => ({ status: 'pending', issues: [] });
const toStoredTime = (wire: string) => new Date(Date.parse(wire)).toISOString();

/**
 * The Entity domain: the people and organisations onboarding produces. Every create and update
 * goes through the same rules (rules.ts), keeps personal details encrypted, and leaves a record
 * of the change (changes.ts) in the same transaction.
 */
export class Entities {
  readonly owners: BeneficialOwners;

  constructor(
    private readonly keyring: Keyring,
    private readonly files: FileLookup,
  ) {
    this.owners = new BeneficialOwners(keyring, files);
  }

  private detailsOfRow(row: EntityTable): StructureDetails {
    return JSON.parse(this.keyring.decrypt(row.sensitive, row.id)) as StructureDetails;
  }

  /** Rows as Increase shows them; one query each for owners and documents, not one per row. */
  private async present(db: Executor, rows: EntityTable[]): Promise<Entity[]> {
    const corporations = rows.filter((r) => r.structure === 'corporation').map((r) => r.id);
    const owners = await this.owners.activeOwnersOf(db, corporations);
    // A page of Entities is always of one group.
    const documents = await listForEntities(
      db,
      rows[0]?.group_id ?? '',
      rows.map((r) => r.id),
    );
    return rows.map((row) => {
      const metadata = JSON.parse(row.details) as EntityMetadata;
      const ownerRefs = (owners.get(row.id) ?? []).map(({ id, company_title, individual, prongs }) => ({
        id,
        company_title,
        individual,
        prongs,
      }));
      const document = presentStructure(this.detailsOfRow(row), metadata.ids, ownerRefs);
      const forStructure = (s: Structure) => (row.structure === s ? document : null);
      return {
        type: 'entity',
        id: row.id,
        structure: row.structure,
        corporation: forStructure('corporation'),
        natural_person: forStructure('natural_person'),
        joint: forStructure('joint'),
        trust: forStructure('trust'),
        government_authority: forStructure('government_authority'),
        description: row.description,
        status: row.status,
        idempotency_key: row.idempotency_key,
        creating_entity_onboarding_session_id: row.creating_entity_onboarding_session_id,
        details_confirmed_at: row.details_confirmed_at && wireTimestamp(row.details_confirmed_at),
        third_party_verification: metadata.third_party_verification,
        risk_rating: metadata.risk_rating,
        terms_agreements: metadata.terms_agreements,
        supplemental_documents: documents.get(row.id) ?? [],
        validation: row.validation === null ? null : (JSON.parse(row.validation) as EntityValidation),
        created_at: wireTimestamp(row.created_at),
      };
    });
  }

  private async presentOne(db: Executor, row: EntityTable): Promise<Entity> {
    return (await this.present(db, [row]))[0] as Entity;
  }

  /** Checks a create request against every rule; throws one 400 naming each bad field. */
  async check(db: Executor, groupId: string, params: EntityCreateParams): Promise<void> {
    const errors = new FieldErrors();
    const checks = new EntityChecks(errors);
    checks.entity(params);
    await checkFiles(db, this.files, groupId, checks.files, errors);
    errors.throwIfAny();
  }

  async create(
    db: Executor,
    groupId: string,
    params: EntityCreateParams,
    context: { idempotencyKey: string | null; actor: string; creatingSessionId?: string },
  ): Promise<Entity> {
    await this.check(db, groupId, params);
    const id = newId('entity');
    const now = nowTimestamp();
    const details = detailsFromParams(params);
    const metadata: EntityMetadata = {
      ids: {
        authorized_person_ids: params.government_authority?.authorized_persons.map(() =>
          newId('entity_authorized_person'),
        ),
      },
      exempt: params.corporation?.beneficial_ownership_exemption_reason !== undefined,
      terms_agreements: (params.terms_agreements ?? []).map((a) => ({
        ...a,
        agreed_at: wireTimestamp(toStoredTime(a.agreed_at)),
      })),
      third_party_verification: params.third_party_verification ?? null,
      risk_rating: params.risk_rating
        ? { ...params.risk_rating, rated_at: wireTimestamp(toStoredTime(params.risk_rating.rated_at)) }
        : null,
    };
    const row: EntityTable = {
      id,
      group_id: groupId,
      structure: params.structure,
      status: 'active',
      description: params.description ?? null,
      idempotency_key: context.idempotencyKey,
      creating_entity_onboarding_session_id: context.creatingSessionId ?? null,
      details_confirmed_at: null,
      details: JSON.stringify(metadata),
      sensitive: this.keyring.encrypt(JSON.stringify(details), id),
      validation: JSON.stringify(pendingValidation()),
      created_at: now,
      updated_at: now,
    };
    await db.insertInto('entities').values(row).execute();
    // Owners sent together are listed in the order sent: a millisecond apart, since lists sort
    // by created_at and a random id would otherwise decide.
    for (const [i, owner] of (params.corporation?.beneficial_owners ?? []).entries()) {
      await this.owners.insert(db, groupId, id, owner, null, new Date(Date.parse(now) + i).toISOString());
    }
    for (const document of params.supplemental_documents ?? []) {
      await db
        .insertInto('entity_supplemental_documents')
        .values({
          id: newId('entity_supplemental_document'),
          group_id: groupId,
          entity_id: id,
          file_id: document.file_id,
          idempotency_key: null,
          created_at: now,
        })
        .execute();
    }
    await recordChange(db, { groupId, entityId: id, change: 'created', actor: context.actor });
    return this.presentOne(db, row);
  }

  /** A natural person with fictitious but well-formed details, as the sandbox submit creates. */
  async createSandboxEntity(db: Executor, groupId: string, creatingSessionId: string): Promise<Entity> {
    const person = sandboxPerson();
    return this.create(
      db,
      groupId,
      {
        structure: 'natural_person',
        natural_person: {
          name: person.name,
          date_of_birth: person.date_of_birth,
          address: person.address,
          identification: { method: 'social_security_number', number: person.ssn },
        },
      },
      { idempotencyKey: null, actor: `entity_onboarding_session:${creatingSessionId}`, creatingSessionId },
    );
  }

  private async findRow(db: Executor, groupId: string, id: string): Promise<EntityTable> {
    return (await findOwned(db, 'entities', groupId, id)) ?? notFound(id);
  }

  /** An Entity's details as they were sent, unmasked: for the hosted form to show back to its owner. */
  async detailsOf(db: Executor, groupId: string, id: string): Promise<StructureDetails> {
    return this.detailsOfRow(await this.findRow(db, groupId, id));
  }

  async exists(db: Executor, groupId: string, id: string): Promise<boolean> {
    return (await findOwned(db, 'entities', groupId, id)) !== undefined;
  }

  async get(db: Executor, groupId: string, id: string): Promise<Entity> {
    return this.presentOne(db, await this.findRow(db, groupId, id));
  }

  async list(
    db: Executor,
    groupId: string,
    filter: { statuses?: EntityStatus[]; idempotencyKey?: string; createdAt: CreatedAtFilter },
    page: PageRequest,
  ): Promise<Page<Entity>> {
    let query = db.selectFrom('entities').selectAll().where('group_id', '=', groupId);
    if (filter.statuses) query = query.where('status', 'in', filter.statuses);
    if (filter.idempotencyKey !== undefined) query = madeWithKey(query, groupId, filter.idempotencyKey);
    query = whereCreatedAt(query, filter.createdAt);
    const rows = await keysetPage(query, page).execute();
    const { data, next } = toPage(rows, page, (row) => row);
    return { data: await this.present(db, data), next };
  }

  /**
   * Changes an active Entity. The structure's details are merged with what is sent, then the
   * whole is checked by the same rules as a create, so an update cannot make it invalid.
   */
  async update(
    db: Executor,
    groupId: string,
    id: string,
    params: EntityUpdateParams & TaxIdentifierCorrections,
    actor: string,
  ): Promise<Entity> {
    const row = await this.findRow(db, groupId, id);
    if (row.status !== 'active') throw invalidOperation(`Entity ${id} is ${row.status} and cannot be changed.`);
    const errors = new FieldErrors();
    for (const structure of ['natural_person', 'corporation', 'trust', 'government_authority'] as const) {
      if (params[structure] !== undefined && structure !== row.structure) {
        errors.add(structure, `cannot be changed on a ${row.structure.replaceAll('_', ' ')} Entity`);
      }
    }
    errors.throwIfAny();

    const details = this.detailsOfRow(row);
    const changes = params[row.structure as keyof EntityUpdateParams] as object | undefined;
    const current = (details as unknown as Record<string, object>)[row.structure];
    const merged = { structure: row.structure, [row.structure]: { ...current, ...changes } } as StructureDetails;
    const checks = new EntityChecks(errors);
    checks.structureDetails(merged);
    if (params.terms_agreements) checks.termsAgreements('terms_agreements', params.terms_agreements);
    await checkFiles(db, this.files, groupId, checks.files, errors);
    errors.throwIfAny();

    const metadata = JSON.parse(row.details) as EntityMetadata;
    if (params.terms_agreements) {
      metadata.terms_agreements.push(
        ...params.terms_agreements.map((a) => ({ ...a, agreed_at: wireTimestamp(toStoredTime(a.agreed_at)) })),
      );
    }
    if (params.third_party_verification) metadata.third_party_verification = params.third_party_verification;
    if (params.risk_rating)
      metadata.risk_rating = {
        ...params.risk_rating,
        rated_at: wireTimestamp(toStoredTime(params.risk_rating.rated_at)),
      };
    const detailsChanged = changes !== undefined;
    const updated: EntityTable = {
      ...row,
      details: JSON.stringify(metadata),
      sensitive: detailsChanged ? this.keyring.encrypt(JSON.stringify(merged), id) : row.sensitive,
      details_confirmed_at: params.details_confirmed_at
        ? toStoredTime(params.details_confirmed_at)
        : row.details_confirmed_at,
      // New details must be verified again.
      validation: detailsChanged ? JSON.stringify(pendingValidation()) : row.validation,
      updated_at: nowTimestamp(),
    };
    await db
      .updateTable('entities')
      .set({
        details: updated.details,
        sensitive: updated.sensitive,
        details_confirmed_at: updated.details_confirmed_at,
        validation: updated.validation,
        updated_at: updated.updated_at,
      })
      .where('id', '=', id)
      .execute();
    await recordChange(db, { groupId, entityId: id, change: 'updated', actor });
    return this.presentOne(db, updated);
  }

  async archive(db: Executor, caller: Caller, id: string, actor: string): Promise<Entity> {
    const row = await this.findRow(db, caller.groupId, id);
    if (row.status !== 'active') throw invalidOperation(`Entity ${id} is already ${row.status}.`);
    const result = await db
      .updateTable('entities')
      .set({ status: 'archived', updated_at: nowTimestamp() })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw invalidOperation(`Entity ${id} is already archived.`);
    await recordChange(db, { groupId: caller.groupId, entityId: id, change: 'updated', actor });
    return this.presentOne(db, { ...row, status: 'archived' });
  }

  /** Sandbox: sets the outcome of verification, as Increase's simulation does. */
  async simulateValidation(db: Executor, caller: Caller, id: string, params: ValidationUpdateParams): Promise<Entity> {
    const row = await this.findRow(db, caller.groupId, id);
    const owners = (await this.owners.activeOwnersOf(db, [id])).get(id) ?? [];
    const errors = new FieldErrors();
    const issues = params.issues.map((issue, i): ValidationIssue => {
      const ownerId = owners[0]?.id;
      if (issue.category.startsWith('beneficial_owner') && !ownerId) {
        errors.add(`issues.${i}.category`, 'needs an Entity with at least one beneficial owner');
      }
      return {
        category: issue.category,
        entity_tax_identifier: issue.category === 'entity_tax_identifier' ? {} : null,
        entity_address: issue.category === 'entity_address' ? { reason: 'mailbox_address' } : null,
        beneficial_owner_identity:
          issue.category === 'beneficial_owner_identity' ? { beneficial_owner_id: ownerId ?? '' } : null,
        beneficial_owner_address:
          issue.category === 'beneficial_owner_address'
            ? { beneficial_owner_id: ownerId ?? '', reason: 'mailbox_address' }
            : null,
      };
    });
    errors.throwIfAny();
    const validation: EntityValidation = { status: issues.length === 0 ? 'valid' : 'invalid', issues };
    const updatedAt = nowTimestamp();
    await db
      .updateTable('entities')
      .set({ validation: JSON.stringify(validation), updated_at: updatedAt })
      .where('id', '=', id)
      .execute();
    await recordChange(db, { groupId: caller.groupId, entityId: id, change: 'updated', actor: 'simulation' });
    return this.presentOne(db, { ...row, validation: JSON.stringify(validation), updated_at: updatedAt });
  }
}
