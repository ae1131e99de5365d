import { randomFillSync } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
const base62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** CSPRNG bytes drawn 4 KiB at a time: one call into OpenSSL per hundred ids, not one per id. */
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++] as number;
}

/**
 * `length` fresh CSPRNG bytes (an AES-GCM nonce): copied out of the pool, and never handed out
 * twice. One call into OpenSSL per call was a thirtieth of a create.
 */
export function randomBytesFromPool(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = randomByte();
  return bytes;
}

/** `length` characters drawn uniformly from `chars` with a CSPRNG (rejection sampling). */
export function randomString(length: number, chars: string = base62): string {
  const limit = 256 - (256 % chars.length);
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < limit) out += chars[byte % chars.length];
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

/** Characters of an id that tell when it was made: base-36 milliseconds, enough until 2059. */
export const timeLength = 8;

/**
 * A new object id: the prefix, an underscore and 20 lowercase alphanumerics, as Increase's.
 * The first 8 count milliseconds, so that ids made one after another sort together and each
 * table's id index grows at its end (a random id dirtied a different page of it on every
 * insert); the last 12 are random (62 bits), so that ids stay unguessable and unique.
 */
export function newId(prefix: IdPrefix): string {
  const time = Date.now().toString(36).padStart(timeLength, '0');
  return `${prefix}_${time}${randomString(20 - timeLength, alphabet)}`;
}

/** The characters of an id that tell when it was made (random ones for ids made before they did). */
export const idTime = (id: string): string => id.slice(-20, -20 + timeLength);
