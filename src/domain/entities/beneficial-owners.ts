import type { Executor } from '../../storage/database.js';
import { madeWithKey } from '../../storage/made-with-key.js';
import { findOwned } from '../../storage/owned.js';
import { keysetPage, type Page, type PageRequest, toPage } from '../../storage/pagination.js';
import type { EntityBeneficialOwnerTable } from '../../storage/schema.js';
import { actorOf, type Caller } from '../access.js';
import { FieldErrors, invalidOperation, invalidParameters, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { Keyring } from '../secrets.js';
import { nowTimestamp, wireTimestamp } from '../time.js';
import { recordChange } from './changes.js';
import { presentIndividual } from './document.js';
import type { BeneficialOwnerCreateParams, BeneficialOwnerUpdateParams, IndividualParams } from './params.js';
import { EntityChecks, type FileReference } from './rules.js';

type OwnerRow = EntityBeneficialOwnerTable;
type Prong = 'ownership' | 'control';

/** A beneficial owner as Increase shows it on its own. */
export interface EntityBeneficialOwner {
  type: 'entity_beneficial_owner';
  id: string;
  entity_id: string;
  company_title: string | null;
  individual: ReturnType<typeof presentIndividual>;
  prongs: Prong[];
  idempotency_key: string | null;
  created_at: string;
}

/** What the Entity domain needs to check that referenced Files exist in the caller's group. */
export interface FileLookup {
  exists(db: Executor, groupId: string, fileId: string): Promise<boolean>;
}

/** Adds a 400 for each referenced File that is not the caller's. */
export async function checkFiles(
  db: Executor,
  files: FileLookup,
  groupId: string,
  references: FileReference[],
  errors: FieldErrors,
) {
  for (const reference of references) {
    if (!(await files.exists(db, groupId, reference.fileId))) {
      errors.add(reference.field, `no File with id ${reference.fileId} was found`);
    }
  }
}

/**
 * The people behind a corporation. Each is its own object with an id, as in Increase; the
 * corporation's `beneficial_owners` lists the active ones.
 */
export class BeneficialOwners {
  constructor(
    private readonly keyring: Keyring,
    private readonly files: FileLookup,
  ) {}

  private individualOf(row: OwnerRow): IndividualParams {
    return JSON.parse(this.keyring.decrypt(row.sensitive, row.id)) as IndividualParams;
  }

  present(row: OwnerRow): EntityBeneficialOwner {
    return {
      type: 'entity_beneficial_owner',
      id: row.id,
      entity_id: row.entity_id,
      company_title: row.company_title,
      individual: presentIndividual(this.individualOf(row)),
      prongs: JSON.parse(row.prongs) as Prong[],
      idempotency_key: row.idempotency_key,
      created_at: wireTimestamp(row.created_at),
    };
  }

  /** The active owners of some corporations, oldest first, keyed by entity id. */
  async activeOwnersOf(db: Executor, entityIds: string[]): Promise<Map<string, EntityBeneficialOwner[]>> {
    const byEntity = new Map<string, EntityBeneficialOwner[]>();
    if (entityIds.length === 0) return byEntity;
    const rows = await db
      .selectFrom('entity_beneficial_owners')
      .selectAll()
      .where('entity_id', 'in', entityIds)
      .where('status', '=', 'active')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    for (const row of rows) {
      const owners = byEntity.get(row.entity_id) ?? [];
      owners.push(this.present(row));
      byEntity.set(row.entity_id, owners);
    }
    return byEntity;
  }

  /** Inserts owners for a corporation being created (already validated with it). */
  async insert(
    db: Executor,
    groupId: string,
    entityId: string,
    owner: { company_title?: string; individual: IndividualParams; prongs: Prong[] },
    idempotencyKey: string | null,
    now: string = nowTimestamp(),
  ): Promise<OwnerRow> {
    const id = newId('entity_beneficial_owner');
    const row: OwnerRow = {
      id,
      group_id: groupId,
      entity_id: entityId,
      status: 'active',
      company_title: owner.company_title ?? null,
      prongs: JSON.stringify(owner.prongs),
      individual: JSON.stringify({ name: owner.individual.name }),
      sensitive: this.keyring.encrypt(JSON.stringify(owner.individual), id),
      idempotency_key: idempotencyKey,
      created_at: now,
      updated_at: now,
    };
    await db.insertInto('entity_beneficial_owners').values(row).execute();
    return row;
  }

  private async findRow(db: Executor, groupId: string, id: string): Promise<OwnerRow> {
    return (await findOwned(db, 'entity_beneficial_owners', groupId, id)) ?? notFound(id);
  }

  /** An owner's details as they were sent, unmasked: for the hosted form to show back to them. */
  async individualFor(db: Executor, groupId: string, id: string): Promise<IndividualParams> {
    return this.individualOf(await this.findRow(db, groupId, id));
  }

  async get(db: Executor, groupId: string, id: string): Promise<EntityBeneficialOwner> {
    return this.present(await this.findRow(db, groupId, id));
  }

  async list(
    db: Executor,
    groupId: string,
    filter: { entityId: string; idempotencyKey?: string },
    page: PageRequest,
  ): Promise<Page<EntityBeneficialOwner>> {
    let query = db
      .selectFrom('entity_beneficial_owners')
      .selectAll()
      .where('group_id', '=', groupId)
      .where('entity_id', '=', filter.entityId)
      .where('status', '=', 'active');
    if (filter.idempotencyKey !== undefined) query = madeWithKey(query, groupId, filter.idempotencyKey);
    return toPage(await keysetPage(query, page).execute(), page, (row) => this.present(row));
  }

  /** The corporation the owner belongs to, which must be active and the caller's. */
  private async corporationOf(db: Executor, groupId: string, entityId: string, field: string) {
    const found = await findOwned(db, 'entities', groupId, entityId);
    if (!found) throw invalidParameters([{ field, message: `no Entity with id ${entityId} was found` }]);
    if (found.structure !== 'corporation') throw invalidOperation('Only corporations have beneficial owners.');
    if (found.status !== 'active') throw invalidOperation(`Entity ${entityId} is ${found.status}.`);
    return found;
  }

  /**
   * Checks the corporation's owners as they would be after a change. `field` names the prongs
   * and `personField` the person changed, as the request sent them.
   */
  private async checkOwnership(
    db: Executor,
    entity: { id: string; details: string },
    change: { replaced?: { id?: string; individual: IndividualParams; prongs: Prong[] }; removedId?: string },
    field: string,
    personField = field,
  ): Promise<FieldErrors> {
    const errors = new FieldErrors();
    const { replaced, removedId } = change;
    const exempt = (JSON.parse(entity.details) as { exempt?: boolean }).exempt === true;
    const current = await db
      .selectFrom('entity_beneficial_owners')
      .selectAll()
      .where('entity_id', '=', entity.id)
      .where('status', '=', 'active')
      .execute();
    const people = current
      .filter((row) => row.id !== removedId && row.id !== replaced?.id)
      .map((row) => ({ ...this.individualOf(row), prongs: JSON.parse(row.prongs) as Prong[] }));
    const checks = new EntityChecks(errors);
    if (replaced) {
      checks.notListedYet(personField, replaced.individual, people);
      people.push({ ...replaced.individual, prongs: replaced.prongs });
    }
    if (!exempt) checks.ownershipProngs(field, people);
    return errors;
  }

  async create(
    db: Executor,
    caller: Caller,
    params: BeneficialOwnerCreateParams,
    idempotencyKey: string | null,
  ): Promise<EntityBeneficialOwner> {
    const entity = await this.corporationOf(db, caller.groupId, params.entity_id, 'entity_id');
    const errors = new FieldErrors();
    const checks = new EntityChecks(errors);
    checks.individual('individual', params.individual);
    await checkFiles(db, this.files, caller.groupId, checks.files, errors);
    errors.throwIfAny();
    (await this.checkOwnership(db, entity, { replaced: params }, 'prongs', 'individual')).throwIfAny();
    const row = await this.insert(db, caller.groupId, entity.id, params, idempotencyKey);
    await this.touchEntity(db, caller.groupId, entity.id, actorOf(caller));
    return this.present(row);
  }

  async update(
    db: Executor,
    groupId: string,
    id: string,
    params: BeneficialOwnerUpdateParams,
    actor: string,
  ): Promise<EntityBeneficialOwner> {
    const row = await this.findRow(db, groupId, id);
    if (row.status !== 'active') throw invalidOperation(`Beneficial owner ${id} is archived.`);
    const entity = await this.corporationOf(db, groupId, row.entity_id, 'entity_id');
    const before = this.individualOf(row);
    const individual: IndividualParams = {
      ...before,
      ...(params.name !== undefined && { name: params.name }),
      ...(params.address !== undefined && { address: params.address }),
      ...(params.identification !== undefined && { identification: params.identification }),
      ...(params.confirmed_no_us_tax_id !== undefined && { confirmed_no_us_tax_id: params.confirmed_no_us_tax_id }),
    };
    const prongs = params.prongs ?? (JSON.parse(row.prongs) as Prong[]);
    const errors = new FieldErrors();
    const checks = new EntityChecks(errors);
    checks.individual('individual', individual);
    await checkFiles(db, this.files, groupId, checks.files, errors);
    // A PATCH sends the person's fields at the top level: name them as sent.
    errors.renameFields((field) => field.replace(/^individual\./, ''));
    errors.throwIfAny();
    // Only the name can make an owner someone already listed: the date of birth cannot change.
    (await this.checkOwnership(db, entity, { replaced: { id, individual, prongs } }, 'prongs', 'name')).throwIfAny();
    const updated: OwnerRow = {
      ...row,
      prongs: JSON.stringify(prongs),
      individual: JSON.stringify({ name: individual.name }),
      sensitive: this.keyring.encrypt(JSON.stringify(individual), id),
      updated_at: nowTimestamp(),
    };
    await db
      .updateTable('entity_beneficial_owners')
      .set({
        prongs: updated.prongs,
        individual: updated.individual,
        sensitive: updated.sensitive,
        updated_at: updated.updated_at,
      })
      .where('id', '=', id)
      .execute();
    await this.touchEntity(db, groupId, row.entity_id, actor);
    return this.present(updated);
  }

  async archive(db: Executor, caller: Caller, id: string): Promise<EntityBeneficialOwner> {
    const row = await this.findRow(db, caller.groupId, id);
    if (row.status !== 'active') throw invalidOperation(`Beneficial owner ${id} is already archived.`);
    const entity = await this.corporationOf(db, caller.groupId, row.entity_id, 'entity_id');
    const problems = await this.checkOwnership(db, entity, { removedId: id }, 'entity_beneficial_owners');
    // Archiving is not wrong input but a step that would leave the corporation without control.
    if (problems.list.length > 0) throw invalidOperation(problems.list.map((e) => e.message).join('; '));
    await db
      .updateTable('entity_beneficial_owners')
      .set({ status: 'archived', updated_at: nowTimestamp() })
      .where('id', '=', id)
      .execute();
    await this.touchEntity(db, caller.groupId, row.entity_id, actorOf(caller));
    return this.present({ ...row, status: 'archived' });
  }

  /** A change to an owner is a change to its corporation: validation starts again. */
  private async touchEntity(db: Executor, groupId: string, entityId: string, actor: string) {
    await db
      .updateTable('entities')
      .set({ validation: JSON.stringify({ status: 'pending', issues: [] }), updated_at: nowTimestamp() })
      .where('id', '=', entityId)
      .execute();
    await recordChange(db, { groupId, entityId, change: 'updated', actor });
  }
}
