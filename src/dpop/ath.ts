import { createHash } from 'node:crypto';

/** RFC 9449 §4.2: `ath` is the base64url SHA-256 of the ASCII access token. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}
