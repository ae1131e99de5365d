import type { Config } from './config.js';
import { Entities } from './domain/entities/service.js';
import { EventSubscriptions } from './domain/event-subscriptions.js';
import { Files } from './domain/files.js';
import type { Secrets } from './domain/secrets.js';
import { Sessions } from './domain/sessions.js';
import { SupplementalDocuments } from './domain/supplemental-documents.js';
import type { Database } from './storage/database.js';

/** The domain services one server process uses, wired to its storage and settings. */
export interface Services {
  config: Config;
  db: Database;
  secrets: Secrets;
  entities: Entities;
  eventSubscriptions: EventSubscriptions;
  files: Files;
  sessions: Sessions;
  supplementalDocuments: SupplementalDocuments;
}

export function createServices(config: Config, db: Database, secrets: Secrets): Services {
  const files = new Files(secrets.encryption, config.fileSizeLimitBytes);
  const entities = new Entities(secrets.encryption, files);
  const sessions = new Sessions(
    { tokenSecret: secrets.tokenSecret, publicUrl: config.publicUrl, ttlSeconds: config.sessionTtlSeconds },
    entities,
  );
  const supplementalDocuments = new SupplementalDocuments(entities, files);
  const eventSubscriptions = new EventSubscriptions(secrets.encryption);
  return { config, db, secrets, entities, eventSubscriptions, files, sessions, supplementalDocuments };
}
