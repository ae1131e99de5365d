import type { Structure } from '../domain/entities/params.js';
import { loadFormProgress } from '../domain/form-progress.js';
import type { Keyring } from '../domain/secrets.js';
import type { Executor } from '../storage/database.js';
import type { Lang } from './messages/index.js';

/** What a customer has done in the form so far: saved after each post (see domain/form-progress.ts). */
export interface Progress {
  structure?: Structure;
  /** Every answer, by input name (the Entity parameter's JSON path). */
  answers: Record<string, string>;
  /** How many of each repeated group (owners, trustees) the customer has. */
  counts: Record<string, number>;
  /** Steps the customer has submitted at least once: only those show errors. */
  attempted: string[];
  /** The last step the customer saved, to resume there. */
  reached?: string;
  /** Names of the Files the customer uploaded, by File id, to show back. */
  files: Record<string, { filename: string }>;
  /** Why an upload into an input failed, by input name. */
  uploadErrors: Record<string, string>;
  lang?: Lang;
  /** The terms the customer agreed to on the review page. */
  agreed?: boolean;
}

export const emptyProgress = (): Progress => ({ answers: {}, counts: {}, attempted: [], files: {}, uploadErrors: {} });

export async function loadProgress(db: Executor, keyring: Keyring, sessionId: string): Promise<Progress> {
  const saved = (await loadFormProgress(db, keyring, sessionId)) as Partial<Progress> | undefined;
  return { ...emptyProgress(), ...saved };
}
