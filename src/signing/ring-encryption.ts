/**
 * The key ring in a shared store is sealed under STS_KEY_ENCRYPTION_KEY (store/sealed-text.ts),
 * with associated data naming it the key ring: a blob sealed for anything else fails to open.
 */
import { assertKek, openText, sealText, SealedTextError } from '../store/sealed-text.js';

const ASSOCIATED_DATA = 'agent-sts:keyring:v1';

export { assertKek };

export class KeyRingDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRingDecryptError';
  }
}

export function encryptRing(plaintext: string, kek: Buffer): string {
  return sealText(plaintext, kek, ASSOCIATED_DATA);
}

export function decryptRing(blob: string, kek: Buffer): string {
  try {
    return openText(blob, kek, ASSOCIATED_DATA);
  } catch (error) {
    if (!(error instanceof SealedTextError)) throw error;
    // Either must stop the broker: it cannot sign with a ring it cannot read.
    throw new KeyRingDecryptError(error.kind === 'malformed'
      ? 'the key ring in the store is not an encrypted ring of a known version (expected v1)'
      : 'STS_KEY_ENCRYPTION_KEY does not decrypt the key ring in the store (a different key, or the stored ring was altered)');
  }
}
