/**
 * Encryption at rest for what the broker keeps in a shared store (the key ring, receivers'
 * push credentials) under STS_KEY_ENCRYPTION_KEY: AES-256-GCM, a fresh 96-bit IV per write
 * (NIST SP 800-38D §8.2), and associated data naming what the text is for, so a sealed value
 * moved to another purpose or record fails to open. Envelope: `{"v":1,"iv","tag","ct"}`,
 * every binary part base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `malformed`: not an envelope of a known version; `unopened`: the key or associated data do not open it. */
export class SealedTextError extends Error {
  constructor(readonly kind: 'malformed' | 'unopened', message: string) {
    super(message);
    this.name = 'SealedTextError';
  }
}

export function assertKek(kek: Buffer): void {
  if (kek.length !== 32) throw new RangeError('STS_KEY_ENCRYPTION_KEY must be 32 bytes (base64)');
}

export function sealText(plaintext: string, kek: Buffer, associatedData: string): string {
  assertKek(kek);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return JSON.stringify({ v: 1, iv: iv.toString('base64url'), tag: tag.toString('base64url'), ct: ct.toString('base64url') });
}

export function openText(blob: string, kek: Buffer, associatedData: string): string {
  assertKek(kek);
  const envelope = parseEnvelope(blob);
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, envelope.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(envelope.tag);
    return Buffer.concat([decipher.update(envelope.ct), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell a wrong key from an altered blob or another purpose's.
    throw new SealedTextError('unopened', 'the key does not open this sealed text (a different key, or the text was altered or moved)');
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
  throw new SealedTextError('malformed', 'not a sealed text of a known version (expected v1)');
}
