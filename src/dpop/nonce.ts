/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9) that every broker instance accepts without
 * sharing state: a nonce is a time slot and an HMAC of it under a key all instances derive from
 * the same secret (the key-encryption key). A nonce is good in its slot and the next one, so a
 * client that just fetched one never races a slot boundary.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface NonceIssuer {
  current(): string;
  accepts(value: unknown): boolean;
}

const MAX_NONCE_LENGTH = 128;

export function createNonceIssuer(secret: Buffer, clock: () => number, slotMs = 60_000): NonceIssuer {
  const mac = (slot: number) => createHmac('sha256', secret).update(`dpop-nonce:${slot}`).digest('base64url').slice(0, 32);
  const nonceFor = (slot: number) => `${slot.toString(36)}.${mac(slot)}`;
  return {
    current: () => nonceFor(Math.floor(clock() / slotMs)),
    accepts(value) {
      if (typeof value !== 'string' || value.length > MAX_NONCE_LENGTH) return false;
      const slot = Number.parseInt(value.slice(0, value.indexOf('.')), 36);
      const now = Math.floor(clock() / slotMs);
      if (!Number.isSafeInteger(slot) || (slot !== now && slot !== now - 1)) return false;
      // The whole value against the one encoding this issuer makes: parseInt stops at the first
      // character outside base 36, so "<slot>junk.<tag>" or "<slot>.<tag>.more" must not pass.
      const expected = Buffer.from(nonceFor(slot));
      const given = Buffer.from(value);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
