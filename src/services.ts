import type { Config } from './config.js';
import type { FileLookup } from './domain/entities/beneficial-owners.js';
import { Entities } from './domain/entities/service.js';
import type { Secrets } from './domain/secrets.js';
import { Sessions } from './domain/sessions.js';
import type { Database } from './storage/database.js';

/** The domain services one server process uses, wired to its storage and settings. */
export interface Services {
  config: Config;
  db: Database;
  entities: Entities;
  sessions: Sessions;
}

export function createServices(config: Config, db: Database, secrets: Secrets): Services {
  const files: FileLookup = {
    exists: async (tx, groupId, fileId) =>
      (await tx
        .selectFrom('files')
        .select('id')
        .where('group_id', '=', groupId)
        .where('id', '=', fileId)
        .executeTakeFirst()) !== undefined,
  };
  const entities = new Entities(secrets.encryption, files);
  const sessions = new Sessions(
    { tokenSecret: secrets.tokenSecret, publicUrl: config.publicUrl, ttlSeconds: config.sessionTtlSeconds },
    entities,
  );
  return { config, db, entities, sessions };
}
