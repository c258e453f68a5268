import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Binds the ciphertext to its purpose: a blob encrypted for anything else fails to open here. */
const ASSOCIATED_DATA = Buffer.from('agent-sts:keyring:v1', 'utf8');
const IV_BYTES = 12; // NIST SP 800-38D §8.2: 96-bit random IV, a fresh one per write
const TAG_BYTES = 16;

export class KeyRingDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingDecryptError';
  }
}

export function assertKek(kek: Buffer): void {
  if (kek.length !== 32) throw new RangeError('STS_KEY_ENCRYPTION_KEY must be 32 bytes (base64)');
}

/** AES-256-GCM envelope: `{"v":1,"iv","tag","ct"}`, every binary part base64url. */
export function encryptRing(plaintext: string, kek: Buffer): string {
  assertKek(kek);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(ASSOCIATED_DATA);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return JSON.stringify({ v: 1, iv: iv.toString('base64url'), tag: tag.toString('base64url'), ct: ct.toString('base64url') });
}

export function decryptRing(blob: string, kek: Buffer): string {
  assertKek(kek);
  const envelope = parseEnvelope(blob);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, envelope.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(ASSOCIATED_DATA);
    decipher.setAuthTag(envelope.tag);
    return Buffer.concat([decipher.update(envelope.ct), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell a wrong key from an altered blob; both must stop the broker.
    throw new KeyRingDecryptError(
      'STS_KEY_ENCRYPTION_KEY does not decrypt the key ring in the store (a different key, or the stored ring was altered)',
    );
  }
}

function parseEnvelope(blob: string): { iv: Buffer; tag: Buffer; ct: Buffer } {
  let data: unknown;
  try {
    data = JSON.parse(blob);
  } catch {
    data = undefined;
  }
  const b64url = /^[A-Za-z0-9_-]*$/;
  if (typeof data === 'object' && data !== null && 'v' in data && data.v === 1
    && 'iv' in data && 'tag' in data && 'ct' in data
    && typeof data.iv === 'string' && typeof data.tag === 'string' && typeof data.ct === 'string'
    && b64url.test(data.iv) && b64url.test(data.tag) && b64url.test(data.ct)) {
    const iv = Buffer.from(data.iv, 'base64url');
    const tag = Buffer.from(data.tag, 'base64url');
    if (iv.length === IV_BYTES && tag.length === TAG_BYTES) return { iv, tag, ct: Buffer.from(data.ct, 'base64url') };
  }
  throw new KeyRingDecryptError('the key ring in the store is not an encrypted ring of a known version (expected v1)');
}
