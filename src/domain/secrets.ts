import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';

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

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return ['v1', this.currentId, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string, context: string): string {
    const [version, id, iv, body] = ciphertext.split('.');
    const key = id === undefined ? undefined : this.keys.get(id);
    if (version !== 'v1' || !key || !iv || !body) {
      throw new Error('ciphertext is not readable with the configured encryption keys');
    }
    const raw = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString('utf8');
  }
}

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The bearer token in a session's `session_url`: derived from the session id with HMAC, so the
 * same URL can be shown on every read while the database keeps only its hash.
 */
export function sessionToken(secret: Buffer, sessionId: string): string {
  let n = BigInt(`0x${createHmac('sha256', secret).update(`entity_onboarding_session:${sessionId}`).digest('hex')}`);
  let out = '';
  for (let i = 0; i < 40; i++) {
    out += base62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

/** SHA-256 in hex: how API keys and session tokens are stored. */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
