import type { Config } from './config.js';
import { Entities } from './domain/entities.js';
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
  const entities = new Entities(secrets.encryption);
  const sessions = new Sessions(
    { tokenSecret: secrets.tokenSecret, publicUrl: config.publicUrl, ttlSeconds: config.sessionTtlSeconds },
    entities,
  );
  return { config, db, entities, sessions };
}
