import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  randomBytes,
  scryptSync,
  type KeyObject,
} from 'node:crypto';

/**
 * Authenticated encryption for what the gateway keeps outside its own memory (session records in Redis):
 * AES-256-GCM, a random 96-bit IV per record, and a `context` (the record's key) bound in as additional
 * data so a sealed value copied under another key does not open.
 */

const VERSION = 'v1';
/** Fixed on purpose: every instance must derive the same key from the same secret. */
const SALT = 'xwc/session-store/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealError extends Error {
  override readonly name = 'SealError';
}

/** The key for a secret, stretched with scrypt so a guessable secret is still slow to brute-force. */
export function deriveKey(secret: string): KeyObject {
  if (!secret) throw new SealError('empty secret');
  return createSecretKey(scryptSync(secret, SALT, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }));
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function seal(key: KeyObject, plaintext: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, body, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : b64(part)))
    .join('.');
}

/** The plaintext, or a SealError when the value was made with another key or context, or altered. */
export function open(key: KeyObject, sealed: string, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SealError('not a sealed value');
  const [iv, body, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  if (iv!.length !== IV_BYTES || tag!.length !== TAG_BYTES) throw new SealError('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', key, iv!, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag!);
  try {
    return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
  } catch {
    throw new SealError('the sealed value does not open with this key (another secret, or altered)');
  }
}

const b64 = (bytes: Buffer): string => bytes.toString('base64url');
