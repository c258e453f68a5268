/**
 * Was a token with this jti issued recently? The store has no index of issued jtis; its
 * recent audit stream holds the token_issued records (capped, trimmed oldest first), so a
 * jti found there is known for sure (with its agent and expiry), and one not found is only
 * "not among the records the stream still holds".
 */
import { HARD_MAX_TTL_MS } from '../policy/index.js';
import type { Store } from '../store/types.js';

/** The most the store hands back in one read. */
const READ_LIMIT = 1000;

export type IssuedTokenLookup =
  | { found: true; agent: string | null; expiresAtMs: number | null }
  | { found: false };

export async function findIssuedToken(store: Store, jti: string, nowMs: number): Promise<IssuedTokenLookup> {
  // No token lives longer than the hard cap: older records cannot name a live token.
  const sinceMs = nowMs - HARD_MAX_TTL_MS;
  const records = await store.readAudit({ sinceMs, limit: READ_LIMIT });
  for (const r of records) {
    if (r.event !== 'token_issued' || r.data.jti !== jti) continue;
    const exp = typeof r.data.expires_at === 'string' ? Date.parse(r.data.expires_at) : Number.NaN;
    return { found: true, agent: r.agent ?? null, expiresAtMs: Number.isNaN(exp) ? null : exp };
  }
  return { found: false };
}
