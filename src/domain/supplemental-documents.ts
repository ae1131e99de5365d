import type { Executor } from '../storage/database.js';
import { keysetPage, type Page, type PageRequest, toPage } from '../storage/pagination.js';
import type { EntitySupplementalDocumentTable } from '../storage/schema.js';
import { actorOf, type Caller } from './access.js';
import { recordChange } from './entities/changes.js';
import { FieldErrors } from './errors.js';
import { newId } from './ids.js';
import { nowTimestamp, wireTimestamp } from './time.js';

/** A Supplemental Document as Increase shows it: a File attached to an Entity (it has no id). */
export interface EntitySupplementalDocument {
  type: 'entity_supplemental_document';
  entity_id: string;
  file_id: string;
  created_at: string;
  idempotency_key: string | null;
}

export interface SupplementalDocumentCreateParams {
  entity_id: string;
  file_id: string;
}

/** How this domain checks that an id names an object of the caller's group. */
export interface ExistenceCheck {
  exists(db: Executor, groupId: string, id: string): Promise<boolean>;
}

type DocumentRow = EntitySupplementalDocumentTable;

const present = (row: DocumentRow): EntitySupplementalDocument => ({
  type: 'entity_supplemental_document',
  entity_id: row.entity_id,
  file_id: row.file_id,
  created_at: wireTimestamp(row.created_at),
  idempotency_key: row.idempotency_key,
});

/** An Entity's Supplemental Documents in Increase's shape, oldest first: its `supplemental_documents`. */
export async function listForEntity(
  db: Executor,
  groupId: string,
  entityId: string,
): Promise<EntitySupplementalDocument[]> {
  return (await listForEntities(db, groupId, [entityId])).get(entityId) ?? [];
}

/** The same for many Entities in one query (for a page of Entities), by Entity id. */
export async function listForEntities(
  db: Executor,
  groupId: string,
  entityIds: readonly string[],
): Promise<Map<string, EntitySupplementalDocument[]>> {
  const byEntity = new Map<string, EntitySupplementalDocument[]>();
  if (entityIds.length === 0) return byEntity;
  const rows = await db
    .selectFrom('entity_supplemental_documents')
    .selectAll()
    .where('group_id', '=', groupId)
    .where('entity_id', 'in', entityIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const row of rows) {
    const list = byEntity.get(row.entity_id) ?? [];
    list.push(present(row));
    byEntity.set(row.entity_id, list);
  }
  return byEntity;
}

/**
 * Supplemental Documents: Files a platform attaches to an Entity after onboarding. Each one
 * counts as a change to the Entity, recorded in the same transaction.
 */
export class SupplementalDocuments {
  constructor(
    private readonly entities: ExistenceCheck,
    private readonly files: ExistenceCheck,
  ) {}

  async create(
    db: Executor,
    caller: Caller,
    params: SupplementalDocumentCreateParams,
    idempotencyKey: string | null,
  ): Promise<EntitySupplementalDocument> {
    const errors = new FieldErrors();
    if (!(await this.entities.exists(db, caller.groupId, params.entity_id))) {
      errors.add('entity_id', `no Entity with id ${params.entity_id} was found`);
    }
    if (!(await this.files.exists(db, caller.groupId, params.file_id))) {
      errors.add('file_id', `no File with id ${params.file_id} was found`);
    }
    errors.throwIfAny();

    const row: DocumentRow = {
      id: newId('entity_supplemental_document'),
      group_id: caller.groupId,
      entity_id: params.entity_id,
      file_id: params.file_id,
      idempotency_key: idempotencyKey,
      created_at: nowTimestamp(),
    };
    await db.insertInto('entity_supplemental_documents').values(row).execute();
    await recordChange(db, {
      groupId: caller.groupId,
      entityId: params.entity_id,
      change: 'updated',
      actor: actorOf(caller),
    });
    return present(row);
  }

  /** One Entity's documents, newest first, as every list pages. */
  async list(
    db: Executor,
    groupId: string,
    filter: { entityId: string; idempotencyKey?: string },
    page: PageRequest,
  ): Promise<Page<EntitySupplementalDocument>> {
    let query = db
      .selectFrom('entity_supplemental_documents')
      .selectAll()
      .where('group_id', '=', groupId)
      .where('entity_id', '=', filter.entityId);
    if (filter.idempotencyKey !== undefined) query = query.where('idempotency_key', '=', filter.idempotencyKey);
    const rows = await keysetPage(query, page).execute();
    return toPage(rows, page, present);
  }
}
