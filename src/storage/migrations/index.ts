import type { Migration } from 'kysely';
import * as initial from './0001_initial.js';

/** Every migration, in order. A new one is a new numbered file added here, never an edit. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
};
