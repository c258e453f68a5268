/** Webhook signature: `sha256=<hex HMAC-SHA256 of the exact body bytes under the secret>`. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-STS-Signature';

export function signBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** For receivers (and tests): constant-time comparison of a received header. */
export function verifySignature(body: string | Uint8Array, secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(body, secret));
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}
