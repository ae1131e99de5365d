import type { Kysely } from 'kysely';

/**
 * Table shapes as the query layer sees them. Timestamps are ISO-8601 UTC strings with
 * milliseconds (`2026-01-31T23:59:59.123Z`): fixed width, so SQLite and PostgreSQL sort them
 * alike as text. JSON documents are stored as text for the same reason.
 */

export interface GroupTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ApiKeyTable {
  id: string;
  group_id: string;
  environment: 'sandbox' | 'production';
  /** SHA-256 of the key; the key itself is shown once and never stored. */
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ProgramTable {
  id: string;
  group_id: string;
  name: string;
  bank: 'core_bank' | 'first_internet_bank' | 'grasshopper_bank';
  interest_rate: string;
  created_at: string;
  updated_at: string;
  /** What the hosted form calls the program; its name when null. */
  display_name: string | null;
  /** An https URL of the logo the form shows. */
  logo_url: string | null;
  /** `#rrggbb`, the form's accent colour. */
  accent_color: string | null;
  /** The terms the customer agrees to on the form. */
  terms_url: string | null;
  /** JSON array of the structures the form offers; all of them when null. */
  structures: string | null;
}

export interface EntityOnboardingSessionTable {
  id: string;
  group_id: string;
  program_id: string;
  entity_id: string | null;
  redirect_url: string;
  /**
   * What finds the session from the bearer token in `session_url`: the token's first 8
   * characters, then its SHA-256 (`tokenHash` in domain/sessions.ts); the bare SHA-256 of its
   * digits for a session stored before tokens led with the time.
   */
  token_hash: string;
  /** The stored status; an `active` row past `expires_at` reads as expired. */
  status: 'active' | 'expired';
  expires_at: string;
  idempotency_key: string | null;
  created_at: string;
  updated_at: string;
}

/** What a customer has typed into the hosted form so far, kept until the session ends. */
export interface OnboardingProgressTable {
  /** The session's id. */
  id: string;
  group_id: string;
  /** The answers and the step reached, as JSON, encrypted (see Keyring). */
  data: string;
  updated_at: string;
}

export interface EntityTable {
  id: string;
  group_id: string;
  structure: 'corporation' | 'natural_person' | 'joint' | 'trust' | 'government_authority';
  status: 'active' | 'archived' | 'disabled';
  description: string | null;
  idempotency_key: string | null;
  creating_entity_onboarding_session_id: string | null;
  details_confirmed_at: string | null;
  /** The structure's document without personal numbers or dates of birth (JSON). */
  details: string;
  /** Personal numbers and dates of birth, encrypted (see domain/secrets.ts). */
  sensitive: string;
  /** The validation object (JSON), or null. */
  validation: string | null;
  created_at: string;
  updated_at: string;
}

export interface IdempotencyKeyTable {
  /** `<group_id>:<key>`: the context the stored answer is encrypted with. */
  id: string;
  group_id: string;
  key: string;
  /** Hash of method, path and body, to tell a replay from a different request. */
  request_fingerprint: string;
  resource_id: string | null;
  response_status: number;
  /** The answer as first sent, encrypted: it can hold personal data. */
  response_body: string;
  created_at: string;
}

export interface EntityBeneficialOwnerTable {
  id: string;
  group_id: string;
  entity_id: string;
  status: 'active' | 'archived';
  company_title: string | null;
  /** JSON array of 'ownership' and 'control'. */
  prongs: string;
  /** The individual's document without numbers or date of birth (JSON). */
  individual: string;
  /** Identification number and date of birth, encrypted. */
  sensitive: string;
  idempotency_key: string | null;
  created_at: string;
  updated_at: string;
}

export interface FileTable {
  id: string;
  group_id: string;
  purpose: string;
  description: string | null;
  filename: string | null;
  mime_type: string;
  size_bytes: number;
  direction: 'to_increase' | 'from_increase';
  /** The bytes, encrypted (base64 inside the ciphertext format). */
  contents: string;
  idempotency_key: string | null;
  created_at: string;
}

export interface EntitySupplementalDocumentTable {
  /** Internal: the API object has no id, but pages need a tiebreaker. */
  id: string;
  group_id: string;
  entity_id: string;
  file_id: string;
  idempotency_key: string | null;
  created_at: string;
}

export interface EntityChangeTable {
  id: string;
  group_id: string;
  entity_id: string;
  change: 'created' | 'updated';
  /** Who made it: `api_key:<id>`, `entity_onboarding_session:<id>` or `simulation`. */
  actor: string;
  created_at: string;
}

export interface EventTable {
  id: string;
  group_id: string;
  category: string;
  associated_object_id: string;
  associated_object_type: string;
  created_at: string;
}

export interface EventSubscriptionTable {
  id: string;
  group_id: string;
  /** The environment of the API key that created it: production reaches only public https. */
  environment: 'sandbox' | 'production';
  url: string;
  /** Encrypted: it signs every delivery. */
  shared_secret: string;
  status: 'active' | 'disabled' | 'deleted';
  /** JSON array of categories, or null for all of them. */
  selected_event_categories: string | null;
  idempotency_key: string | null;
  created_at: string;
  updated_at: string;
}

/** The outbox: one row per event and subscription, worked off by the dispatcher. */
export interface WebhookDeliveryTable {
  id: string;
  group_id: string;
  event_id: string;
  event_subscription_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: number;
  next_attempt_at: string;
  /** A dispatcher's lease on the row; when it has passed, another may claim it. */
  locked_until: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveryAttemptTable {
  id: string;
  delivery_id: string;
  /** Unique per delivery: one attempt is recorded once, whichever process made it. */
  attempt_number: number;
  started_at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

export interface Schema {
  groups: GroupTable;
  api_keys: ApiKeyTable;
  programs: ProgramTable;
  entity_onboarding_sessions: EntityOnboardingSessionTable;
  onboarding_progress: OnboardingProgressTable;
  entities: EntityTable;
  idempotency_keys: IdempotencyKeyTable;
  entity_beneficial_owners: EntityBeneficialOwnerTable;
  files: FileTable;
  entity_supplemental_documents: EntitySupplementalDocumentTable;
  entity_changes: EntityChangeTable;
  events: EventTable;
  event_subscriptions: EventSubscriptionTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptTable;
}

/** Anything queries can run on: the database itself or an open transaction, on either backend. */
export type Executor = Kysely<Schema>;
