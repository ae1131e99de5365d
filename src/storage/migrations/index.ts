import type { Migration } from 'kysely';
import * as initial from './0001_initial.js';
import * as entityDomain from './0002_entity_domain.js';
import * as idempotencyKeyIds from './0003_idempotency_key_ids.js';
import * as eventsAndWebhooks from './0004_events_and_webhooks.js';
import * as programOnboardingSettings from './0005_program_onboarding_settings.js';
import * as onboardingProgress from './0006_onboarding_progress.js';
import * as idempotencyKeysOneIndex from './0007_idempotency_keys_one_index.js';
import * as sessionsFoundByIdempotencyRecord from './0008_sessions_found_by_idempotency_record.js';

/** Every migration, in order. A new one is a new numbered file added here, never an edit. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_entity_domain': entityDomain,
  '0003_idempotency_key_ids': idempotencyKeyIds,
  '0004_events_and_webhooks': eventsAndWebhooks,
  '0005_program_onboarding_settings': programOnboardingSettings,
  '0006_onboarding_progress': onboardingProgress,
  '0007_idempotency_keys_one_index': idempotencyKeysOneIndex,
  '0008_sessions_found_by_idempotency_record': sessionsFoundByIdempotencyRecord,
};
