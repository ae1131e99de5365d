import type { Executor } from '../storage/database.js';
import { findOwned } from '../storage/owned.js';
import { keysetPage, type Page, type PageRequest, toPage } from '../storage/pagination.js';
import type { ProgramTable } from '../storage/schema.js';
import { type Structure, structures } from './entities/params.js';
import { FieldErrors, notFound } from './errors.js';
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
    display_name: null,
    logo_url: null,
    accent_color: null,
    terms_url: null,
    structures: null,
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

/** How the hosted form presents a Program, as the operator sets it. */
export interface ProgramOnboardingSettings {
  display_name: string | null;
  logo_url: string | null;
  accent_color: string | null;
  terms_url: string | null;
  structures: Structure[] | null;
}

export const onboardingSettingsOf = (row: ProgramTable): ProgramOnboardingSettings => ({
  display_name: row.display_name,
  logo_url: row.logo_url,
  accent_color: row.accent_color,
  terms_url: row.terms_url,
  structures: row.structures === null ? null : (JSON.parse(row.structures) as Structure[]),
});

function httpsUrlProblem(value: string): string | null {
  try {
    return new URL(value).protocol === 'https:' ? null : 'must be an https URL';
  } catch {
    return 'must be an absolute https URL';
  }
}

/**
 * Changes a Program's name or how the form presents it (an operator's action, across groups),
 * and announces it as `program.updated`. An empty string clears a setting.
 */
export async function updateProgram(
  db: Executor,
  id: string,
  changes: { name?: string } & Partial<Record<Exclude<keyof ProgramOnboardingSettings, 'structures'>, string>> & {
      structures?: string[];
    },
): Promise<{ program: Program; onboarding: ProgramOnboardingSettings }> {
  const row = (await db.selectFrom('programs').selectAll().where('id', '=', id).executeTakeFirst()) ?? notFound(id);
  const errors = new FieldErrors();
  const cleared = (value: string | undefined, current: string | null) =>
    value === undefined ? current : value.trim() === '' ? null : value.trim();
  if (changes.name !== undefined && changes.name.trim() === '') errors.add('name', 'must not be blank');
  for (const field of ['logo_url', 'terms_url'] as const) {
    const value = changes[field]?.trim();
    const problem = value ? httpsUrlProblem(value) : null;
    if (problem) errors.add(field, problem);
  }
  if (changes.accent_color?.trim() && !/^#[0-9a-fA-F]{6}$/.test(changes.accent_color.trim())) {
    errors.add('accent_color', 'must be a colour as #rrggbb');
  }
  const unknown = changes.structures?.filter((s) => !(structures as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0 || changes.structures?.length === 0) {
    errors.add('structures', `must list some of ${structures.join(', ')}`);
  }
  errors.throwIfAny();
  const updated: ProgramTable = {
    ...row,
    name: changes.name?.trim() ?? row.name,
    display_name: cleared(changes.display_name, row.display_name),
    logo_url: cleared(changes.logo_url, row.logo_url),
    accent_color: cleared(changes.accent_color, row.accent_color)?.toLowerCase() ?? null,
    terms_url: cleared(changes.terms_url, row.terms_url),
    structures: changes.structures ? JSON.stringify(changes.structures) : row.structures,
    updated_at: nowTimestamp(),
  };
  await db
    .updateTable('programs')
    .set({
      name: updated.name,
      display_name: updated.display_name,
      logo_url: updated.logo_url,
      accent_color: updated.accent_color,
      terms_url: updated.terms_url,
      structures: updated.structures,
      updated_at: updated.updated_at,
    })
    .where('id', '=', id)
    .execute();
  await emitEvent(db, { groupId: row.group_id, category: 'program.updated', objectId: id, objectType: 'program' });
  return { program: present(updated), onboarding: onboardingSettingsOf(updated) };
}
