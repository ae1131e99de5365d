import type { Executor } from '../storage/database.js';
import { findOwned } from '../storage/owned.js';
import { keysetPage, type Page, type PageRequest, toPage } from '../storage/pagination.js';
import type { ProgramTable } from '../storage/schema.js';
import { notFound } from './errors.js';
import { emitEvent } from './events.js';
import { newId } from './ids.js';
import { nowTimestamp, wireTimestamp } from './time.js';

/** A Program as Increase shows it. */
export interface Program {
  type: 'program';
  id: string;
  name: string;
  bank: ProgramTable['bank'];
  billing_account_id: null;
  default_digital_card_profile_id: null;
  interest_rate: string;
  lending: null;
  created_at: string;
  updated_at: string;
}

const present = (row: ProgramTable): Program => ({
  type: 'program',
  id: row.id,
  name: row.name,
  bank: row.bank,
  billing_account_id: null,
  default_digital_card_profile_id: null,
  interest_rate: row.interest_rate,
  lending: null,
  created_at: wireTimestamp(row.created_at),
  updated_at: wireTimestamp(row.updated_at),
});

export async function createProgram(db: Executor, groupId: string, name: string): Promise<Program> {
  const now = nowTimestamp();
  const row: ProgramTable = {
    id: newId('program'),
    group_id: groupId,
    name,
    bank: 'core_bank',
    interest_rate: '0.0',
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('programs').values(row).execute();
  await emitEvent(db, { groupId, category: 'program.created', objectId: row.id, objectType: 'program' });
  return present(row);
}

export const findProgramRow = (db: Executor, groupId: string, id: string) => findOwned(db, 'programs', groupId, id);

export async function getProgram(db: Executor, groupId: string, id: string): Promise<Program> {
  return present((await findProgramRow(db, groupId, id)) ?? notFound(id));
}

export async function listPrograms(db: Executor, groupId: string, page: PageRequest): Promise<Page<Program>> {
  const rows = await keysetPage(db.selectFrom('programs').selectAll().where('group_id', '=', groupId), page).execute();
  return toPage(rows, page, present);
}
