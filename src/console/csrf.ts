/**
 * Cross-site request forgery: every state-changing console request carries the session's
 * token in its form (synchronizer token), compared in constant time, and must not come from
 * another site (Fetch Metadata `Sec-Fetch-Site`, and `Origin` when the browser sends it).
 * SameSite=Strict on the cookie is the third line.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function tokensMatch(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return false;
  // Hash both so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/** False when the browser says the request comes from another site. */
export function sameOrigin(headers: { origin?: string; 'sec-fetch-site'?: string; host?: string }, protocol: string): boolean {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  return headers.host !== undefined && (origin === `${protocol}://${headers.host}` || origin === `https://${headers.host}`);
}
