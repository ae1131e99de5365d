import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters drawn uniformly from `chars` with a CSPRNG (rejection sampling). */
export function randomString(length: number, chars: string = base62): string {
  const limit = 256 - (256 % chars.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out += chars[byte % chars.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Object prefixes, as Increase spells them. */
export type IdPrefix =
  | 'entity_onboarding_session'
  | 'entity'
  | 'program'
  | 'group'
  | 'api_key'
  | 'entity_beneficial_owner'
  | 'file'
  | 'entity_supplemental_document'
  | 'entity_change'
  | 'entity_authorized_person'
  | 'event'
  | 'event_subscription'
  | 'webhook_delivery'
  | 'webhook_delivery_attempt';

/** A new object id: the prefix, an underscore and 20 lowercase alphanumerics. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomString(20, alphabet)}`;
}
