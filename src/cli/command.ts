import { loadConfig } from '../config.js';
import { defaultGroupName } from '../domain/access.js';
import { loadSecrets, requireKeyFile } from '../domain/secrets.js';
import { Database } from '../storage/database.js';

/** What every `onboard` command is made of, and the pieces several of them share. */

export class UsageError extends Error {}
/** What the command was asked about does not exist. */
export class NotFoundError extends Error {}

export interface Command {
  usage: string;
  summary: string;
  /** More for --help, after the options. */
  details?: string[];
  options: Record<string, { type: 'string' | 'boolean'; description: string }>;
  /** Names of the positional arguments it requires, in order (`EVENT_ID`). */
  arguments?: string[];
  /** `values` has the string options given, `flags` the boolean ones, `args` the positional ones. */
  run(values: Record<string, string | undefined>, flags: ReadonlySet<string>, args: string[]): Promise<void>;
}

export const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Opens (and migrates) the configured database for one command, and closes it after. */
export async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const database = Database.open(loadConfig().database);
  try {
    await database.migrate();
    return await work(database);
  } finally {
    await database.close();
  }
}

/**
 * The configured encryption keys, for commands that must read what the servers encrypted: from
 * ONBOARD_ENCRYPTION_KEY, or from the servers' key file (never a new one).
 */
export function serverKeyring() {
  const config = loadConfig();
  if (config.encryptionKeys.length === 0) requireKeyFile(config.keyFile);
  return loadSecrets(config.keyFile, { tokenSecret: config.tokenSecret, encryptionKeys: config.encryptionKeys })
    .encryption;
}

export const groupOption = {
  type: 'string',
  description: `group (tenant) name; created if new (default: ${defaultGroupName})`,
} as const;
