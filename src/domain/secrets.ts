import { createCipheriv, createDecipheriv, createHash, createHmac, hash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';
import { idTime, randomBytesFromPool, timeLength } from './ids.js';

/**
 * The server's secrets: the key that derives session-URL tokens and the keys that encrypt
 * personal data at rest. They come from the environment when set (several hosts sharing one
 * database must share them), else from a key file created on first run with mode 0600.
 */
export interface Secrets {
  tokenSecret: Buffer;
  encryption: Keyring;
}

interface KeyFile {
  token_secret: string;
  /** Newest first; the first encrypts, all decrypt. */
  encryption_keys: string[];
}

export function loadSecrets(
  keyFile: string,
  overrides: { tokenSecret?: string | null; encryptionKeys?: string[] } = {},
): Secrets {
  const file = readOrCreateKeyFile(keyFile);
  const tokenSecret = overrides.tokenSecret
    ? Buffer.from(overrides.tokenSecret, 'utf8')
    : Buffer.from(file.token_secret, 'base64');
  const keys = overrides.encryptionKeys?.length ? overrides.encryptionKeys : file.encryption_keys;
  return { tokenSecret, encryption: new Keyring(keys.map((k) => decodeKey(k))) };
}

function readOrCreateKeyFile(keyFile: string): KeyFile {
  if (!fs.existsSync(keyFile)) {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true });
    const fresh: KeyFile = {
      token_secret: randomBytes(32).toString('base64'),
      encryption_keys: [randomBytes(32).toString('base64')],
    };
    try {
      // 'wx' fails if another process created the file first; then we read theirs.
      fs.writeFileSync(keyFile, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      return fresh;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  try {
    const parsed = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as KeyFile;
    if (typeof parsed.token_secret !== 'string' || !Array.isArray(parsed.encryption_keys)) {
      throw new Error('missing fields');
    }
    return parsed;
  } catch {
    throw new ConfigError(`ONBOARD_KEY_FILE ${keyFile} is not a valid Onboard key file`);
  }
}

/** For commands that must use the servers' key file, never make a new one. */
export function requireKeyFile(keyFile: string): void {
  if (!fs.existsSync(keyFile)) {
    throw new ConfigError(`ONBOARD_KEY_FILE ${keyFile} does not exist; point it at the key file the servers use`);
  }
}

/** A new random encryption key, base64-encoded as the key file and ONBOARD_ENCRYPTION_KEY hold it. */
export const newEncryptionKey = () => randomBytes(32).toString('base64');

/**
 * Puts a new encryption key first in the key file, so it encrypts from now on, and keeps the
 * others after it for reading. The file is replaced whole (written aside, then renamed), with
 * mode 0600, so a crash leaves the old file or the new one, never half of one.
 */
export function addEncryptionKey(keyFile: string): { keyId: string } {
  requireKeyFile(keyFile);
  const file = readOrCreateKeyFile(keyFile);
  for (const key of file.encryption_keys) decodeKey(key);
  const key = newEncryptionKey();
  const updated: KeyFile = { ...file, encryption_keys: [key, ...file.encryption_keys] };
  const temporary = `${keyFile}.${process.pid}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(updated, null, 2)}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(temporary, 0o600);
    fs.renameSync(temporary, keyFile);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
  const dir = fs.openSync(path.dirname(keyFile), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  return { keyId: keyId(decodeKey(key)) };
}

function decodeKey(encoded: string): Buffer {
  const key = Buffer.from(encoded, 'base64');
  if (key.length !== 32) {
    throw new ConfigError('ONBOARD_ENCRYPTION_KEY must be 32 bytes, base64-encoded');
  }
  return key;
}

const keyId = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/**
 * AES-256-GCM with a list of keys: the newest encrypts, any of them decrypts, so keys can be
 * rotated by adding a new one and re-encrypting. The context (an object id) is authenticated
 * data: a ciphertext copied onto another row does not decrypt.
 */
export class Keyring {
  private readonly keys: Map<string, Buffer>;
  private readonly currentId: string;

  constructor(keys: Buffer[]) {
    if (keys.length === 0) throw new ConfigError('at least one encryption key is needed');
    this.keys = new Map(keys.map((k) => [keyId(k), k]));
    this.currentId = keyId(keys[0] as Buffer);
  }

  /** The id of the key that encrypts: the first 8 hex digits of its SHA-256. */
  get currentKeyId(): string {
    return this.currentId;
  }

  encrypt(plaintext: string, context: string): string {
    return this.encryptBytes(Buffer.from(plaintext, 'utf8'), context);
  }

  decrypt(ciphertext: string, context: string): string {
    return this.decryptBytes(ciphertext, context).toString('utf8');
  }

  /** Bytes (a File's contents) as ciphertext text: `v1.<key id>.<iv>.<body>`, base64url. */
  encryptBytes(plaintext: Buffer, context: string): string {
    const iv = randomBytesFromPool(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return ['v1', this.currentId, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  decryptBytes(ciphertext: string, context: string): Buffer {
    const [version, id, iv, body] = ciphertext.split('.');
    const key = id === undefined ? undefined : this.keys.get(id);
    if (version !== 'v1' || !key || !iv || !body) {
      throw new Error('ciphertext is not readable with the configured encryption keys');
    }
    const raw = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]);
  }

  /** The id of the key a ciphertext was made with (whether or not this keyring has it). */
  keyIdOf(ciphertext: string): string | null {
    const [version, id] = ciphertext.split('.', 2);
    return version === 'v1' && id ? id : null;
  }

  /** The same plaintext under the current key; throws if no key here can read it. */
  reencrypt(ciphertext: string, context: string): string {
    return this.encryptBytes(this.decryptBytes(ciphertext, context), context);
  }
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The bearer token in a session's `session_url`: the 8 characters of the session id that tell
 * when it was made, then 40 base-62 digits derived from the id with HMAC, so that the same URL
 * can be shown on every read while the database keeps only a hash. (URLs handed out before the
 * time led had the digits alone; see `Sessions.findByToken`.)
 */
export function sessionToken(secret: Buffer, sessionId: string): string {
  // Shown on every read of an active session; deriving it is a tenth of a list's cost.
  let known = tokensBySecret.get(secret);
  if (!known) {
    known = new Map();
    tokensBySecret.set(secret, known);
  }
  const cached = known.get(sessionId);
  if (cached !== undefined) return cached;
  const token = `${idTime(sessionId)}${deriveSessionToken(secret, sessionId)}`;
  if (known.size >= maxKnownTokens) known.clear();
  known.set(sessionId, token);
  return token;
}

/** A token's digits, and the time before them (absent in URLs handed out before it led). */
const tokenLayout = new RegExp(`^([0-9a-z]{${timeLength}})?([0-9A-Za-z]{40})$`);

/** The parts of a `session_url` token as `sessionToken` makes them, or null for anything else. */
export function sessionTokenParts(token: string): { time: string | null; digits: string } | null {
  const match = tokenLayout.exec(token);
  return match ? { time: match[1] ?? null, digits: match[2] as string } : null;
}

/**
 * Tokens already derived, by secret (a process may serve with more than one, in tests). A full
 * memo starts over: dropping its oldest entry one at a time made each create walk past every
 * entry deleted before it (a V8 Map keeps their slots until it rehashes; 4 µs a create).
 */
const tokensBySecret = new WeakMap<Buffer, Map<string, string>>();
const maxKnownTokens = 10_000;

/** Five base-62 digits at a time: a remainder below 2^30, which Number divides exactly. */
const fiveDigits = 62n ** 5n;

/** The HMAC as a number, written least significant digit first in 40 base-62 digits. */
function deriveSessionToken(secret: Buffer, sessionId: string): string {
  let n = BigInt(`0x${createHmac('sha256', secret).update(`entity_onboarding_session:${sessionId}`).digest('hex')}`);
  let out = '';
  // Eight BigInt divisions by 62^5 instead of forty by 62: the same digits, a fifth of the cost.
  for (let i = 0; i < 8; i++) {
    let digits = Number(n % fiveDigits);
    n /= fiveDigits;
    for (let j = 0; j < 5; j++) {
      out += base62[digits % 62];
      digits = Math.floor(digits / 62);
    }
  }
  return out;
}

/**
 * SHA-256 in hex: how API keys and session tokens are stored. Every API request hashes its key:
 * `hash` (Node.js 20.12) takes 0.35 µs where a Hash object took 0.83.
 */
export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}
