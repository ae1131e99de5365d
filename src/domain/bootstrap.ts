import type { Database } from '../storage/database.js';
import { createApiKey, defaultGroupName, findOrCreateGroup, hasAnyGroup } from './access.js';
import { createProgram } from './programs.js';

/** What a first start created, to show the operator once. */
export interface FirstRun {
  groupId: string;
  apiKey: string;
  programId: string;
}

/**
 * On an empty database: a default group with a sandbox API key and a default program, so the
 * first curl works. Does nothing (returns null) once any group exists.
 */
export async function bootstrapEmptyDatabase(database: Database): Promise<FirstRun | null> {
  return database.transaction(async (tx) => {
    if (await hasAnyGroup(tx)) return null;
    const group = await findOrCreateGroup(tx, defaultGroupName);
    const { apiKey } = await createApiKey(tx, group.id, 'sandbox');
    const program = await createProgram(tx, group.id, 'Default program');
    return { groupId: group.id, apiKey, programId: program.id };
  });
}
