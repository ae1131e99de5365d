import type { Executor } from '../storage/database.js';
import {
  type CreatedAtFilter,
  keysetPage,
  type Page,
  type PageRequest,
  toPage,
  whereCreatedAt,
} from '../storage/pagination.js';
import type { EntityTable } from '../storage/schema.js';
import { objectNotFound } from './errors.js';
import { newId } from './ids.js';
import { sandboxPerson } from './sandbox-data.js';
import type { Keyring } from './secrets.js';
import { nowTimestamp, wireTimestamp } from './time.js';

export type EntityStructure = EntityTable['structure'];
export type EntityStatus = EntityTable['status'];
export const entityStatuses: EntityStatus[] = ['active', 'archived', 'disabled'];

/** An Entity as Increase shows it. The structure documents are JSON objects of Increase's shape. */
export interface Entity {
  type: 'entity';
  id: string;
  structure: EntityStructure;
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
  third_party_verification: null;
  risk_rating: null;
  terms_agreements: object[];
  supplemental_documents: object[];
  validation: object | null;
  created_at: string;
}

/**
 * Personal values kept apart from the document and encrypted: a map from the JSON path where
 * the value belongs to the value. Paths listed as shown are put back on read; numbers never are.
 */
type SensitiveValues = Record<string, string>;
const shownOnRead = (path: string) => path.endsWith('.date_of_birth');

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node = node[key] as Record<string, unknown>;
    if (node === null || typeof node !== 'object') return;
  }
  node[keys[keys.length - 1] as string] = value;
}

export class Entities {
  constructor(private readonly keyring: Keyring) {}

  private present(row: EntityTable): Entity {
    const details = JSON.parse(row.details) as Record<string, unknown>;
    const sensitive = JSON.parse(this.keyring.decrypt(row.sensitive, row.id)) as SensitiveValues;
    for (const [path, value] of Object.entries(sensitive)) {
      if (shownOnRead(path)) setPath(details, path, value);
    }
    const structureDocument = (s: EntityStructure) => (row.structure === s ? (details[s] as object) : null);
    return {
      type: 'entity',
      id: row.id,
      structure: row.structure,
      corporation: structureDocument('corporation'),
      natural_person: structureDocument('natural_person'),
      joint: structureDocument('joint'),
      trust: structureDocument('trust'),
      government_authority: structureDocument('government_authority'),
      description: row.description,
      status: row.status,
      idempotency_key: row.idempotency_key,
      creating_entity_onboarding_session_id: row.creating_entity_onboarding_session_id,
      details_confirmed_at: row.details_confirmed_at && wireTimestamp(row.details_confirmed_at),
      third_party_verification: null,
      risk_rating: null,
      terms_agreements: [],
      supplemental_documents: [],
      validation: row.validation === null ? null : (JSON.parse(row.validation) as object),
      created_at: wireTimestamp(row.created_at),
    };
  }

  /** A natural person with fictitious but well-formed details, as the sandbox submit creates. */
  async createSandboxEntity(db: Executor, groupId: string, creatingSessionId: string): Promise<Entity> {
    const person = sandboxPerson();
    const id = newId('entity');
    const now = nowTimestamp();
    const details = {
      natural_person: {
        name: person.name,
        date_of_birth: null,
        address: person.address,
        identification: { method: 'social_security_number', number_last4: person.ssn.slice(-4) },
      },
    };
    const sensitive: SensitiveValues = {
      'natural_person.date_of_birth': person.date_of_birth,
      'natural_person.identification.number': person.ssn,
    };
    const row: EntityTable = {
      id,
      group_id: groupId,
      structure: 'natural_person',
      status: 'active',
      description: null,
      idempotency_key: null,
      creating_entity_onboarding_session_id: creatingSessionId,
      details_confirmed_at: null,
      details: JSON.stringify(details),
      sensitive: this.keyring.encrypt(JSON.stringify(sensitive), id),
      validation: JSON.stringify({ status: 'pending', issues: [] }),
      created_at: now,
      updated_at: now,
    };
    await db.insertInto('entities').values(row).execute();
    return this.present(row);
  }

  async exists(db: Executor, groupId: string, id: string): Promise<boolean> {
    const row = await db
      .selectFrom('entities')
      .select('id')
      .where('group_id', '=', groupId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row !== undefined;
  }

  async get(db: Executor, groupId: string, id: string): Promise<Entity> {
    const row = await db
      .selectFrom('entities')
      .selectAll()
      .where('group_id', '=', groupId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw objectNotFound(id);
    return this.present(row);
  }

  async list(
    db: Executor,
    groupId: string,
    filter: { statuses?: EntityStatus[]; idempotencyKey?: string; createdAt: CreatedAtFilter },
    page: PageRequest,
  ): Promise<Page<Entity>> {
    let query = db.selectFrom('entities').selectAll().where('group_id', '=', groupId);
    if (filter.statuses) query = query.where('status', 'in', filter.statuses);
    if (filter.idempotencyKey !== undefined) query = query.where('idempotency_key', '=', filter.idempotencyKey);
    query = whereCreatedAt(query, filter.createdAt);
    const rows = await keysetPage(query, page).execute();
    return toPage(rows, page, (row) => this.present(row));
  }
}
