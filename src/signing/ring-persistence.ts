import { parseRing, serializeRing } from './ring-codec.js';
import { decryptRing, encryptRing } from './ring-encryption.js';
import type { RingState } from './ring-state.js';

/** Decrypt and check a ring read from the store. Throws KeyRingDecryptError on a wrong KEK. */
export function openRing(blob: string, kek: Buffer): RingState {
  return parseRing(decryptRing(blob, kek));
}

/** Serialise and encrypt a ring for the store (a fresh IV on every call). */
export function sealRing(state: RingState, kek: Buffer): string {
  return encryptRing(serializeRing(state), kek);
}
